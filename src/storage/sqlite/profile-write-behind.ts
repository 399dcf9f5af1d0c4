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
 * written in chunks of `CHUNK` rows, one transaction per event-loop turn; once all are in, the old
 * generations' files are deleted. Only one store may own a data directory's journal: ownership is
 * an `owner` file holding the pid, created exclusively; a store that cannot own it (another live
 * process, or a second store in this one) writes directly to the table, as before.
 */
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import {
  encodeRecord,
  journalGenerations,
  JournalWriter,
  readGeneration,
  RecordKind,
  removeGeneration,
} from './profile-journal.js';

/** Rows written to the table per transaction (one per event-loop turn) while flushing. */
const CHUNK = 512;
/** Pending profiles that start a flush before the interval is up (bounds the memory they hold). */
const MAX_PENDING = 100_000;

/** A profile written since its last flush: its image (undefined: deleted), revision and journal generation. */
export interface PendingProfile {
  data: Buffer | undefined;
  rev: number;
  seen: number;
  generation: number;
}

export interface WriteBehindOptions {
  /** The journal directory (inside the data directory). */
  dir: string;
  /** How often the pending profiles are written to the table, ms. */
  flushMs: number;
  /** Told when a flush fails; it is retried at the next interval (the journal still holds everything). */
  onError?: (err: unknown) => void;
  /** fsync each group commit's records (`synchronous=FULL`: durable through power loss, like the database). */
  fsync?: boolean;
}

/** Directories whose journal a store of this process owns. */
const ownedHere = new Set<string>();

export class ProfileWriteBehind {
  readonly #dir: string;
  readonly #onError: (err: unknown) => void;
  readonly #sql;
  readonly #writeRows;
  readonly #pending = new Map<string, PendingProfile>();
  #writer: JournalWriter;
  readonly #fsync: boolean;
  #flushing: { generation: number; keys: string[]; next: number } | undefined;
  readonly #timer: NodeJS.Timeout;
  /** Undo log of the group commit being built: the entries it replaced. */
  #undo: Array<[string, PendingProfile | undefined]> = [];

  /**
   * Takes the journal of `opts.dir` and replays what a previous owner left; undefined when another
   * store owns it (the caller then writes directly).
   */
  static open(db: Database.Database, opts: WriteBehindOptions): ProfileWriteBehind | undefined {
    mkdirSync(opts.dir, { recursive: true });
    if (!acquire(opts.dir)) return undefined;
    try {
      const last = replay(db, opts.dir);
      return new ProfileWriteBehind(db, opts, last + 1);
    } catch (err) {
      release(opts.dir);
      throw err;
    }
  }

  private constructor(db: Database.Database, opts: WriteBehindOptions, generation: number) {
    this.#dir = opts.dir;
    this.#onError = opts.onError ?? (() => undefined);
    this.#sql = upserts(db);
    this.#writeRows = db.transaction((keys: readonly string[], from: number, to: number, upTo: number) => {
      const written: string[] = [];
      for (let i = from; i < to; i++) {
        const key = keys[i] as string;
        const p = this.#pending.get(key);
        if (p === undefined || p.generation > upTo) continue;
        if (p.data === undefined) this.#sql.remove.run(key);
        else this.#sql.upsert.run(key, p.data, p.seen, p.rev);
        written.push(key);
      }
      return written;
    });
    this.#fsync = opts.fsync === true;
    this.#writer = new JournalWriter(this.#dir, generation, this.#fsync);
    this.#timer = setInterval(() => this.#rotate(), opts.flushMs);
    this.#timer.unref();
  }

  /** Profiles written and not yet in the table (metrics, tests). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** The visitor's pending write, if any: its image is newer than the table's row. */
  peek(visitorId: string): PendingProfile | undefined {
    return this.#pending.get(visitorId);
  }

  /** Records `data` (copied) as the visitor's profile at `rev`; durable at the next `commit`. */
  put(visitorId: string, rev: number, seen: number, data: Uint8Array): void {
    const rec = encodeRecord(RecordKind.Put, visitorId, rev, seen, data);
    this.#set(visitorId, { data: rec.data, rev, seen, generation: this.#writer.generation }, rec.bytes);
  }

  /** Records the visitor's deletion; durable at the next `commit`. */
  delete(visitorId: string): void {
    const rec = encodeRecord(RecordKind.Delete, visitorId, 0, 0, EMPTY);
    this.#set(
      visitorId,
      { data: undefined, rev: 0, seen: 0, generation: this.#writer.generation },
      rec.bytes,
    );
  }

  #set(visitorId: string, entry: PendingProfile, bytes: Buffer): void {
    this.#undo.push([visitorId, this.#pending.get(visitorId)]);
    this.#pending.set(visitorId, entry);
    this.#writer.append(bytes);
  }

  /**
   * Writes the records of this group commit to the journal (one `writev`). If that fails, the
   * pending map is put back as it was and the error is thrown: none of the batch is acknowledged.
   */
  commit(): void {
    const undo = this.#undo;
    this.#undo = [];
    try {
      this.#writer.commit();
    } catch (err) {
      for (let i = undo.length - 1; i >= 0; i--) {
        const [id, before] = undo[i] as [string, PendingProfile | undefined];
        if (before === undefined) this.#pending.delete(id);
        else this.#pending.set(id, before);
      }
      throw err;
    }
    if (this.#pending.size >= MAX_PENDING) this.#rotate();
  }

  /** Writes every pending profile to the table now and empties the journal (close, purge). */
  flushAll(): void {
    if (this.#flushing !== undefined) this.#finishFlush(Infinity);
    this.#rotate(false);
    if (this.#flushing !== undefined) this.#finishFlush(Infinity);
  }

  /** Flushes everything, deletes the journal and gives up ownership. */
  close(): void {
    clearInterval(this.#timer);
    this.flushAll();
    this.#writer.discard();
    release(this.#dir);
  }

  /** Starts the next generation and flushes the pending profiles, in chunks (or all at once). */
  #rotate(chunked = true): void {
    if (this.#flushing !== undefined) return;
    if (this.#pending.size === 0 && this.#writer.size === 0) return;
    const old = this.#writer;
    this.#writer = new JournalWriter(this.#dir, old.generation + 1, this.#fsync);
    old.close();
    // Visitor-id order: consecutive rows share leaf pages, so a chunk dirties as few as it can.
    const keys = [...this.#pending.keys()].sort();
    this.#flushing = { generation: old.generation, keys, next: 0 };
    if (chunked) this.#flushStep();
  }

  #flushStep(): void {
    try {
      if (!this.#finishFlush(CHUNK)) setImmediate(() => this.#flushStep());
    } catch (err) {
      this.#onError(err); // retried from where it stopped at the next interval
      setTimeout(() => this.#flushStep(), 1000).unref();
    }
  }

  /** Writes up to `rows` more rows of the flush in progress; true once it is complete. */
  #finishFlush(rows: number): boolean {
    const f = this.#flushing;
    if (f === undefined) return true;
    const end = Math.min(f.keys.length, f.next + rows);
    const written = this.#writeRows.immediate(f.keys, f.next, end, f.generation) as string[];
    for (const key of written) this.#pending.delete(key);
    f.next = end;
    if (end < f.keys.length) return false;
    this.#flushing = undefined;
    for (const g of journalGenerations(this.#dir)) if (g <= f.generation) removeGeneration(this.#dir, g);
    return true;
  }
}

/**
 * For a store that does not write behind (cluster workers, or write-behind off): applies a journal
 * left by an earlier process that did, so no acknowledged write is missing from the table. Skipped
 * while another live process owns the journal.
 */
export function recoverProfileJournal(db: Database.Database, dir: string): void {
  if (journalGenerations(dir).length === 0 || !acquire(dir)) return;
  try {
    replay(db, dir);
  } finally {
    release(dir);
  }
}

const EMPTY = new Uint8Array(0);

function upserts(db: Database.Database) {
  return {
    upsert: db.prepare(
      `INSERT INTO profiles (visitor_id, json, seen, rev) VALUES (?, ?, ?, ?)
       ON CONFLICT (visitor_id) DO UPDATE SET json = excluded.json, seen = excluded.seen, rev = excluded.rev`,
    ),
    remove: db.prepare('DELETE FROM profiles WHERE visitor_id = ?'),
  };
}

/**
 * Applies the journal files left in `dir` to the table (one transaction, oldest generation first,
 * a damaged tail ignored), deletes them, and returns the last generation number (0: none).
 */
function replay(db: Database.Database, dir: string): number {
  const generations = journalGenerations(dir);
  if (generations.length === 0) return 0;
  const sql = upserts(db);
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
