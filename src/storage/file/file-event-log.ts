/**
 * NDJSON `EventLog`: one JSON record per line in files named by UTC day and sequence
 * (`events-2026-11-29-0001.ndjson`), rotated when the record's day changes or a file would pass
 * `maxBytes`.
 *
 * `append` only buffers; a short timer (or `flush`/`close`) writes the buffer with one write call.
 * Each log claims a fresh sequence number with an exclusive create, so worker processes sharing
 * the directory, and restarts, never append to another writer's file.
 */
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventLog, EventRecord } from '../ports.js';
import { withoutPrivateSignals } from './event-record-sanitize.js';

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
  let buffer: Array<{ day: string; line: string }> = [];
  let timer: NodeJS.Timeout | undefined;
  let current: OpenFile | undefined;
  let closed = false;
  /** Writes run one after another; each flush chains onto the previous one. */
  let chain: Promise<void> = Promise.resolve();

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

  async function write(lines: Array<{ day: string; line: string }>): Promise<void> {
    let pending: string[] = [];
    let target = current;
    const drain = async (): Promise<void> => {
      if (pending.length === 0 || target === undefined) return;
      const chunk = pending.join('');
      await target.handle.write(chunk);
      pending = [];
    };
    for (const { day, line } of lines) {
      const size = Buffer.byteLength(line);
      // A single record larger than maxBytes still gets written, alone in its own file.
      if (
        target === undefined ||
        target.day !== day ||
        (target.bytes > 0 && target.bytes + size > maxBytes)
      ) {
        await drain();
        target = await rotateTo(day);
      }
      pending.push(line);
      target.bytes += size;
    }
    await drain();
  }

  function flushNow(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const lines = buffer;
    buffer = [];
    const run = chain.then(() => (lines.length > 0 ? write(lines) : undefined));
    // Keep the chain alive after a failure so later flushes still run; the caller sees the error.
    chain = run.catch((err: unknown) => opts.onError?.(err));
    return run;
  }

  return {
    append(record: EventRecord): void {
      if (closed) return;
      const clean = withoutPrivateSignals(record);
      buffer.push({ day: utcDayName(clean.ts), line: JSON.stringify(clean) + '\n' });
      if (buffer.length >= MAX_BUFFERED_LINES) void flushNow().catch(() => undefined);
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
