/**
 * An open-loop load generator: sends requests at a fixed rate whatever the replies do (so a slow
 * reply cannot lower the offered load, unlike closed-loop tools), and records each latency.
 *
 * Every request carries `x-bench-seq: <i>` (ignored by the DCS; the partner probe keys the server
 * side of the exchange on it) and each record keeps the monotonic send and receive times, how late
 * the send was against its schedule, and the reply's `tid` (which keys the DCS's provider calls), so
 * the benchmark can join one event's timeline across processes (bench/partner-probe.ts).
 */
import { Pool, type Dispatcher } from 'undici';

/**
 * CLOCK_MONOTONIC in ms: the same clock as bench/partner-probe.ts in the other processes, read as
 * `performance.now()` plus an offset measured once (no BigInt per reading).
 */
const perfToMono = Number(process.hrtime.bigint()) / 1e6 - performance.now();
export const monoMs = (): number => performance.now() + perfToMono;

export interface RequestRecord {
  seq: number;
  /** Scheduled send time, monotonic ms. */
  due: number;
  /** Actual send and full-reply times, monotonic ms. */
  sent: number;
  done: number;
  status: number;
  /** The reply's transaction id (JSON replies), when `keepTid` is set. */
  tid?: string;
  /** Per provider key, the call time the DCS reported in its `debug` block (`d_debug=1`). */
  debugMs?: Record<string, number>;
}

export interface OpenLoopResult {
  sent: number;
  ok: number;
  failed: number;
  latenciesMs: number[];
  records: RequestRecord[];
}

export async function openLoop(opts: {
  origin: string;
  path: (i: number) => string;
  headers?: (i: number) => Record<string, string>;
  ratePerSec: number;
  seconds: number;
  /** Parse each JSON reply's `tid` (and `debug.partners[*].ms`, if any) into its record. */
  keepTid?: boolean;
  /**
   * The generator's connections, kept open across runs (a warm-up, then the measured window): a
   * fresh pool opens its connections during the window's first second. Default: a pool of its own,
   * closed at the end.
   */
  pool?: Pool;
}): Promise<OpenLoopResult> {
  const pool = opts.pool ?? generatorPool(opts.origin);
  const total = Math.round(opts.ratePerSec * opts.seconds);
  const result: OpenLoopResult = { sent: 0, ok: 0, failed: 0, latenciesMs: [], records: [] };
  const bodies = new BodyLog();
  let open = 0;
  let drained: (() => void) | undefined;
  const finish = (rec: RequestRecord, body: readonly Buffer[] | undefined) => {
    if (body === undefined) result.failed++;
    else {
      result.latenciesMs.push(rec.done - rec.sent);
      result.records.push(rec);
      bodies.add(body);
      if (rec.status === 200) result.ok++;
      else result.failed++;
    }
    if (--open === 0) drained?.();
  };
  const start = monoMs();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / opts.ratePerSec;
    const wait = due - monoMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    result.sent++;
    open++;
    const rec: RequestRecord = { seq: i, due, sent: monoMs(), done: 0, status: 0 };
    // A bare dispatch handler: the generator shares the machine with what it measures, so it
    // spends as little as it can per request (no response stream, reply parsed after the run).
    pool.dispatch(
      { method: 'GET', path: opts.path(i), headers: { ...opts.headers?.(i), 'x-bench-seq': String(i) } },
      replyHandler(rec, finish),
    );
  }
  if (open > 0) await new Promise<void>((r) => (drained = r));
  if (opts.pool === undefined) await pool.close();
  if (opts.keepTid === true) result.records.forEach((rec, i) => readReply(rec, bodies.text(i)));
  return result;
}

/**
 * The run's reply bodies, end to end in one buffer. Kept as strings (one per event until the run
 * ends) they each survived a scavenge and were promoted at the next: the generator's own GC pauses,
 * which delay its sends and its reading of replies, grew with what it kept.
 */
class BodyLog {
  #bytes = Buffer.allocUnsafe(1 << 22);
  #size = 0;
  readonly #ends: number[] = [];

  add(chunks: readonly Buffer[]): void {
    let n = 0;
    for (const c of chunks) n += c.length;
    if (this.#size + n > this.#bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.#size + n));
      this.#bytes.copy(bigger, 0, 0, this.#size);
      this.#bytes = bigger;
    }
    for (const c of chunks) this.#size += c.copy(this.#bytes, this.#size);
    this.#ends.push(this.#size);
  }

  text(i: number): string {
    return this.#bytes.toString('utf8', i === 0 ? 0 : this.#ends[i - 1], this.#ends[i]);
  }
}

/** The generator's connection pool to `origin`. */
export function generatorPool(origin: string): Pool {
  return new Pool(origin, { connections: 256 });
}

function replyHandler(
  rec: RequestRecord,
  finish: (rec: RequestRecord, body: readonly Buffer[] | undefined) => void,
): Dispatcher.DispatchHandler {
  const chunks: Buffer[] = [];
  return {
    onConnect() {},
    onHeaders(status) {
      rec.status = status;
      return true;
    },
    onData(chunk) {
      chunks.push(chunk);
      return true;
    },
    onComplete() {
      rec.done = monoMs();
      finish(rec, chunks);
    },
    onError() {
      finish(rec, undefined);
    },
  };
}

function readReply(rec: RequestRecord, text: string): void {
  try {
    const reply = JSON.parse(text) as {
      tid?: string;
      debug?: { partners?: Record<string, { ms?: number }> };
    };
    if (reply.tid !== undefined) rec.tid = reply.tid;
    const partners = reply.debug?.partners;
    if (partners === undefined) return;
    rec.debugMs = {};
    for (const [key, o] of Object.entries(partners)) if (o.ms !== undefined) rec.debugMs[key] = o.ms;
  } catch {
    // not JSON (an error page): the record keeps its status only
  }
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}
