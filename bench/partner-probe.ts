/**
 * Measurement probe for the partner benchmark, loaded into every process of a run: the DCS (with
 * `node --import`), the providers' process and the load generator. All timestamps are
 * `process.hrtime` (CLOCK_MONOTONIC, the same clock in every process of the machine), in ms, so
 * one event's timeline can be joined across the three processes.
 *
 * Per process: event-loop delay (how late a 10 ms tick fires: see {@link STALL_TICK_MS}), GC pauses (with their
 * start, to tell which events they hit), CPU time; and per HTTP exchange:
 * - server side (`http.server.request.start` / `http.server.response.finish` diagnostics channels):
 *   arrival as seen by the event loop and the moment the reply was handed to the kernel, keyed by
 *   the `x-bench-seq` header (events) or `x-audex-request-id` (provider calls);
 * - client side (undici's `undici:request:*` channels, the DCS's provider calls): created, headers
 *   written to the socket (the gap is pool queueing), response headers, end of body.
 *
 * In a child process it answers `{ probe: 'reset' }` and `{ probe: 'read' }` on the IPC channel;
 * the load generator imports {@link resetProbe} / {@link readProbe} directly.
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { IncomingMessage } from 'node:http';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pct } from './partner-timeline.js';

const hrMonoMs = (): number => Number(process.hrtime.bigint()) / 1e6;
/** monotonic ms = performance.now() + this (GC entries carry performance-clock start times). */
const perfToMono = hrMonoMs() - performance.now();
/**
 * CLOCK_MONOTONIC in ms, read as `performance.now()` (the same clock, from the process's start)
 * plus the offset measured once: no BigInt allocated per reading, as `hrtime.bigint()` does.
 */
export const monoMs = (): number => performance.now() + perfToMono;

export interface ServerRecord {
  key: string;
  start: number;
  finish: number;
}
export interface ClientRecord {
  requestId: string;
  create: number;
  sent?: number;
  headers?: number;
  end?: number;
  error?: string;
}
export interface LagStats {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}
export interface ProbeStats {
  pid: number;
  wallMs: number;
  cpuMs: number;
  lag: LagStats;
  gc: { count: number; totalMs: number; maxMs: number; byKind: Record<string, [number, number]> };
  /** [start (mono ms), duration ms] of every GC pause. */
  gcPauses: Array<[number, number]>;
  /** [end (mono ms), delay ms] of every event-loop stall over {@link STALL_MS}. */
  stalls: Array<[number, number]>;
  server: ServerRecord[];
  client: ClientRecord[];
}

/** A tick later than this is a stall, kept with its time. */
export const STALL_MS = 5;
/**
 * The probe's one timer. It was a 5 ms tick beside `monitorEventLoopDelay` at 1 ms resolution:
 * ≈ 1,200 wake-ups a second in each of three processes, where the DCS's event loop wakes ≈ 1,300
 * times a second for the load itself; with it on, scenario 1's p99 on the wire
 * (bench/wire-capture.ts) read 2-3 times what it read with the probe off. One 10 ms tick now gives
 * both the delay samples and the stalls (100 wake-ups a second); the exchange hooks still cost, so
 * the probe is off unless asked for (docs/benchmarks.md, 2026-12-04 evening).
 */
const STALL_TICK_MS = 10;

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

/**
 * The exchanges of the measured window, as columns: numbers in a `Float64Array`, keys as latin1
 * bytes in one `Buffer`. An object (and a kept key string) per exchange made every record survive
 * a scavenge and be promoted at the next: the probe itself added to the young-generation pauses
 * it measures (each process keeps one record per event, the DCS four). Typed-array and buffer
 * memory is outside the V8 heap, so what the probe keeps costs the scavenger nothing.
 */
class ExchangeLog {
  readonly #width: number;
  #nums: Float64Array;
  #keys: Buffer;
  #keyEnds: Uint32Array;
  #keyBytes = 0;
  /** Slot number of the first exchange of the window: slots handed out before a reset go nowhere. */
  #first = 0;
  length = 0;

  constructor(fields: number) {
    this.#width = fields;
    this.#nums = new Float64Array(fields * 65_536);
    this.#keys = Buffer.alloc(1 << 21);
    this.#keyEnds = new Uint32Array(65_536);
  }

  /** Opens a record for `key` and returns its slot; its numbers start NaN. */
  add(key: string): number {
    const n = this.length;
    if (n === this.#keyEnds.length) {
      this.#keyEnds = grown(this.#keyEnds, n * 2);
      this.#nums = grown(this.#nums, this.#nums.length * 2);
    }
    if (this.#keyBytes + key.length > this.#keys.length) {
      const keys = Buffer.alloc(Math.max(this.#keys.length * 2, this.#keyBytes + key.length));
      this.#keys.copy(keys, 0, 0, this.#keyBytes);
      this.#keys = keys;
    }
    this.#keyBytes += this.#keys.write(key, this.#keyBytes, 'latin1');
    this.#keyEnds[n] = this.#keyBytes;
    this.#nums.fill(NaN, n * this.#width, (n + 1) * this.#width);
    this.length = n + 1;
    return this.#first + n;
  }

  /** Sets field `f` of the record in `slot`, if that record is still in the window. */
  set(slot: number, f: number, v: number): void {
    const i = slot - this.#first;
    if (i >= 0 && i < this.length) this.#nums[i * this.#width + f] = v;
  }

  /** Field `f` of the `i`-th record of the window (undefined: never set). */
  num(i: number, f: number): number | undefined {
    const v = this.#nums[i * this.#width + f];
    return v === undefined || Number.isNaN(v) ? undefined : v;
  }

  key(i: number): string {
    return this.#keys.toString('latin1', i === 0 ? 0 : this.#keyEnds[i - 1], this.#keyEnds[i]);
  }

  reset(): void {
    this.#first += this.length;
    this.length = 0;
    this.#keyBytes = 0;
  }
}

function grown<T extends Float64Array | Uint32Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

let since = monoMs();
let cpu0 = process.cpuUsage();
let gcPauses: Array<[number, number, string]> = [];
const S_START = 0;
const S_FINISH = 1;
const server = new ExchangeLog(2);
const C_CREATE = 0;
const C_SENT = 1;
const C_HEADERS = 2;
const C_END = 3;
/** 1: ended with an error before its body was read. */
const C_ERROR = 4;
const client = new ExchangeLog(5);
let stalls: Array<[number, number]> = [];
/** How late each tick of the window fired, ms: the event-loop delay, sampled every tick. */
let lateness: number[] = [];
let lastTick = monoMs();
setInterval(() => {
  const now = monoMs();
  const late = Math.max(0, now - lastTick - STALL_TICK_MS);
  lateness.push(late);
  if (late > STALL_MS) stalls.push([now, late]);
  lastTick = now;
}, STALL_TICK_MS).unref();
/**
 * An open exchange's slot, kept on the response or undici request object itself: a WeakMap entry
 * per exchange is an ephemeron every scavenge has to process.
 */
const SLOT = Symbol('probe slot');
type Slotted = { [SLOT]?: number };

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = ((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind ?? 0;
    gcPauses.push([e.startTime + perfToMono, e.duration, GC_KINDS[kind] ?? String(kind)]);
  }
}).observe({ entryTypes: ['gc'] });

subscribe('http.server.request.start', (msg) => {
  const { request, response } = msg as { request: IncomingMessage; response: Slotted };
  const h = request.headers;
  const key = h['x-bench-seq'] ?? h['x-audex-request-id'];
  if (typeof key !== 'string') return;
  const slot = server.add(key);
  server.set(slot, S_START, monoMs());
  response[SLOT] = slot;
});
subscribe('http.server.response.finish', (msg) => {
  const slot = (msg as { response: Slotted }).response[SLOT];
  if (slot !== undefined) server.set(slot, S_FINISH, monoMs());
});

const REQUEST_ID = 'x-audex-request-id';
type UndiciRequest = Slotted & { headers: unknown };
function requestIdOf(req: UndiciRequest): string | undefined {
  const h = req.headers;
  if (!Array.isArray(h)) return undefined;
  for (let i = 0; i < h.length; i += 2) {
    const name = String(h[i]);
    // Lower-cased (a new string) only when the length matches: not once per header per call.
    if (name.length === REQUEST_ID.length && name.toLowerCase() === REQUEST_ID) return String(h[i + 1]);
  }
  return undefined;
}
subscribe('undici:request:create', (msg) => {
  const { request } = msg as { request: UndiciRequest };
  const requestId = requestIdOf(request);
  if (requestId === undefined) return;
  const slot = client.add(requestId);
  client.set(slot, C_CREATE, monoMs());
  request[SLOT] = slot;
});
const clientMark = (field: number) => (msg: unknown) => {
  const slot = (msg as { request: Slotted }).request[SLOT];
  if (slot !== undefined) client.set(slot, field, monoMs());
};
subscribe('undici:client:sendHeaders', clientMark(C_SENT));
subscribe('undici:request:headers', clientMark(C_HEADERS));
subscribe('undici:request:trailers', clientMark(C_END));
subscribe('undici:request:error', (msg) => {
  const slot = (msg as { request: Slotted }).request[SLOT];
  if (slot !== undefined) client.set(slot, C_ERROR, 1);
});

/** The window's exchanges as records (read once, after the window). */
function serverRecords(): ServerRecord[] {
  const out: ServerRecord[] = [];
  for (let i = 0; i < server.length; i++) {
    const start = server.num(i, S_START);
    const finish = server.num(i, S_FINISH);
    if (start !== undefined && finish !== undefined) out.push({ key: server.key(i), start, finish });
  }
  return out;
}
function clientRecords(): ClientRecord[] {
  const out: ClientRecord[] = [];
  for (let i = 0; i < client.length; i++) {
    const rec: ClientRecord = { requestId: client.key(i), create: client.num(i, C_CREATE) ?? NaN };
    const sent = client.num(i, C_SENT);
    const headers = client.num(i, C_HEADERS);
    const end = client.num(i, C_END);
    if (sent !== undefined) rec.sent = sent;
    if (headers !== undefined) rec.headers = headers;
    if (end !== undefined) rec.end = end;
    else if (client.num(i, C_ERROR) !== undefined) rec.error = 'error';
    out.push(rec);
  }
  return out;
}

export function resetProbe(): void {
  lateness = [];
  since = monoMs();
  cpu0 = process.cpuUsage();
  gcPauses = [];
  server.reset();
  client.reset();
  stalls = [];
}

export function readProbe(): ProbeStats {
  const cpu = process.cpuUsage(cpu0);
  const byKind: Record<string, [number, number]> = {};
  let totalMs = 0;
  let maxMs = 0;
  for (const [, d, kind] of gcPauses) {
    const k = (byKind[kind] ??= [0, 0]);
    k[0]++;
    k[1] += d;
    totalMs += d;
    maxMs = Math.max(maxMs, d);
  }
  return {
    pid: process.pid,
    wallMs: monoMs() - since,
    cpuMs: (cpu.user + cpu.system) / 1000,
    lag: {
      p50: pct(lateness, 50),
      p99: pct(lateness, 99),
      max: lateness.reduce((a, b) => Math.max(a, b), 0),
      mean: lateness.reduce((a, b) => a + b, 0) / Math.max(1, lateness.length),
    },
    gc: { count: gcPauses.length, totalMs, maxMs, byKind },
    gcPauses: gcPauses.map(([s, d]) => [s, d]),
    stalls,
    server: serverRecords(),
    client: clientRecords(),
  };
}

/** A CPU profile of the measured window only (`reset` with `profile: <file>` starts it, `read` writes it). */
let profiling: { session: Session; file: string } | undefined;
function startProfile(file: string): void {
  const session = new Session();
  session.connect();
  if (file.endsWith('.heapprofile')) {
    // Allocation sites of everything allocated in the window (collected or not): the GC's workload;
    // with `.live.heapprofile`, of what is still alive when the window ends (what GC keeps copying).
    const all = !file.endsWith('.live.heapprofile');
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: all,
      includeObjectsCollectedByMinorGC: all,
    });
  } else {
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 250 }, () => session.post('Profiler.start')),
    );
  }
  profiling = { session, file };
}
function stopProfile(): Promise<void> {
  const p = profiling;
  profiling = undefined;
  if (p === undefined) return Promise.resolve();
  const heap = p.file.endsWith('.heapprofile');
  return new Promise((resolve) =>
    p.session.post(heap ? 'HeapProfiler.stopSampling' : 'Profiler.stop', (err, res) => {
      if (err === null) writeFileSync(p.file, JSON.stringify((res as { profile: unknown }).profile));
      p.session.disconnect();
      resolve();
    }),
  );
}

if (process.send !== undefined) {
  process.on('message', (msg: { probe?: string; profile?: string }) => {
    if (msg?.probe === 'reset') {
      if (msg.profile !== undefined) startProfile(msg.profile);
      resetProbe();
      process.send?.({ probe: 'ok' });
    } else if (msg?.probe === 'read') {
      const stats = readProbe();
      void stopProfile().then(() => process.send?.({ probe: 'stats', stats }));
    }
  });
  // The probe must not keep a process alive on its own.
  process.channel?.unref();
}
