/**
 * How much of scenario 1's tail lies on the DCS's GC pauses (`partner-bench --gc-join 1`): each
 * event's wire figure joined with the pauses `bench/gc-log.ts` recorded in the DCS, on the epoch
 * clock both carry. An event meets a pause when the pause overlaps its life on the wire (request →
 * reply). The slow events that meet none are grouped into bursts (starts less than `burstGapMs`
 * apart): a burst is a stretch in which the DCS did not run — a wait for a CPU, or a long task.
 */
import { pct } from './partner-timeline.js';

export interface GcPause {
  /** Epoch ms. */
  start: number;
  ms: number;
}

export interface GcJoin {
  pauses: number;
  pauseMs: number;
  events: number;
  /** Events that met a pause, and how many of them are slow. */
  met: number;
  slow: number;
  slowMet: number;
  p99: number;
  /** The p99 of the events that met no pause. */
  p99Unmet: number;
  /** Sizes of the bursts the slow events that met no pause fall into, in time order. */
  bursts: number[];
}

/** Parses the lines `bench/gc-log.ts` wrote. */
export function parseGcLog(text: string): GcPause[] {
  const out: GcPause[] = [];
  for (const line of text.split('\n')) {
    const [start, ms] = line.split(' ').map(Number);
    if (start !== undefined && ms !== undefined && Number.isFinite(start) && Number.isFinite(ms))
      out.push({ start, ms });
  }
  return out;
}

/**
 * `starts[i]` (epoch ms) and `replies[i]` (ms on the wire) place event i; `minus[i]` is its figure.
 * Only pauses within the events' span count.
 */
export function gcJoin(
  starts: readonly number[],
  replies: readonly number[],
  minus: readonly number[],
  pauses: readonly GcPause[],
  slowMs = 3,
  burstGapMs = 30,
): GcJoin {
  const from = Math.min(...starts);
  const to = Math.max(...starts.map((s, i) => s + replies[i]!));
  const inSpan = pauses
    .filter((p) => p.start + p.ms >= from && p.start <= to)
    .sort((a, b) => a.start - b.start);
  const meets = (i: number) => {
    const s = starts[i]!;
    const e = s + replies[i]!;
    return inSpan.some((p) => p.start <= e && p.start + p.ms >= s);
  };
  const unmet: number[] = [];
  const slowUnmet: number[] = [];
  let met = 0;
  let slow = 0;
  let slowMet = 0;
  for (let i = 0; i < starts.length; i++) {
    const isSlow = minus[i]! > slowMs;
    if (isSlow) slow++;
    if (meets(i)) {
      met++;
      if (isSlow) slowMet++;
    } else {
      unmet.push(minus[i]!);
      if (isSlow) slowUnmet.push(starts[i]!);
    }
  }
  slowUnmet.sort((a, b) => a - b);
  const bursts: number[] = [];
  let last = -Infinity;
  for (const s of slowUnmet) {
    if (s - last < burstGapMs && bursts.length > 0) bursts[bursts.length - 1]!++;
    else bursts.push(1);
    last = s;
  }
  return {
    pauses: inSpan.length,
    pauseMs: inSpan.reduce((a, p) => a + p.ms, 0),
    events: starts.length,
    met,
    slow,
    slowMet,
    p99: pct(minus, 99),
    p99Unmet: pct(unmet, 99),
    bursts,
  };
}
