/**
 * SQLite `ProfileStore`: one row per visitor — the profile in the codec's binary form
 * (`profiles/profile-codec.ts`) — with a `seen` column for `purgeInactive` (unindexed:
 * an index on a column every event changes would cost each write a second B-tree update, for a
 * maintenance scan that runs rarely).
 *
 * Group commit: `merge` and `delete` calls made in one event-loop turn are queued and applied, in
 * call order, inside one `BEGIN IMMEDIATE` transaction on `setImmediate` (with the write-behind
 * journal under a light load, on a microtask instead: see `#lightLoad`). Each promise settles only
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
import { STILL_CURRENT } from '../profile-cache.js';
import {
  ProfileWriteBehind,
  recoverProfileJournal,
  type WriteBehindOptions,
} from './profile-write-behind.js';

type Op =
  | {
      kind: 'merge';
      visitorId: string;
      delta: ProfileDelta;
      now: number;
      basis: MergeBasis | undefined;
      resolve: (p: Profile) => void;
    }
  | { kind: 'delete'; visitorId: string; resolve: (deleted: boolean) => void }
  | { kind: 'exec'; run: () => void; resolve: () => void };

type Pending = Op & { reject: (err: unknown) => void };
type PendingExec = Extract<Pending, { kind: 'exec' }>;

/**
 * A stored row. The `json` column holds the profile codec's bytes (a BLOB; rows written before it
 * hold JSON text, which `decodeProfile` still reads).
 */
type StoredRow = { json: Buffer | string; rev: number };

/** What one queued op produced inside the transaction; delivered only after the commit. */
type Outcome =
  | { kind: 'merge'; profile: Profile }
  | { kind: 'delete'; deleted: boolean }
  | { kind: 'exec' }
  | { kind: 'failed'; error: unknown };

/** Told when a merge replaced a stored row it could not decode (the bytes are in `profiles_quarantine`). */
export type CorruptProfileHandler = (visitorId: string, reason: string) => void;

export interface SqliteProfileStoreOptions {
  onCorrupt?: CorruptProfileHandler;
  /**
   * Other processes write the same file (cluster workers). Reads are then batched like writes: the
   * reads asked for in one event-loop turn run in one read transaction (one lock, one check of the
   * WAL, at most one reset of the page cache — SQLite drops its cache whenever another connection
   * has committed), and a batch that finds another process holding the write lock is retried on a
   * later turn instead of sleeping in SQLite's busy handler, which would stall the event loop.
   */
  shared?: boolean;
  /**
   * The profile journal (`profile-write-behind.ts`). With `flushMs` > 0 and a database this process
   * alone writes (not `shared`), writes go behind through it — unless another store owns the
   * directory's journal. Otherwise a journal an earlier process left is replayed at open.
   */
  journal?: WriteBehindOptions;
}

type Read = {
  visitorId: string;
  /** The revision the caller holds: resolve STILL_CURRENT if it is still the stored one. */
  knownRev: number | undefined;
  resolve: (p: Profile | undefined | typeof STILL_CURRENT) => void;
  reject: (err: unknown) => void;
};

const EXEC_DONE: Outcome = Object.freeze({ kind: 'exec' });

/** A write batch that met another process's write lock is retried after this many ms at most. */
const BUSY_RETRY_MAX_MS = 8;

/**
 * Write-behind: below this many profile writes a second a group commits at once instead of at the
 * end of the event-loop turn. Measured on /event: committing every write at once cost 110 µs of CPU
 * per request at full load against 64 with batching; at 500 events/s the wait for the turn's end
 * was most of an event's time between its last partner answer and its reply (docs/benchmarks.md).
 */
const LIGHT_LOAD_PER_SEC = 2000;
const RATE_WINDOW_MS = 100;

export class SqliteProfileStore implements ProfileStore {
  readonly #sql;
  readonly #applyBatch;
  #queue: Pending[] = [];
  #scheduled = false;
  /** Write-behind group commit pacing (see `#lightLoad`). */
  #windowEnd = 0;
  #windowWrites = 0;
  #light = true;
  #closed = false;
  readonly #onCorrupt: CorruptProfileHandler | undefined;
  readonly #shared: boolean;
  readonly #readBatch;
  #reads: Read[] = [];
  #readsScheduled = false;
  #busyRetries = 0;
  /** When the current run of busy retries began (0: none); it gives up after the busy timeout. */
  #busySince = 0;
  /** busy_timeout off (shared batches, write-behind links) and back to the configured wait. */
  readonly #lockWait: { off: () => void; on: () => void; ms: number };
  /** Set once a batch transaction has begun (its BEGIN took the lock). */
  #entered = false;
  /** Write-behind, when this process owns the database; merges and deletes then go to the journal. */
  readonly #wb: ProfileWriteBehind | undefined;
  readonly #execBatch;
  /**
   * Write-behind: identity links waiting for the write lock, oldest first, and the retry that will
   * run them (see `#runExecs`).
   */
  #execWaiting: PendingExec[] = [];
  #execRetry: { cancel: () => void } | undefined;

  constructor(db: Database.Database, opts: SqliteProfileStoreOptions = {}) {
    this.#onCorrupt = opts.onCorrupt;
    this.#shared = opts.shared === true;
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
    this.#applyBatch = db.transaction((ops: readonly Op[]): Outcome[] => {
      this.#entered = true;
      return ops.map((op) => this.#apply(op));
    });
    this.#readBatch = db.transaction((reads: readonly Read[]) => reads.map((r) => this.#read(r)));
    this.#execBatch = db.transaction((ops: ReadonlyArray<{ run: () => void }>) => {
      for (const op of ops) op.run();
    });
    const journal = opts.journal;
    this.#wb =
      journal !== undefined && journal.flushMs > 0 && !this.#shared
        ? ProfileWriteBehind.open(db, this.#sql, journal)
        : undefined;
    if (journal !== undefined && this.#wb === undefined) recoverProfileJournal(db, this.#sql, journal.dir);
    // SQLite applies `PRAGMA busy_timeout` when the statement is prepared, so it is issued anew
    // each time (`db.pragma`) rather than kept as a prepared statement.
    const ms = Number(db.pragma('busy_timeout', { simple: true }));
    this.#lockWait = {
      off: () => db.pragma('busy_timeout = 0'),
      on: () => db.pragma(`busy_timeout = ${ms}`),
      ms,
    };
  }

  async get(visitorId: string): Promise<Profile | undefined> {
    this.#assertOpen();
    if (this.#shared) {
      const got = await this.#queueRead(visitorId, undefined);
      return got === STILL_CURRENT ? undefined : got;
    }
    return this.#load(visitorId);
  }

  /**
   * The stored profile, or STILL_CURRENT when its revision is still `knownRev` (a cached copy is
   * then current): only the revision is read in that case, nothing is decoded. The profile cache's
   * validator (`CacheValidator`) for a file shared with other processes.
   */
  getUnlessAt(
    visitorId: string,
    knownRev: number | undefined,
  ): Promise<Profile | undefined | typeof STILL_CURRENT> {
    this.#assertOpen();
    if (this.#shared) return this.#queueRead(visitorId, knownRev);
    return Promise.resolve(this.#readNow(visitorId, knownRev));
  }

  #load(visitorId: string): Profile | undefined {
    const pending = this.#wb?.peek(visitorId);
    if (pending !== undefined) {
      if (pending.data === undefined) return undefined;
      const profile = decodeProfile(pending.data);
      profile.rev = pending.rev;
      return profile;
    }
    const row = this.#sql.get.get(visitorId) as StoredRow | undefined;
    if (row === undefined) return undefined;
    const profile = decodeProfile(row.json);
    profile.rev = row.rev;
    return profile;
  }

  #readNow(visitorId: string, knownRev: number | undefined): Profile | undefined | typeof STILL_CURRENT {
    const pendingRev = this.#wb?.revOf(visitorId);
    const rev = pendingRev ?? (knownRev === undefined ? undefined : this.#sql.rev.get(visitorId));
    if (knownRev !== undefined && rev === knownRev && rev !== 0) return STILL_CURRENT;
    return this.#load(visitorId);
  }

  #queueRead(
    visitorId: string,
    knownRev: number | undefined,
  ): Promise<Profile | undefined | typeof STILL_CURRENT> {
    return new Promise((resolve, reject) => {
      this.#reads.push({ visitorId, knownRev, resolve, reject });
      if (!this.#readsScheduled) {
        this.#readsScheduled = true;
        setImmediate(() => this.#flushReads());
      }
    });
  }

  #flushReads(): void {
    this.#readsScheduled = false;
    const reads = this.#reads;
    this.#reads = [];
    let results: Array<{ ok: Profile | undefined | typeof STILL_CURRENT } | { err: unknown }>;
    try {
      // One deferred (read) transaction for the whole turn's reads: one snapshot, one lock.
      results = this.#readBatch.deferred(reads);
    } catch (err) {
      for (const r of reads) r.reject(err);
      return;
    }
    reads.forEach((r, i) => {
      const res = results[i];
      if (res === undefined) r.reject(new Error('read batch lost a result'));
      else if ('err' in res) r.reject(res.err);
      else r.resolve(res.ok);
    });
  }

  /** One read inside the read batch; a row that cannot be decoded fails that read alone. */
  #read(r: Read): { ok: Profile | undefined | typeof STILL_CURRENT } | { err: unknown } {
    try {
      return { ok: this.#readNow(r.visitorId, r.knownRev) };
    } catch (err) {
      if (err instanceof ProfileDecodeError) return { err };
      throw err;
    }
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

  /**
   * Runs `run` (other tables' statements: identity links) inside the next group commit, in call
   * order with the merges, and settles once that commit is durable — so an event's links cost no
   * commit of their own. A statement that fails fails the whole batch, as a merge's would.
   */
  exec(run: () => void): Promise<void> {
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'exec', run, resolve, reject }));
  }

  async purgeInactive(olderThan: number): Promise<number> {
    this.#assertOpen();
    if (this.#wb !== undefined) {
      // Rare maintenance: queued and pending profiles go to the table first, so the purge sees every `seen`.
      this.#flush();
      this.#wb.flushAll();
    }
    return this.#sql.purge.run(olderThan).changes;
  }

  /** Commits whatever is queued, then refuses further calls. The connection is closed by `Stores.close`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Flushing is synchronous, so queued reads and merges are settled before this resolves.
    this.#flushReads();
    this.#flush();
    // Links waiting for a retry are written now, waiting in SQLite for the lock if need be.
    this.#execRetry?.cancel();
    this.#tryExecs();
    this.#wb?.close();
  }

  #enqueue(op: Pending): void {
    if (this.#closed) {
      op.reject(new AudexError('AUDEX_STORAGE_UNAVAILABLE', 'profile store is closed'));
      return;
    }
    this.#queue.push(op);
    const light = this.#wb !== undefined && this.#lightLoad();
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Under load: setImmediate, not a microtask, so every event handled in this turn joins the
      // batch (one journal write or transaction for all of them). With write-behind and a light
      // load there is nothing to batch: the group commits as soon as this callback's microtasks
      // ran, so an event's reply does not wait for the turn's other callbacks (other events'
      // partner answers arriving together).
      if (light) queueMicrotask(() => this.#flush());
      else setImmediate(() => this.#flush());
    }
  }

  /**
   * Counts a write-behind write and tells whether the load is light: fewer than
   * `LIGHT_LOAD_PER_SEC` writes a second over the last whole `RATE_WINDOW_MS` (an idle gap counts
   * as light).
   */
  #lightLoad(): boolean {
    const t = performance.now();
    if (t >= this.#windowEnd) {
      this.#light =
        t - this.#windowEnd >= RATE_WINDOW_MS ||
        this.#windowWrites < (LIGHT_LOAD_PER_SEC * RATE_WINDOW_MS) / 1000;
      this.#windowEnd = t + RATE_WINDOW_MS;
      this.#windowWrites = 0;
    }
    this.#windowWrites++;
    return this.#light;
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    if (this.#wb !== undefined) return this.#flushBehind(batch, this.#wb);
    let outcomes: Outcome[];
    this.#entered = false;
    try {
      outcomes =
        this.#shared && !this.#closed
          ? this.#withoutBusyWait(() => this.#applyBatch.immediate(batch))
          : this.#applyBatch.immediate(batch);
    } catch (err) {
      if (this.#shared && !this.#closed && !this.#entered && isBusy(err) && this.#mayWaitForLock()) {
        // Another process holds the write lock and nothing of this batch ran: try again on a
        // later turn (events arriving meanwhile join the batch) instead of blocking the loop —
        // for as long as the configured busy timeout, after which the batch fails as before.
        this.#queue = batch.concat(this.#queue);
        this.#scheduled = true;
        this.#retryLater(() => this.#flush());
        return;
      }
      // better-sqlite3 has rolled the transaction back: nothing from this batch is stored.
      this.#lockSettled();
      for (const op of batch) op.reject(err);
      return;
    }
    this.#lockSettled();
    batch.forEach((op, i) => {
      const outcome = outcomes[i];
      // The merged object was built for this op alone (parsed from the row), so it can be handed out as is.
      if (op.kind === 'merge' && outcome?.kind === 'merge') op.resolve(outcome.profile);
      else if (op.kind === 'delete' && outcome?.kind === 'delete') op.resolve(outcome.deleted);
      else if (op.kind === 'exec' && outcome?.kind === 'exec') op.resolve();
      else if (outcome?.kind === 'failed') op.reject(outcome.error);
    });
  }

  /**
   * The group commit in write-behind mode: merges and deletes become journal records, written with
   * one call; identity links (`exec`) still commit to their tables, in one transaction
   * (`#runExecs`). Each op settles once what it wrote is durable.
   */
  #flushBehind(batch: Pending[], wb: ProfileWriteBehind): void {
    const outcomes = batch.map((op) => (op.kind === 'exec' ? EXEC_DONE : this.#applyBehind(op, wb)));
    let journalError: unknown;
    try {
      wb.commit();
    } catch (err) {
      journalError = err;
    }
    const execs = batch.filter((op): op is PendingExec => op.kind === 'exec');
    if (execs.length > 0) this.#runExecs(execs);
    batch.forEach((op, i) => {
      const outcome = outcomes[i];
      if (op.kind === 'exec') return;
      if (outcome?.kind === 'failed') op.reject(outcome.error);
      else if (journalError !== undefined) op.reject(journalError);
      else if (op.kind === 'merge' && outcome?.kind === 'merge') op.resolve(outcome.profile);
      else if (op.kind === 'delete' && outcome?.kind === 'delete') op.resolve(outcome.deleted);
    });
  }

  /**
   * Commits write-behind identity links in one transaction on this connection. The flush worker
   * holds the write lock for a few milliseconds per transaction; SQLite's busy handler would sleep
   * on the event loop until it is free, so the attempt is made without it and, finding the lock
   * taken, retried on a later turn (links queued meanwhile join it, in order) for as long as the
   * busy timeout, after which they fail as before. Once the store is closed it waits in SQLite.
   */
  #runExecs(execs: PendingExec[]): void {
    for (const op of execs) this.#execWaiting.push(op);
    if (this.#execRetry === undefined) this.#tryExecs();
  }

  #tryExecs(): void {
    this.#execRetry = undefined;
    const execs = this.#execWaiting;
    if (execs.length === 0) return;
    const mayRetry = !this.#closed;
    try {
      if (mayRetry) this.#withoutBusyWait(() => this.#execBatch.immediate(execs));
      else this.#execBatch.immediate(execs);
    } catch (err) {
      if (mayRetry && isBusy(err) && this.#mayWaitForLock()) {
        this.#execRetry = this.#retryLater(() => this.#tryExecs());
        return;
      }
      this.#execWaiting = [];
      this.#lockSettled();
      for (const op of execs) op.reject(err);
      return;
    }
    this.#execWaiting = [];
    this.#lockSettled();
    for (const op of execs) op.resolve();
  }

  /** Runs `write` with SQLite's busy handler off: a lock held elsewhere throws SQLITE_BUSY at once. */
  #withoutBusyWait<T>(write: () => T): T {
    this.#lockWait.off();
    try {
      return write();
    } finally {
      this.#lockWait.on();
    }
  }

  /**
   * Schedules another attempt at a write that met another connection's lock: on the next turn,
   * then backing off by a millisecond per attempt up to {@link BUSY_RETRY_MAX_MS}.
   */
  #retryLater(attempt: () => void): { cancel: () => void } {
    const wait = Math.min(BUSY_RETRY_MAX_MS, this.#busyRetries++);
    if (wait === 0) {
      const t = setImmediate(attempt);
      return { cancel: () => clearImmediate(t) };
    }
    const t = setTimeout(attempt, wait);
    return { cancel: () => clearTimeout(t) };
  }

  /** The lock was had, or waited for past the busy timeout: the next wait for it starts afresh. */
  #lockSettled(): void {
    this.#busyRetries = 0;
    this.#busySince = 0;
  }

  /** A merge or delete in write-behind mode: the same revision rules, written to the journal. */
  #applyBehind(op: Exclude<Op, { kind: 'exec' }>, wb: ProfileWriteBehind): Outcome {
    // A minted id has no row: its first write needs no look at the table.
    const rev =
      wb.revOf(op.visitorId) ??
      (op.kind === 'merge' && op.basis?.fresh === true
        ? 0
        : ((this.#sql.rev.get(op.visitorId) as number | undefined) ?? 0));
    if (op.kind === 'delete') {
      if (rev > 0) wb.delete(op.visitorId);
      return { kind: 'delete', deleted: rev > 0 };
    }
    try {
      let profile: Profile;
      if (op.basis !== undefined && op.basis.rev === rev) profile = op.basis.merged;
      else {
        const pending = wb.peek(op.visitorId);
        profile =
          pending === undefined
            ? this.#storedForMerge(op.visitorId, op.now)
            : pending.data === undefined
              ? emptyProfile(op.now)
              : decodeProfile(pending.data);
        applyDelta(profile, op.delta, op.now);
      }
      const data = encodeProfile(profile);
      wb.put(op.visitorId, rev + 1, profile.seen, data);
      profile.rev = rev + 1;
      return { kind: 'merge', profile };
    } catch (error) {
      return { kind: 'failed', error };
    }
  }

  /** The table's profile to apply a delta to; a row that cannot be decoded is quarantined and started afresh. */
  #storedForMerge(visitorId: string, now: number): Profile {
    const row = this.#sql.get.get(visitorId) as StoredRow | undefined;
    if (row === undefined) return emptyProfile(now);
    try {
      return decodeProfile(row.json);
    } catch (err) {
      if (!(err instanceof ProfileDecodeError)) throw err;
      const bytes = typeof row.json === 'string' ? Buffer.from(row.json) : row.json;
      this.#sql.quarantine.run(visitorId, bytes, row.rev, err.message, now);
      this.#onCorrupt?.(visitorId, err.message);
      return emptyProfile(now);
    }
  }

  /** Whether a batch that met the write lock may wait longer (for the configured busy timeout). */
  #mayWaitForLock(): boolean {
    const now = Date.now();
    if (this.#busySince === 0) this.#busySince = now;
    return now - this.#busySince < this.#lockWait.ms;
  }

  /** One op inside the batch transaction; reads the row under the write lock. */
  #apply(op: Op): Outcome {
    if (op.kind === 'exec') {
      op.run();
      return EXEC_DONE;
    }
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

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
