/**
 * Write-behind for the SQLite profile store, when one process owns the database (not cluster
 * workers): an event's profile write is an append to the profile journal (`profile-journal.ts`)
 * instead of a B-tree update, and the profiles are written to the `profiles` table later, many per
 * transaction.
 *
 * Why: with one row per visitor, every event's write dirtied its own 4 KB page, so each group
 * commit wrote one WAL frame per event (one `pwrite` each), and the checkpointer copied each page
 * again (docs/benchmarks.md, "/event throughput"). The journal takes the group commit's records in
 * one `writev`; the table gets each visitor once per flush whatever the number of its events, and
 * a flush in visitor-id order fills each page with the rows it holds.
 *
 * Durability is unchanged: a write is in the journal file — in the kernel, so it survives `kill -9`
 * — before the event's promise resolves (`synchronous=NORMAL`; the database's own promise). On
 * open, journal files left by a process that died are replayed into the table, oldest first.
 *
 * Reads see pending writes first (`peek`), so the table may lag but the store never does. Every
 * `flushMs` the journal rotates to a new generation and the profiles pending at that moment are
 * written to the table by a worker thread with its own connection (`profile-flush-worker.ts`),
 * which reads them from the closed generation's file (the event loop then only opens the next
 * file, and marks the entries written when the worker answers), or, for an in-memory database or
 * with `flushInWorker: false`, on the event loop in slices of at most `SLICE_MS`, one transaction
 * per turn; once all are in, the old generations' files are deleted.
 * `flushAll` (close, purge) first withdraws the worker's job and waits until it writes no more,
 * then writes what is pending itself. Only one store may own a data directory's journal: ownership is
 * an `owner` file holding the pid, created exclusively; a store that cannot own it (another live
 * process, or a second store in this one) writes directly to the table, as before.
 */
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import {
  journalFile,
  journalGenerations,
  JournalWriter,
  readGeneration,
  RecordKind,
  removeGeneration,
} from './profile-journal.js';
import {
  FlushWorker,
  packRows,
  type FlushWorkerOptions,
  type JobResult,
  type PackedRow,
} from './profile-flush-worker.js';

/**
 * While flushing, one transaction per event-loop turn writes rows until it has run this long
 * (checked every few rows) or written `CHUNK` rows: events keep being served between the turns.
 * 512 rows at a time held the loop 5-12 ms under load, a scheduling stall for every event in it.
 */
const SLICE_MS = 1;
const CHUNK = 512;
/** Rows between two looks at the clock. */
const CLOCK_EVERY = 8;
/** Pending profiles that start a flush before the interval is up (bounds the memory they hold). */
const MAX_PENDING = 100_000;

/** The flush in progress: the rows of generations up to `generation`, in `keys` order. */
interface Flushing {
  generation: number;
  /**
   * The pending visitors of the flush, in id order; undefined while the worker writes them from the
   * generation's journal file (listed only if the event loop has to write them after all).
   */
  keys: string[] | undefined;
  /** On the event loop: the next key to write. */
  next: number;
}

/** A pending profile as readers see it: its image (undefined: deleted) and revision. */
export interface PendingProfile {
  data: Buffer | undefined;
  rev: number;
}

/**
 * What the store knows of a visitor it wrote recently. `Pending`: written since the last flush;
 * the image is `chunk[at, at + length)` in the journal's memory (`chunk` undefined: deleted).
 * `Clean`: flushed, kept one more generation so the next write knows the revision without asking
 * the table.
 */
interface Entry {
  state: typeof PENDING | typeof CLEAN;
  rev: number;
  seen: number;
  /** The journal generation of the last write. */
  generation: number;
  chunk: Buffer | undefined;
  at: number;
  length: number;
}
const PENDING = 0;
const CLEAN = 1;

export interface WriteBehindOptions {
  /** The journal directory (inside the data directory). */
  dir: string;
  /** How often the pending profiles are written to the table, ms; 0: no write-behind (replay only). */
  flushMs: number;
  /** Told when a flush fails; it is retried at the next interval (the journal still holds everything). */
  onError?: (err: unknown) => void;
  /** fsync each group commit's records (`synchronous=FULL`: durable through power loss, like the database). */
  fsync?: boolean;
  /**
   * Flush on a worker thread with its own connection (`profile-flush-worker.ts`; default for a
   * database file), or in slices on the event loop (false, and always for an in-memory database).
   */
  flushInWorker?: boolean;
}

/** The profile store's statements that put a row as given and delete one. */
export interface RowWriters {
  upsert: Statement<[string, Uint8Array, number, number]>;
  remove: Statement<[string]>;
}

/** Directories whose journal a store of this process owns. */
const ownedHere = new Set<string>();

export class ProfileWriteBehind {
  readonly #dir: string;
  readonly #onError: (err: unknown) => void;
  readonly #sql: RowWriters;
  readonly #writeRows;
  readonly #entries = new Map<string, Entry>();
  /** Entries in the `PENDING` state. */
  #pendingCount = 0;
  #writer: JournalWriter;
  readonly #fsync: boolean;
  #flushing: Flushing | undefined;
  /** How the flush worker is made (undefined: the flush runs on the event loop); started on first use. */
  readonly #workerOptions: FlushWorkerOptions | undefined;
  #worker: FlushWorker | undefined;
  readonly #timer: NodeJS.Timeout;
  /** Undo log of the group commit being built: the entries it replaced. */
  #undo: Array<[string, Entry | undefined]> = [];

  /**
   * Takes the journal of `opts.dir` and replays what a previous owner left; undefined when another
   * store owns it (the caller then writes directly).
   */
  static open(
    db: Database.Database,
    sql: RowWriters,
    opts: WriteBehindOptions,
  ): ProfileWriteBehind | undefined {
    mkdirSync(opts.dir, { recursive: true });
    if (!acquire(opts.dir)) return undefined;
    try {
      const last = replay(db, sql, opts.dir);
      return new ProfileWriteBehind(db, sql, opts, last + 1);
    } catch (err) {
      release(opts.dir);
      throw err;
    }
  }

  private constructor(db: Database.Database, sql: RowWriters, opts: WriteBehindOptions, generation: number) {
    this.#dir = opts.dir;
    this.#onError = opts.onError ?? (() => undefined);
    this.#sql = sql;
    this.#writeRows = db.transaction(
      (keys: readonly string[], from: number, to: number, upTo: number, until: number) => {
        const written: Entry[] = [];
        let i = from;
        for (; i < to; i++) {
          if ((i - from) % CLOCK_EVERY === CLOCK_EVERY - 1 && performance.now() >= until) break;
          const key = keys[i] as string;
          const e = this.#due(key, upTo);
          if (e === undefined) continue;
          if (e.chunk === undefined) this.#sql.remove.run(key);
          else this.#sql.upsert.run(key, e.chunk.subarray(e.at, e.at + e.length), e.seen, e.rev);
          written.push(e);
        }
        return { written, next: i };
      },
    );
    this.#fsync = opts.fsync === true;
    this.#workerOptions =
      opts.flushInWorker === false || db.memory
        ? undefined
        : {
            file: db.name,
            upsertSql: sql.upsert.source,
            removeSql: sql.remove.source,
            synchronous: Number(db.pragma('synchronous', { simple: true })) >= 2 ? 'FULL' : 'NORMAL',
          };
    this.#writer = new JournalWriter(this.#dir, generation, this.#fsync);
    this.#timer = setInterval(() => this.#rotate(), opts.flushMs);
    this.#timer.unref();
  }

  /** Profiles written and not yet in the table (metrics, tests). */
  get pendingCount(): number {
    return this.#pendingCount;
  }

  /** The visitor's pending write, if any: its image is newer than the table's row. */
  peek(visitorId: string): PendingProfile | undefined {
    const e = this.#entries.get(visitorId);
    if (e === undefined || e.state !== PENDING) return undefined;
    return { data: e.chunk?.subarray(e.at, e.at + e.length), rev: e.rev };
  }

  /**
   * The visitor's current revision if this store wrote it recently (0: deleted), else undefined
   * (the table's row is then the current one).
   */
  revOf(visitorId: string): number | undefined {
    return this.#entries.get(visitorId)?.rev;
  }

  /** Records `data` (copied) as the visitor's profile at `rev`; durable at the next `commit`. */
  put(visitorId: string, rev: number, seen: number, data: Uint8Array): void {
    const { chunk, end } = this.#writer.append(RecordKind.Put, visitorId, rev, seen, data);
    this.#set(visitorId, rev, seen, chunk, end - data.length, data.length);
  }

  /** Records the visitor's deletion; durable at the next `commit`. */
  delete(visitorId: string): void {
    this.#writer.append(RecordKind.Delete, visitorId, 0, 0, EMPTY);
    this.#set(visitorId, 0, 0, undefined, 0, 0);
  }

  #set(
    visitorId: string,
    rev: number,
    seen: number,
    chunk: Buffer | undefined,
    at: number,
    length: number,
  ): void {
    const generation = this.#writer.generation;
    const before = this.#entries.get(visitorId);
    this.#undo.push([visitorId, before === undefined ? undefined : { ...before }]);
    if (before === undefined) {
      this.#entries.set(visitorId, { state: PENDING, rev, seen, generation, chunk, at, length });
      this.#pendingCount++;
      return;
    }
    if (before.state !== PENDING) this.#pendingCount++;
    before.state = PENDING;
    before.rev = rev;
    before.seen = seen;
    before.generation = generation;
    before.chunk = chunk;
    before.at = at;
    before.length = length;
  }

  /**
   * Writes the records of this group commit to the journal (one `writev`). If that fails, the
   * entries are put back as they were and the error is thrown: none of the batch is acknowledged.
   */
  commit(): void {
    const undo = this.#undo;
    this.#undo = [];
    try {
      this.#writer.commit();
    } catch (err) {
      this.#writer.abandon();
      for (let i = undo.length - 1; i >= 0; i--) {
        const [id, before] = undo[i] as [string, Entry | undefined];
        const now = this.#entries.get(id);
        if (now?.state === PENDING) this.#pendingCount--;
        if (before === undefined) this.#entries.delete(id);
        else {
          this.#entries.set(id, before);
          if (before.state === PENDING) this.#pendingCount++;
        }
      }
      throw err;
    }
    if (this.#pendingCount >= MAX_PENDING) this.#rotate();
  }

  /** Writes every pending profile to the table now and empties the journal (close, purge). */
  flushAll(): void {
    // The worker first lets its job go: nothing it holds may reach the table after what follows.
    this.#worker?.cancelSync();
    if (this.#flushing !== undefined) this.#finishFlush(Infinity);
    this.#rotate(false);
    if (this.#flushing !== undefined) this.#finishFlush(Infinity);
    // The table now holds everything, and a purge may follow: no revision is kept here.
    this.#entries.clear();
  }

  /** Flushes everything, deletes the journal and gives up ownership. */
  close(): void {
    clearInterval(this.#timer);
    this.flushAll();
    this.#worker?.stop();
    this.#worker = undefined;
    this.#writer.discard();
    release(this.#dir);
  }

  /** Starts the next generation and flushes the pending profiles, in chunks (or all at once). */
  #rotate(chunked = true): void {
    if (this.#flushing !== undefined) return;
    if (this.#pendingCount === 0 && this.#writer.size === 0) {
      this.#entries.clear(); // nothing written for a whole interval: forget the clean revisions
      return;
    }
    const old = this.#writer;
    this.#writer = new JournalWriter(this.#dir, old.generation + 1, this.#fsync);
    old.close();
    const f: Flushing = { generation: old.generation, keys: undefined, next: 0 };
    this.#flushing = f;
    // Every profile pending now was written in the generation just closed (the flushes of the
    // earlier ones are complete), so the worker finds them all, and no other, in its file.
    if (chunked && this.#workerOptions !== undefined) this.#startJob(f, true);
    else {
      this.#keysOf(f);
      if (chunked) this.#flushStep();
    }
  }

  /**
   * The flush's keys: its pending visitors in id order (consecutive rows share leaf pages, so a
   * transaction dirties as few as it can). A clean entry not written in the flush's generation goes
   * on the way: the table has its revision.
   */
  #keysOf(f: Flushing): string[] {
    if (f.keys !== undefined) return f.keys;
    const keys: string[] = [];
    for (const [key, e] of this.#entries) {
      if (e.state === PENDING) {
        if (e.generation <= f.generation) keys.push(key);
      } else if (e.generation < f.generation) this.#entries.delete(key);
    }
    keys.sort();
    f.keys = keys;
    return keys;
  }

  /**
   * Hands the flush to the worker: the generation's journal file (`fromFile`), or else its rows
   * packed from memory. `#jobDone` finishes it on the worker's answer.
   */
  #startJob(f: Flushing, fromFile: boolean): void {
    try {
      // A worker that died (its thread crashed) is replaced; its job went back to the journal.
      if (this.#worker?.alive === false) this.#worker = undefined;
      this.#worker ??= new FlushWorker(this.#workerOptions as FlushWorkerOptions);
      if (fromFile)
        this.#worker.runFiles([journalFile(this.#dir, f.generation)], (r) => this.#jobDone(f, r, true));
      else this.#worker.run(this.#packed(f), (r) => this.#jobDone(f, r, false));
    } catch (err) {
      this.#jobDone(f, { ok: false, error: err instanceof Error ? err : new Error(String(err)) }, fromFile);
    }
  }

  /** The flush's rows, packed for the worker. */
  #packed(f: Flushing): ArrayBuffer {
    const rows: PackedRow[] = [];
    for (const key of this.#keysOf(f)) {
      const e = this.#due(key, f.generation);
      if (e === undefined) continue;
      rows.push({ visitorId: key, data: e.chunk?.subarray(e.at, e.at + e.length), rev: e.rev, seen: e.seen });
    }
    return packRows(rows);
  }

  /**
   * The worker wrote the flush's rows (or failed: a file it could not read is retried at once with
   * the rows from memory, anything else in a second). Rows rewritten since the rotation belong to
   * a later generation and stay pending. A flush finished meanwhile on this thread (`flushAll`) has
   * already done all of it.
   */
  #jobDone(f: Flushing, r: JobResult, fromFile: boolean): void {
    if (this.#flushing !== f) return;
    if (!r.ok) {
      if (r.error === undefined) return; // withdrawn by `flushAll`, which finishes the flush itself
      this.#onError(r.error);
      if (fromFile) this.#startJob(f, false);
      else
        setTimeout(() => {
          if (this.#flushing === f) this.#startJob(f, false);
        }, 1000).unref();
      return;
    }
    const written: Entry[] = [];
    if (f.keys !== undefined) {
      for (const key of f.keys) {
        const e = this.#due(key, f.generation);
        if (e !== undefined) written.push(e);
      }
    } else {
      // One pass, no sorted list: the entries the file held, and clean ones of older generations go.
      for (const [key, e] of this.#entries) {
        if (e.state === PENDING) {
          if (e.generation <= f.generation) written.push(e);
        } else if (e.generation < f.generation) this.#entries.delete(key);
      }
    }
    this.#markWritten(written);
    this.#endFlush(f);
  }

  /** The visitor's entry if its image is pending and belongs to a generation up to `upTo`. */
  #due(visitorId: string, upTo: number): Entry | undefined {
    const e = this.#entries.get(visitorId);
    return e !== undefined && e.state === PENDING && e.generation <= upTo ? e : undefined;
  }

  /** These entries' images are in the table now. */
  #markWritten(written: readonly Entry[]): void {
    for (const e of written) {
      e.state = CLEAN;
      e.chunk = undefined; // the journal chunk can go once no pending entry points into it
    }
    this.#pendingCount -= written.length;
  }

  /** The flush is complete: its generations' journal files go. */
  #endFlush(f: Flushing): void {
    this.#flushing = undefined;
    for (const g of journalGenerations(this.#dir)) if (g <= f.generation) removeGeneration(this.#dir, g);
  }

  #flushStep(): void {
    try {
      if (!this.#finishFlush(CHUNK, performance.now() + SLICE_MS)) setImmediate(() => this.#flushStep());
    } catch (err) {
      this.#onError(err); // retried from where it stopped at the next interval
      setTimeout(() => this.#flushStep(), 1000).unref();
    }
  }

  /**
   * Writes up to `rows` more rows of the flush in progress, stopping early once `performance.now()`
   * reaches `until`; true once the flush is complete.
   */
  #finishFlush(rows: number, until = Infinity): boolean {
    const f = this.#flushing;
    if (f === undefined) return true;
    const keys = this.#keysOf(f);
    const end = Math.min(keys.length, f.next + rows);
    const { written, next } = this.#writeRows.immediate(keys, f.next, end, f.generation, until) as {
      written: Entry[];
      next: number;
    };
    this.#markWritten(written);
    f.next = next;
    if (next < keys.length) return false;
    this.#endFlush(f);
    return true;
  }
}

/**
 * For a store that does not write behind (cluster workers, or write-behind off): applies a journal
 * left by an earlier process that did, so no acknowledged write is missing from the table. Skipped
 * while another live process owns the journal.
 */
export function recoverProfileJournal(db: Database.Database, sql: RowWriters, dir: string): void {
  if (journalGenerations(dir).length === 0 || !acquire(dir)) return;
  try {
    replay(db, sql, dir);
  } finally {
    release(dir);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Applies the journal files left in `dir` to the table (one transaction, oldest generation first,
 * a damaged tail ignored), deletes them, and returns the last generation number (0: none).
 */
function replay(db: Database.Database, sql: RowWriters, dir: string): number {
  const generations = journalGenerations(dir);
  if (generations.length === 0) return 0;
  db.transaction(() => {
    for (const g of generations)
      for (const r of readGeneration(dir, g)) {
        if (r.kind === RecordKind.Delete) sql.remove.run(r.visitorId);
        else sql.upsert.run(r.visitorId, r.data, r.seen, r.rev);
      }
  }).immediate();
  for (const g of generations) removeGeneration(dir, g);
  return generations[generations.length - 1] ?? 0;
}

/** Takes ownership of `dir`'s journal: creates `owner` with this pid, replacing one of a dead process. */
function acquire(dir: string): boolean {
  if (ownedHere.has(dir)) return false;
  const file = join(dir, 'owner');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, ownerTag(process.pid));
      } finally {
        closeSync(fd);
      }
      ownedHere.add(dir);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const [pidText = '', started = ''] = readOwner(file).split(' ');
    const pid = Number(pidText);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid, started)) return false;
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return false;
}

function release(dir: string): void {
  ownedHere.delete(dir);
  try {
    unlinkSync(join(dir, 'owner'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function readOwner(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * `pid` and, where `/proc` tells it, the process's start time: a pid reused by an unrelated process
 * after a crash must not pass for the owner (its journal would then never be replayed).
 */
function ownerTag(pid: number): string {
  const started = startTime(pid);
  return started === undefined ? String(pid) : `${pid} ${started}`;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number, started: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return started === '' || startTime(pid) === undefined || startTime(pid) === started;
}
