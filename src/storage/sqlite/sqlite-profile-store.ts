/**
 * SQLite `ProfileStore`: one row per visitor — the profile in the codec's binary form
 * (`profiles/profile-codec.ts`) — with a `seen` column for `purgeInactive` (unindexed:
 * an index on a column every event changes would cost each write a second B-tree update, for a
 * maintenance scan that runs rarely).
 *
 * Group commit: `merge` and `delete` calls made in one event-loop turn are queued and applied, in
 * call order, inside one `BEGIN IMMEDIATE` transaction on `setImmediate`. Each promise settles only
 * after that transaction committed; if it fails, every call in it rejects and nothing is applied.
 * Inside the write-locked transaction a merge with a basis writes only if the row is still at the
 * revision the event read (one conditional statement); otherwise, and without a basis, it reads
 * the row and applies the delta. Worker processes sharing the file serialise on SQLite's lock and
 * never lose an update. One commit (one fsync under
 * `synchronous=FULL`) then covers many events, which is what makes durable-before-reply cheap.
 */
import type Database from 'better-sqlite3';
import { AudexError } from '../../errors/registry.js';
import { applyDelta, emptyProfile, type Profile, type ProfileDelta } from '../../profiles/profile.js';
import { decodeProfile, encodeProfile } from '../../profiles/profile-codec.js';
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
type Outcome = { kind: 'merge'; profile: Profile } | { kind: 'delete'; deleted: boolean };

export class SqliteProfileStore implements ProfileStore {
  readonly #sql;
  readonly #applyBatch;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;

  constructor(db: Database.Database) {
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
    });
  }

  /** One op inside the batch transaction; reads the row under the write lock. */
  #apply(op: Op): Outcome {
    if (op.kind === 'delete')
      return { kind: 'delete', deleted: this.#sql.remove.run(op.visitorId).changes > 0 };
    // Optimistic path: one statement that writes the event's own merged profile only if nobody
    // wrote since the event read revision `basis.rev` — no second read, parse or apply.
    if (op.basis !== undefined && this.#writeIfUnchanged(op.visitorId, op.basis))
      return { kind: 'merge', profile: op.basis.merged };
    const row = this.#sql.get.get(op.visitorId) as StoredRow | undefined;
    const profile = row === undefined ? emptyProfile(op.now) : decodeProfile(row.json);
    applyDelta(profile, op.delta, op.now);
    profile.rev = (row?.rev ?? 0) + 1;
    this.#sql.upsert.run(op.visitorId, encodeProfile(profile), profile.seen, profile.rev);
    return { kind: 'merge', profile };
  }

  /** Stores `basis.merged` at `basis.rev + 1` if the row is still at `basis.rev`; false otherwise. */
  #writeIfUnchanged(visitorId: string, basis: MergeBasis): boolean {
    const profile = basis.merged;
    const rev = basis.rev + 1;
    const previousRev = profile.rev;
    profile.rev = rev;
    const data = encodeProfile(profile);
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
