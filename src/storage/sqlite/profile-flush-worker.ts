/**
 * The write-behind flush on a worker thread (`profile-write-behind.ts`): the rows of a closed
 * journal generation are written to the `profiles` table by a connection of the worker's own, so
 * the event loop no longer spends ≈ 15 µs a row under load (each new visitor's row dirties a page
 * of the id index that the commit then writes to the WAL) in 1 ms slices that requests and partner
 * answers queued behind (docs/benchmarks.md, "2026-12-04 (morning)").
 *
 * A job names the closed generation's journal file (`runFiles`): the worker reads it, keeps each
 * visitor's last record, writes them in visitor-id order `rowsPerTransaction` (default 256) at a
 * time, deletes the file once all are in, and answers `{ job, ok }`. The event loop hands over a
 * file name and nothing else: packing the rows itself (`packRows`, still the fallback, for a file
 * the worker cannot read) held it for 3-9 ms every flush under scenario 1's load, its longest
 * stall (docs/benchmarks.md, "2026-12-04 (night)"). Nothing it writes may land after a newer
 * image: before each transaction it checks that its job is still the one allowed (`ctl[JOB]`), and
 * `cancelSync` — called before the main thread writes the table itself (close, purge) — withdraws
 * the job and blocks until the worker is between transactions and has let it go (`ctl[BUSY]` back
 * to 0). The journal file stays until every row of it is in the table, so a crash at any point
 * replays it.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { PendingProfile } from './profile-write-behind.js';

/** ctl[JOB]: the job the worker may write for (0: none); ctl[BUSY]: the job it holds (0: idle). */
const JOB = 0;
const BUSY = 1;
/** How long `cancelSync` waits for the worker's transaction in progress before it gives up on it. */
const CANCEL_WAIT_MS = 30_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync, unlinkSync } = require('node:fs');
const { crc32 } = require('node:zlib');
const Driver = require(workerData.driverPath);
const ctl = workerData.ctl;
const db = new Driver(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
const upsert = db.prepare(workerData.upsertSql);
const remove = db.prepare(workerData.removeSql);
const ROWS = workerData.rowsPerTransaction;
const write = db.transaction((buf, view, at, rows) => {
  for (let r = 0; r < rows && at < buf.length; r++) {
    const kind = buf[at];
    const keyLength = view.getUint16(at + 1, true);
    const key = buf.toString('utf8', at + 3, at + 3 + keyLength);
    at += 3 + keyLength;
    if (kind === 0) {
      remove.run(key);
      continue;
    }
    const seen = view.getFloat64(at, true);
    const rev = view.getFloat64(at + 8, true);
    const length = view.getUint32(at + 16, true);
    at += 20;
    upsert.run(key, buf.subarray(at, at + length), seen, rev);
    at += length;
  }
  return at;
});
// A journal file's records (profile-journal.ts: blocks of u32 length, u32 CRC-32, records; a record
// is u32 body length, u8 kind, f64 rev, f64 seen, u16 id length, id, profile bytes), the last of
// each visitor kept (undefined: deleted). Anything unexpected throws: the job fails, and the main
// thread falls back to packing the rows from its memory.
function readJournal(files) {
  const last = new Map();
  for (const file of files) {
    const buf = readFileSync(file);
    for (let at = 0; at < buf.length; ) {
      const end = buf.length - at < 8 ? Infinity : at + 8 + buf.readUInt32LE(at);
      if (end > buf.length || crc32(buf.subarray(at + 8, end)) !== buf.readUInt32LE(at + 4))
        throw new Error('journal ' + file + ': damaged block at byte ' + at);
      for (let r = at + 8; r < end; ) {
        const body = r + 4;
        const next = body + buf.readUInt32LE(r);
        const kind = buf[body];
        const idEnd = body + 19 + buf.readUInt16LE(body + 17);
        if (next > end || idEnd > next || (kind !== 1 && kind !== 2))
          throw new Error('journal ' + file + ': damaged record at byte ' + r);
        const key = buf.toString('utf8', body + 19, idEnd);
        last.set(key, kind === 2 ? undefined : {
          rev: buf.readDoubleLE(body + 1),
          seen: buf.readDoubleLE(body + 9),
          data: buf.subarray(idEnd, next),
        });
        r = next;
      }
      at = end;
    }
  }
  return last;
}
const writeLatest = db.transaction((keys, last, from, rows) => {
  const to = Math.min(keys.length, from + rows);
  for (let i = from; i < to; i++) {
    const r = last.get(keys[i]);
    if (r === undefined) remove.run(keys[i]);
    else upsert.run(keys[i], r.data, r.seen, r.rev);
  }
  return to;
});
function writeFiles(job, files) {
  const last = readJournal(files);
  // Visitor-id order: consecutive rows share leaf pages, so a transaction dirties as few as it can.
  const keys = [...last.keys()].sort();
  let at = 0;
  while (at < keys.length && Atomics.load(ctl, ${JOB}) === job) at = writeLatest.immediate(keys, last, at, ROWS);
  if (at < keys.length) return false;
  for (const file of files) unlinkSync(file);
  return true;
}
function writePacked(job, bytes) {
  const buf = Buffer.from(bytes);
  const view = new DataView(bytes);
  let at = 0;
  while (at < buf.length) {
    if (Atomics.load(ctl, ${JOB}) !== job) break;
    at = write.immediate(buf, view, at, ROWS);
  }
  return at >= buf.length;
}
parentPort.on('message', (m) => {
  if (m.stop) {
    db.close();
    parentPort.close();
    return;
  }
  const { job } = m;
  try {
    parentPort.postMessage({ job, ok: m.files !== undefined ? writeFiles(job, m.files) : writePacked(job, m.bytes) });
  } catch (err) {
    parentPort.postMessage({ job, ok: false, error: String(err && err.message || err) });
  } finally {
    Atomics.compareExchange(ctl, ${BUSY}, job, 0);
    Atomics.notify(ctl, ${BUSY});
  }
});
`;

export interface FlushWorkerOptions {
  /** The database file. */
  file: string;
  /** The profile store's statements, run by the worker's own connection. */
  upsertSql: string;
  removeSql: string;
  synchronous: 'NORMAL' | 'FULL';
  rowsPerTransaction?: number;
}

/** What the worker answered for a job: written in full, withdrawn (`ok` false) or failed. */
export type JobResult = { ok: true } | { ok: false; error?: Error };

export class FlushWorker {
  readonly #worker: Worker;
  readonly #ctl = new Int32Array(new SharedArrayBuffer(8));
  readonly #waiting = new Map<number, (r: JobResult) => void>();
  #lastJob = 0;
  #alive = true;

  constructor(opts: FlushWorkerOptions) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driverPath,
        ctl: this.#ctl,
        file: opts.file,
        upsertSql: opts.upsertSql,
        removeSql: opts.removeSql,
        synchronous: opts.synchronous,
        rowsPerTransaction: opts.rowsPerTransaction ?? 256,
      },
    });
    this.#worker.unref();
    this.#worker.on('message', (m: { job: number; ok: boolean; error?: string }) => {
      const done = this.#waiting.get(m.job);
      this.#waiting.delete(m.job);
      done?.(
        m.ok
          ? { ok: true }
          : m.error === undefined
            ? { ok: false }
            : { ok: false, error: new Error(m.error) },
      );
    });
    const fail = (error: Error) => {
      this.#alive = false;
      Atomics.store(this.#ctl, BUSY, 0);
      for (const done of this.#waiting.values()) done({ ok: false, error });
      this.#waiting.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => fail(new Error('profile flush worker exited')));
  }

  /** False once the thread has ended or crashed: its jobs then fail at once. */
  get alive(): boolean {
    return this.#alive;
  }

  /**
   * Has the worker write the last record of each visitor in these journal files (in order) and
   * delete the files once all are in; `done` is told how it went.
   */
  runFiles(files: readonly string[], done: (r: JobResult) => void): void {
    this.#start({ files }, [], done);
  }

  /** Hands the packed rows to the worker (the buffer is transferred); `done` is told how it went. */
  run(bytes: ArrayBuffer, done: (r: JobResult) => void): void {
    this.#start({ bytes }, [bytes], done);
  }

  #start(
    payload: { files: readonly string[] } | { bytes: ArrayBuffer },
    transfer: ArrayBuffer[],
    done: (r: JobResult) => void,
  ): void {
    if (!this.#alive) {
      queueMicrotask(() => done({ ok: false, error: new Error('profile flush worker exited') }));
      return;
    }
    const job = ++this.#lastJob;
    this.#waiting.set(job, done);
    // Held before the message leaves, so a `cancelSync` right after waits for it too.
    Atomics.store(this.#ctl, JOB, job);
    Atomics.store(this.#ctl, BUSY, job);
    this.#worker.postMessage({ job, ...payload }, transfer);
  }

  /**
   * Withdraws the job in progress and returns once the worker writes nothing more for it (at most
   * its current transaction, which it finishes). Its `done` is then told `{ ok: false }`.
   */
  cancelSync(): void {
    Atomics.store(this.#ctl, JOB, 0);
    const until = Date.now() + CANCEL_WAIT_MS;
    for (let busy = Atomics.load(this.#ctl, BUSY); busy !== 0; busy = Atomics.load(this.#ctl, BUSY)) {
      const left = until - Date.now();
      // A worker this late is stuck or dead: it has no transaction it could still commit after us.
      if (left <= 0) break;
      Atomics.wait(this.#ctl, BUSY, busy, Math.min(left, 100));
    }
    for (const done of this.#waiting.values()) done({ ok: false });
    this.#waiting.clear();
  }

  /** Cancels any job and lets the worker close its connection and end. */
  stop(): void {
    this.cancelSync();
    this.#worker.postMessage({ stop: true });
  }
}

/** A row as `packRows` takes it: the visitor's pending image (data undefined: deleted), and `seen`. */
export interface PackedRow extends PendingProfile {
  visitorId: string;
  seen: number;
}

/**
 * Packs rows for the worker: per row, kind (0 delete, 1 put), the id's length (u16) and UTF-8
 * bytes, then for a put `seen` and `rev` (f64) and the image's length (u32) and bytes.
 */
export function packRows(rows: readonly PackedRow[]): ArrayBuffer {
  let size = 0;
  for (const r of rows)
    size += 3 + Buffer.byteLength(r.visitorId) + (r.data === undefined ? 0 : 20 + r.data.length);
  const bytes = new ArrayBuffer(size);
  const buf = Buffer.from(bytes);
  const view = new DataView(bytes);
  let at = 0;
  for (const r of rows) {
    buf[at] = r.data === undefined ? 0 : 1;
    const keyLength = buf.write(r.visitorId, at + 3, 'utf8');
    view.setUint16(at + 1, keyLength, true);
    at += 3 + keyLength;
    if (r.data === undefined) continue;
    view.setFloat64(at, r.seen, true);
    view.setFloat64(at + 8, r.rev, true);
    view.setUint32(at + 16, r.data.length, true);
    at += 20;
    buf.set(r.data, at);
    at += r.data.length;
  }
  return bytes;
}
