/**
 * SQLite `ProfileStore`: one row per visitor — the profile in the codec's binary form
 * (`profiles/profile-codec.ts`) — with a `seen` column for `purgeInactive` (unindexed:
 * an index on a column every event changes would cost each write a second B-tree update, for a
 * maintenance scan that runs rarely).
 *
 * Group commit: `merge` and `delete` calls made in one event-loop turn are queued and applied, in
 * call order, inside one `BEGIN IMMEDIATE` transaction on `setImmediate`. Each promise settles only
 * after that transaction committed. A merge that cannot be computed (its delta cannot be applied,
 * or its profile encoded) rejects alone, before it has run any statement, and the rest of the
 * batch commits; if SQLite itself fails, the transaction is rolled back and every call rejects.
 *
 * A stored row that cannot be decoded (damaged on disk, or written by a foreign tool) would
 * otherwise fail every later event of that visitor: the merge that meets it copies its bytes to
 * `profiles_quarantine` (with the reason), starts the profile afresh from the event's delta at the
 * next revision, and reports it through `onCorrupt`. Reads of such a row still fail (the event
 * reports error 200) until a write has replaced it.
 *
 * Inside the write-locked transaction a merge with a basis writes only if the row is still at the
 * revision the event read (one conditional statement); otherwise, and without a basis, it reads
 * the row and applies the delta. Worker processes sharing the file serialise on SQLite's lock and
 * never lose an update. One commit (one fsync under
 * `synchronous=FULL`) then covers many events, which is what makes durable-before-reply cheap.
 */
import type Database from 'better-sqlite3';
import { AudexError } from '../../errors/registry.js';
import { applyDelta, emptyProfile, type Profile, type ProfileDelta } from '../../profiles/profile.js';
import { decodeProfile, encodeProfile, ProfileDecodeError } from '../../profiles/profile-codec.js';
import type { MergeBasis, ProfileStore } from '../ports.js';

type Op =
  | {
      kind: 'merge';
      visitorId: string;
      delta: ProfileDelta;
      now: number;
      basis: MergeBasis | undefined;
      resolve: (p: Profile) => void;
    }
  | { kind: 'delete'; visitorId: string; resolve: (deleted: boolean) => void };

type Pending = Op & { reject: (err: unknown) => void };

/**
 * A stored row. The `json` column holds the profile codec's bytes (a BLOB; rows written before it
 * hold JSON text, which `decodeProfile` still reads).
 */
type StoredRow = { json: Buffer | string; rev: number };

/** What one queued op produced inside the transaction; delivered only after the commit. */
type Outcome =
  | { kind: 'merge'; profile: Profile }
  | { kind: 'delete'; deleted: boolean }
  | { kind: 'failed'; error: unknown };

/** Told when a merge replaced a stored row it could not decode (the bytes are in `profiles_quarantine`). */
export type CorruptProfileHandler = (visitorId: string, reason: string) => void;

export class SqliteProfileStore implements ProfileStore {
  readonly #sql;
  readonly #applyBatch;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;
  readonly #onCorrupt: CorruptProfileHandler | undefined;

  constructor(db: Database.Database, onCorrupt?: CorruptProfileHandler) {
    this.#onCorrupt = onCorrupt;
    this.#sql = {
      get: db.prepare('SELECT json, rev FROM profiles WHERE visitor_id = ?'),
      rev: db.prepare('SELECT rev FROM profiles WHERE visitor_id = ?').pluck(),
      // The optimistic writes: each succeeds only if the row is still at the revision the event read.
      insertNew: db.prepare(
        'INSERT INTO profiles (visitor_id, json, seen, rev) VALUES (?, ?, ?, 1) ON CONFLICT (visitor_id) DO NOTHING',
      ),
      updateAt: db.prepare(
        'UPDATE profiles SET json = ?, seen = ?, rev = ? WHERE visitor_id = ? AND rev = ?',
      ),
      upsert: db.prepare(
        `INSERT INTO profiles (visitor_id, json, seen, rev) VALUES (?, ?, ?, ?)
         ON CONFLICT (visitor_id) DO UPDATE SET json = excluded.json, seen = excluded.seen, rev = excluded.rev`,
      ),
      remove: db.prepare('DELETE FROM profiles WHERE visitor_id = ?'),
      purge: db.prepare('DELETE FROM profiles WHERE seen < ?'),
      quarantine: db.prepare(
        'INSERT INTO profiles_quarantine (visitor_id, data, rev, reason, at) VALUES (?, ?, ?, ?, ?)',
      ),
    };
    this.#applyBatch = db.transaction((ops: readonly Op[]): Outcome[] => ops.map((op) => this.#apply(op)));
  }

  async get(visitorId: string): Promise<Profile | undefined> {
    this.#assertOpen();
    const row = this.#sql.get.get(visitorId) as StoredRow | undefined;
    if (row === undefined) return undefined;
    const profile = decodeProfile(row.json);
    profile.rev = row.rev;
    return profile;
  }

  /** The stored revision of a profile, undefined when there is none (validates cached copies). */
  revisionOf(visitorId: string): number | undefined {
    this.#assertOpen();
    return this.#sql.rev.get(visitorId) as number | undefined;
  }

  merge(visitorId: string, delta: ProfileDelta, now: number, basis?: MergeBasis): Promise<Profile> {
    return new Promise((resolve, reject) =>
      this.#enqueue({ kind: 'merge', visitorId, delta, now, basis, resolve, reject }),
    );
  }

  /** Queued behind earlier merges of the same turn, so a merge called before it cannot resurrect the row. */
  delete(visitorId: string): Promise<boolean> {
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'delete', visitorId, resolve, reject }));
  }

  async purgeInactive(olderThan: number): Promise<number> {
    this.#assertOpen();
    return this.#sql.purge.run(olderThan).changes;
  }

  /** Commits whatever is queued, then refuses further calls. The connection is closed by `Stores.close`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Flushing is synchronous, so queued merges are committed (or rejected) before this resolves.
    this.#flush();
  }

  #enqueue(op: Pending): void {
    if (this.#closed) {
      op.reject(new AudexError('AUDEX_STORAGE_UNAVAILABLE', 'profile store is closed'));
      return;
    }
    this.#queue.push(op);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // setImmediate, not a microtask: runs after the I/O callbacks of this turn, so every event
      // handled in the turn joins the batch.
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.#applyBatch.immediate(batch);
    } catch (err) {
      // better-sqlite3 has rolled the transaction back: nothing from this batch is stored.
      for (const op of batch) op.reject(err);
      return;
    }
    batch.forEach((op, i) => {
      const outcome = outcomes[i];
      // The merged object was built for this op alone (parsed from the row), so it can be handed out as is.
      if (op.kind === 'merge' && outcome?.kind === 'merge') op.resolve(outcome.profile);
      else if (op.kind === 'delete' && outcome?.kind === 'delete') op.resolve(outcome.deleted);
      else if (outcome?.kind === 'failed') op.reject(outcome.error);
    });
  }

  /** One op inside the batch transaction; reads the row under the write lock. */
  #apply(op: Op): Outcome {
    if (op.kind === 'delete')
      return { kind: 'delete', deleted: this.#sql.remove.run(op.visitorId).changes > 0 };
    // Optimistic path: one statement that writes the event's own merged profile only if nobody
    // wrote since the event read revision `basis.rev` — no second read, parse or apply.
    if (op.basis !== undefined) {
      let merged: Buffer;
      try {
        merged = encodeProfile(op.basis.merged);
      } catch (error) {
        return { kind: 'failed', error };
      }
      if (this.#writeIfUnchanged(op.visitorId, op.basis, merged))
        return { kind: 'merge', profile: op.basis.merged };
    }
    const row = this.#sql.get.get(op.visitorId) as StoredRow | undefined;
    // Everything that can throw for this op alone runs before its one write statement, so a
    // failure here leaves the transaction untouched for the rest of the batch.
    let profile: Profile;
    let data: Buffer;
    let corrupt: string | undefined;
    try {
      if (row === undefined) profile = emptyProfile(op.now);
      else {
        try {
          profile = decodeProfile(row.json);
        } catch (err) {
          if (!(err instanceof ProfileDecodeError)) throw err;
          corrupt = err.message;
          profile = emptyProfile(op.now);
        }
      }
      applyDelta(profile, op.delta, op.now);
      profile.rev = (row?.rev ?? 0) + 1;
      data = encodeProfile(profile);
    } catch (error) {
      return { kind: 'failed', error };
    }
    if (corrupt !== undefined && row !== undefined) {
      const bytes = typeof row.json === 'string' ? Buffer.from(row.json) : row.json;
      this.#sql.quarantine.run(op.visitorId, bytes, row.rev, corrupt, op.now);
      // Reported after the commit would be tidier, but a rolled-back batch is retried by nobody:
      // the report says a damaged row was met, which is true either way.
      this.#onCorrupt?.(op.visitorId, corrupt);
    }
    this.#sql.upsert.run(op.visitorId, data, profile.seen, profile.rev);
    return { kind: 'merge', profile };
  }

  /** Stores `data` (`basis.merged` encoded) at `basis.rev + 1` if the row is still at `basis.rev`; false otherwise. */
  #writeIfUnchanged(visitorId: string, basis: MergeBasis, data: Buffer): boolean {
    const profile = basis.merged;
    const rev = basis.rev + 1;
    const previousRev = profile.rev;
    profile.rev = rev;
    const changes =
      basis.rev === 0
        ? this.#sql.insertNew.run(visitorId, data, profile.seen).changes
        : this.#sql.updateAt.run(data, profile.seen, rev, visitorId, basis.rev).changes;
    if (changes === 1) return true;
    if (previousRev === undefined) delete profile.rev;
    else profile.rev = previousRev;
    return false;
  }

  #assertOpen(): void {
    if (this.#closed) throw new AudexError('AUDEX_STORAGE_UNAVAILABLE', 'profile store is closed');
  }
}
