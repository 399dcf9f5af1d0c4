/**
 * Joins one event's timeline across the three processes of the partner benchmark (load generator,
 * DCS, providers; all on CLOCK_MONOTONIC, see bench/partner-probe.ts) and decomposes the reply time.
 *
 * For an event whose providers all answered, with "last" the provider call that finished last (the
 * one that released the reply), the segments below add up exactly to the reply time:
 *
 *   inbound  load generator sends → DCS event loop sees the request (network, DCS loop busy)
 *   pre      → last provider call created (fastify, stages up to call-partners)
 *   queue    → its headers written to the socket (undici pool queueing and write)
 *   out      → the provider's event loop sees the request (network, provider loop busy)
 *   service  → the provider hands its answer to the kernel (the 20 ms timer and its overshoot)
 *   back     → the DCS has read the whole answer (network, DCS loop busy)
 *   post     → the DCS hands the reply to the kernel (settle, onboard, qualify, write, respond)
 *   outbound → the load generator has read the reply (network, generator loop busy)
 */
import type { ClientRecord, ProbeStats, ServerRecord } from './partner-probe.js';
import type { RequestRecord } from './open-loop.js';

export const SEGMENTS = ['inbound', 'pre', 'queue', 'out', 'service', 'back', 'post', 'outbound'] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface EventTimeline {
  rtt: number;
  /** How late the load generator sent the request against its schedule. */
  sendLate: number;
  seg: Record<Segment, number>;
  /** The slowest provider call as the DCS saw it (created → body read), and as the provider did. */
  slowestCallDcs: number;
  slowestService: number;
  /** The slowest call's time as the DCS's `d_debug` block reported it, when asked for. */
  slowestCallDebug?: number;
  /** ms of GC pause inside [sent, done], per process. */
  gc: { dcs: number; sims: number; gen: number };
}

export interface Joined {
  /** Events whose reply waited for every provider's answer. */
  complete: EventTimeline[];
  /**
   * Per event, reply time minus the slowest provider's latency, over every event with a timeline
   * (a provider past its deadline counts with the deadline: the reply did not wait longer):
   * as the DCS timed the call, and as the provider timed its answer.
   */
  minusCallDcs: number[];
  /** When each of `minusCallDcs`'s events was sent (generator clock, ms). */
  minusCallDcsSent: number[];
  /** As `minusCallDcs`, from the DCS's own clock: request read → reply written, minus the slowest call. */
  serverMinusCallDcs: number[];
  minusService: number[];
  /** Events answered before a provider did (deadline passed). */
  timedOut: number;
  /** Events with a reply but without a full set of provider timings (timeouts, failures). */
  incomplete: number;
}

function gcInside(pauses: Array<[number, number]>, from: number, to: number): number {
  let ms = 0;
  for (const [start, d] of pauses) {
    const a = Math.max(start, from);
    const b = Math.min(start + d, to);
    if (b > a) ms += b - a;
  }
  return ms;
}

/** Joins scenario 1: every event calls `providers` providers that all answer. */
export function joinTimelines(
  records: readonly RequestRecord[],
  dcs: ProbeStats,
  sims: ProbeStats,
  gen: ProbeStats,
  providers: number,
  deadlineMs: number,
): Joined {
  const server = new Map<string, ServerRecord>(dcs.server.map((r) => [r.key, r]));
  const answers = new Map<string, ServerRecord>(sims.server.map((r) => [r.key, r]));
  const calls = new Map<string, ClientRecord[]>();
  for (const c of dcs.client) {
    const tid = tidOf(c.requestId);
    const list = calls.get(tid) ?? [];
    list.push(c);
    calls.set(tid, list);
  }
  const complete: EventTimeline[] = [];
  const minusCallDcs: number[] = [];
  const minusCallDcsSent: number[] = [];
  const serverMinusCallDcs: number[] = [];
  const minusService: number[] = [];
  let incomplete = 0;
  let timedOut = 0;
  for (const r of records) {
    const s = server.get(String(r.seq));
    const cs = r.tid === undefined ? undefined : calls.get(r.tid);
    if (
      s === undefined ||
      cs === undefined ||
      cs.length !== providers ||
      cs.some((c) => c.end === undefined)
    ) {
      incomplete++;
      continue;
    }
    const last = cs.reduce((a, b) => (b.end! > a.end! ? b : a));
    const sim = answers.get(last.requestId);
    const services = cs.map((c) => answers.get(c.requestId));
    if (sim === undefined || last.sent === undefined || services.some((x) => x === undefined)) {
      incomplete++;
      continue;
    }
    const seg: Record<Segment, number> = {
      inbound: s.start - r.sent,
      pre: last.create - s.start,
      queue: last.sent - last.create,
      out: sim.start - last.sent,
      service: sim.finish - sim.start,
      back: last.end! - sim.finish,
      post: s.finish - last.end!,
      outbound: r.done - s.finish,
    };
    const rtt = r.done - r.sent;
    const slowestCallDcs = Math.max(...cs.map((c) => c.end! - c.create));
    const slowestService = Math.max(...services.map((x) => x!.finish - x!.start));
    minusCallDcs.push(rtt - Math.min(slowestCallDcs, deadlineMs));
    minusCallDcsSent.push(r.sent);
    serverMinusCallDcs.push(s.finish - s.start - Math.min(slowestCallDcs, deadlineMs));
    minusService.push(rtt - Math.min(slowestService, deadlineMs));
    if (last.end! > s.finish) {
      timedOut++;
      continue;
    }
    const debugMs = r.debugMs === undefined ? [] : Object.values(r.debugMs);
    complete.push({
      rtt,
      sendLate: r.sent - r.due,
      seg,
      slowestCallDcs,
      slowestService,
      ...(debugMs.length === providers ? { slowestCallDebug: Math.max(...debugMs) } : {}),
      gc: {
        dcs: gcInside(dcs.gcPauses, r.sent, r.done),
        sims: gcInside(sims.gcPauses, r.sent, r.done),
        gen: gcInside(gen.gcPauses, r.sent, r.done),
      },
    });
  }
  return { complete, minusCallDcs, minusCallDcsSent, serverMinusCallDcs, minusService, timedOut, incomplete };
}

/** The event's transaction id in a provider call's request id (`<tid>.<n>`, `x-audex-request-id`). */
export const tidOf = (requestId: string): string => requestId.slice(0, requestId.lastIndexOf('.'));

export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const f = (ms: number) => (Number.isNaN(ms) ? '   -  ' : ms.toFixed(2).padStart(6));

/** Where the reply time goes: each segment's p50/p99, and its mean in the median band and in the tail. */
export function decompositionTable(tl: readonly EventTimeline[]): string {
  const rtts = tl.map((t) => t.rtt);
  const p45 = pct(rtts, 45);
  const p55 = pct(rtts, 55);
  const p99 = pct(rtts, 99);
  const median = tl.filter((t) => t.rtt >= p45 && t.rtt <= p55);
  const tail = tl.filter((t) => t.rtt >= p99);
  const rows: Array<[string, (t: EventTimeline) => number]> = [
    ...SEGMENTS.map((s): [string, (t: EventTimeline) => number] => [s, (t) => t.seg[s]]),
    ['= reply time', (t) => t.rtt],
    ['send late', (t) => t.sendLate],
    ['GC in DCS', (t) => t.gc.dcs],
    ['GC in sims', (t) => t.gc.sims],
    ['GC in gen', (t) => t.gc.gen],
  ];
  const lines = [
    `   segment       p50     p99   | mean, median band (p45-p55, n=${median.length})  mean, tail (>= p99, n=${tail.length})`,
  ];
  for (const [name, get] of rows) {
    const all = tl.map(get);
    lines.push(
      `   ${name.padEnd(12)} ${f(pct(all, 50))}  ${f(pct(all, 99))}  | ${f(mean(median.map(get)))}${' '.repeat(38)}${f(mean(tail.map(get)))}`,
    );
  }
  return lines.join('\n');
}

/** One line per process: CPU share, event-loop delay (a 10 ms tick), GC pauses. */
export function processLine(name: string, s: ProbeStats): string {
  const kinds = Object.entries(s.gc.byKind)
    .map(([k, [n, ms]]) => `${k} ${n}/${ms.toFixed(0)} ms`)
    .join(', ');
  return (
    `   ${name.padEnd(5)} CPU ${((s.cpuMs / s.wallMs) * 100).toFixed(0).padStart(3)} % of a core; ` +
    `loop delay p50 ${s.lag.p50.toFixed(1)} p99 ${s.lag.p99.toFixed(1)} max ${s.lag.max.toFixed(1)} ms; ` +
    `GC ${s.gc.count} pauses, ${s.gc.totalMs.toFixed(0)} ms total, max ${s.gc.maxMs.toFixed(1)} ms (${kinds})`
  );
}

/**
 * Event-loop stalls (> 5 ms) per process, and what explains them: a GC pause in the same process,
 * or a stall of another process at the same moment (the machine, not the process: CPU contention
 * or the VM).
 */
export function stallLines(procs: Record<string, ProbeStats>): string[] {
  const overlaps = (a0: number, a1: number, b0: number, b1: number) => a0 < b1 && b0 < a1;
  const lines: string[] = [];
  for (const [name, s] of Object.entries(procs)) {
    let gc = 0;
    let shared = 0;
    let total = 0;
    let max = 0;
    for (const [end, delay] of s.stalls) {
      const start = end - delay;
      total += delay;
      max = Math.max(max, delay);
      if (s.gcPauses.some(([g, d]) => overlaps(start, end, g, g + d))) gc++;
      const others = Object.entries(procs).filter(([n]) => n !== name);
      if (others.some(([, o]) => o.stalls.some(([e2, d2]) => overlaps(start, end, e2 - d2, e2)))) shared++;
    }
    lines.push(
      `   ${name.padEnd(5)} ${s.stalls.length} stalls > 5 ms (${total.toFixed(0)} ms, max ${max.toFixed(1)} ms): ${gc} with a GC pause, ${shared} at the same time as another process's stall`,
    );
  }
  return lines;
}
