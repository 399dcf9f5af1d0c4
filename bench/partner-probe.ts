/**
 * Measurement probe for the partner benchmark, loaded into every process of a run: the DCS (with
 * `node --import`), the providers' process and the load generator. All timestamps are
 * `process.hrtime` (CLOCK_MONOTONIC, the same clock in every process of the machine), in ms, so
 * one event's timeline can be joined across the three processes.
 *
 * Per process: event-loop delay (`monitorEventLoopDelay`, 1 ms resolution, reported as the delay
 * beyond the 1 ms tick — prom-client reports the raw interval, 10 ms tick included), GC pauses (with their
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
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';

export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;
/** monotonic ms = performance.now() + this (GC entries carry performance-clock start times). */
const perfToMono = monoMs() - performance.now();

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

/** A 5 ms tick that should fire on time; a tick later than this is a stall, kept with its time. */
export const STALL_MS = 5;
const STALL_TICK_MS = 5;

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

const lag = monitorEventLoopDelay({ resolution: 1 });
lag.enable();
let since = monoMs();
let cpu0 = process.cpuUsage();
let gcPauses: Array<[number, number, string]> = [];
let server: ServerRecord[] = [];
let client: ClientRecord[] = [];
let stalls: Array<[number, number]> = [];
let lastTick = monoMs();
setInterval(() => {
  const now = monoMs();
  const late = now - lastTick - STALL_TICK_MS;
  if (late > STALL_MS) stalls.push([now, late]);
  lastTick = now;
}, STALL_TICK_MS).unref();
const serverOpen = new WeakMap<object, { key: string; start: number }>();
const clientOpen = new WeakMap<object, ClientRecord>();

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = ((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind ?? 0;
    gcPauses.push([e.startTime + perfToMono, e.duration, GC_KINDS[kind] ?? String(kind)]);
  }
}).observe({ entryTypes: ['gc'] });

subscribe('http.server.request.start', (msg) => {
  const { request, response } = msg as { request: IncomingMessage; response: object };
  const h = request.headers;
  const key = h['x-bench-seq'] ?? h['x-audex-request-id'];
  if (typeof key === 'string') serverOpen.set(response, { key, start: monoMs() });
});
subscribe('http.server.response.finish', (msg) => {
  const { response } = msg as { response: object };
  const open = serverOpen.get(response);
  if (open !== undefined) server.push({ ...open, finish: monoMs() });
});

type UndiciRequest = { headers: unknown };
function requestIdOf(req: UndiciRequest): string | undefined {
  const h = req.headers;
  if (!Array.isArray(h)) return undefined;
  for (let i = 0; i < h.length; i += 2)
    if (String(h[i]).toLowerCase() === 'x-audex-request-id') return String(h[i + 1]);
  return undefined;
}
subscribe('undici:request:create', (msg) => {
  const { request } = msg as { request: UndiciRequest };
  const requestId = requestIdOf(request);
  if (requestId === undefined) return;
  const rec: ClientRecord = { requestId, create: monoMs() };
  clientOpen.set(request, rec);
  client.push(rec);
});
subscribe('undici:client:sendHeaders', (msg) => {
  const rec = clientOpen.get((msg as { request: object }).request);
  if (rec !== undefined) rec.sent = monoMs();
});
subscribe('undici:request:headers', (msg) => {
  const rec = clientOpen.get((msg as { request: object }).request);
  if (rec !== undefined) rec.headers = monoMs();
});
subscribe('undici:request:trailers', (msg) => {
  const rec = clientOpen.get((msg as { request: object }).request);
  if (rec !== undefined) rec.end = monoMs();
});
subscribe('undici:request:error', (msg) => {
  const { request, error } = msg as { request: object; error: Error };
  const rec = clientOpen.get(request);
  if (rec !== undefined && rec.end === undefined) rec.error = error.name;
});

export function resetProbe(): void {
  lag.reset();
  since = monoMs();
  cpu0 = process.cpuUsage();
  gcPauses = [];
  server = [];
  client = [];
  stalls = [];
}

export function readProbe(): ProbeStats {
  const cpu = process.cpuUsage(cpu0);
  // The histogram holds the interval between 1 ms ticks: the delay is what exceeds the tick.
  const ns = (v: number) => Math.max(0, v / 1e6 - 1);
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
      p50: ns(lag.percentile(50)),
      p99: ns(lag.percentile(99)),
      max: ns(lag.max),
      mean: ns(lag.mean),
    },
    gc: { count: gcPauses.length, totalMs, maxMs, byKind },
    gcPauses: gcPauses.map(([s, d]) => [s, d]),
    stalls,
    server,
    client,
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
