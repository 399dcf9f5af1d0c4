/**
 * NDJSON `EventLog`: one JSON record per line in files named by UTC day and sequence
 * (`events-2026-11-29-0001.ndjson`), rotated when the record's day changes or a file would pass
 * `maxBytes`.
 *
 * `append` serialises the record at once into an off-heap buffer (a growing `Buffer` per UTC day,
 * lines back to back) and keeps no object of it; a short timer (or `flush`/`close`) writes the
 * buffer with one write call per file. Records wait up to `flushMs` (200 ms) for that write, long
 * enough for a young-generation GC to find them: kept as strings and objects, every one of them
 * was copied by it; bytes outside the JS heap are not (docs/benchmarks.md, "what survives a
 * scavenge"). A newline byte only ever ends a record (JSON escapes it inside strings, and no
 * UTF-8 sequence contains it), so the buffer splits into records without an index of them.
 *
 * Each log claims a fresh sequence number with an exclusive create, so worker processes sharing
 * the directory, and restarts, never append to another writer's file.
 */
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventLog, EventRecord } from '../ports.js';
import { LineWriter, writeEventLine } from './event-line.js';

export interface FileEventLogOptions {
  /** Directory for the files; created if missing. */
  dir: string;
  /** Rotate before a file would exceed this many bytes. Default 64 MiB. */
  maxBytes?: number;
  /** Delay between an append and the write of the buffer, ms. Default 200. */
  flushMs?: number;
  /** Called when a background write fails (the records of that write are lost). Default: ignore. */
  onError?: (err: unknown) => void;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_FLUSH_MS = 200;
/** Write early when this many lines wait, bounding memory under bursts. */
const MAX_BUFFERED_LINES = 10_000;
/** First size of a day's buffer (≈ 200 ms of records at 500 events/s); it doubles as needed. */
const INITIAL_BUFFER_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** The records of one UTC day waiting for their write: NDJSON lines in `bytes[0, used)`. */
interface Pending {
  day: string;
  bytes: Buffer;
  used: number;
}

interface OpenFile {
  handle: FileHandle;
  day: string;
  bytes: number;
}

let lastDay = -1;
let lastDayName = '';

/** `2026-11-29` for a unix-ms timestamp (memoised: every append of a day asks for the same name). */
function utcDayName(ts: number): string {
  const day = Math.floor(ts / 86_400_000);
  if (day !== lastDay) {
    lastDay = day;
    lastDayName = new Date(day * 86_400_000).toISOString().slice(0, 10);
  }
  return lastDayName;
}

export function createFileEventLog(opts: FileEventLogOptions): EventLog {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const flushMs = opts.flushMs ?? DEFAULT_FLUSH_MS;
  /** Waiting records, oldest first; a new entry only when the day changes. */
  let pending: Pending[] = [];
  let pendingLines = 0;
  let timer: NodeJS.Timeout | undefined;
  let current: OpenFile | undefined;
  let closed = false;
  /** Writes lines into the day's buffer (reused: it holds no bytes of its own between appends). */
  const writer = new LineWriter(Buffer.alloc(0), 0);
  /** Writes run one after another; each flush chains onto the previous one. */
  let chain: Promise<void> = Promise.resolve();

  /** Appends the record's line (newline added) to its day's buffer, growing it as needed. */
  function buffer(record: EventRecord): void {
    const day = utcDayName(record.ts);
    let last = pending[pending.length - 1];
    if (last === undefined || last.day !== day) {
      last = { day, bytes: Buffer.allocUnsafeSlow(INITIAL_BUFFER_BYTES), used: 0 };
      pending.push(last);
    }
    const w = writer;
    w.buf = last.bytes;
    w.pos = last.used;
    writeEventLine(w, record);
    w.ensure(1);
    w.buf[w.pos++] = NEWLINE;
    // Taken back only once the whole line is written: a record that throws half-way leaves nothing.
    last.bytes = w.buf;
    last.used = w.pos;
    pendingLines += 1;
  }

  async function openNext(day: string): Promise<OpenFile> {
    await mkdir(opts.dir, { recursive: true });
    const prefix = `events-${day}-`;
    let seq = 0;
    for (const name of await readdir(opts.dir)) {
      const m = name.startsWith(prefix) ? /^(\d{4,})\.ndjson$/.exec(name.slice(prefix.length)) : null;
      if (m?.[1] !== undefined) seq = Math.max(seq, Number(m[1]));
    }
    for (;;) {
      seq += 1;
      const path = join(opts.dir, `${prefix}${String(seq).padStart(4, '0')}.ndjson`);
      try {
        return { handle: await open(path, 'wx'), day, bytes: 0 };
      } catch (err) {
        // Another process claimed this sequence number between readdir and open: take the next.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  async function rotateTo(day: string): Promise<OpenFile> {
    await current?.handle.close();
    current = undefined;
    current = await openNext(day);
    return current;
  }

  /** Writes `bytes[start, end)` whole (a short write continues where it stopped). */
  async function writeAll(file: OpenFile, bytes: Buffer, start: number, end: number): Promise<void> {
    for (let at = start; at < end;) {
      const { bytesWritten } = await file.handle.write(bytes, at, end - at);
      if (bytesWritten <= 0) throw new Error('event log: write made no progress');
      at += bytesWritten;
    }
    file.bytes += end - start;
  }

  async function write(days: Pending[]): Promise<void> {
    for (const { day, bytes, used } of days) {
      let start = 0;
      while (start < used) {
        const target = current === undefined || current.day !== day ? await rotateTo(day) : current;
        // As many whole lines as fit in the file; a single record larger than maxBytes still gets
        // written, alone in its own file.
        const room = maxBytes - target.bytes;
        let end = used;
        if (end - start > room) {
          end = room > 0 ? bytes.lastIndexOf(NEWLINE, start + room - 1) + 1 : 0;
          if (end <= start) {
            if (target.bytes > 0) {
              await rotateTo(day);
              continue;
            }
            end = bytes.indexOf(NEWLINE, start) + 1;
          }
        }
        await writeAll(target, bytes, start, end);
        start = end;
      }
    }
  }

  function flushNow(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const days = pending;
    pending = [];
    pendingLines = 0;
    const run = chain.then(() => (days.length > 0 ? write(days) : undefined));
    // Keep the chain alive after a failure so later flushes still run; the caller sees the error.
    chain = run.catch((err: unknown) => opts.onError?.(err));
    return run;
  }

  return {
    append(record: EventRecord): void {
      if (closed) return;
      buffer(record); // p_ signals left out
      if (pendingLines >= MAX_BUFFERED_LINES) void flushNow().catch(() => undefined);
      else if (timer === undefined) {
        timer = setTimeout(() => void flushNow().catch(() => undefined), flushMs);
        timer.unref();
      }
    },
    flush: flushNow,
    async close(): Promise<void> {
      if (closed) return chain;
      closed = true;
      try {
        await flushNow();
      } finally {
        await current?.handle.close();
        current = undefined;
      }
    },
  };
}
