/**
 * The simulator's deterministic behaviour: which codes a visitor has, and the seeded random
 * source for latency, errors and faults, so a run (a test, a benchmark, the demo) can be replayed.
 */
import { createHash } from 'node:crypto';

/** The small code catalogue the simulator draws from: `A1..A9`, `B1..B9`. */
export const SIM_CATALOGUE: readonly string[] = ['A', 'B'].flatMap((p) =>
  Array.from({ length: 9 }, (_, i) => `${p}${i + 1}`),
);

/**
 * 1–3 distinct codes from {@link SIM_CATALOGUE}, chosen by a SHA-256 of the user id: the same id
 * always gets the same codes, in the same order, on every run and every machine.
 */
export function simSegmentsFor(userId: string): string[] {
  const digest = createHash('sha256').update(userId).digest();
  const count = 1 + ((digest[0] ?? 0) % 3);
  const picked: string[] = [];
  for (let i = 1; picked.length < count && i < digest.length; i++) {
    const code = SIM_CATALOGUE[(digest[i] ?? 0) % SIM_CATALOGUE.length];
    if (code !== undefined && !picked.includes(code)) picked.push(code);
  }
  return picked;
}

/** A provider uid for a visitor the simulator assigns one to (the implicit ID sync). */
export function simUidFor(visitorId: string): string {
  return `p-${createHash('sha256').update(`uid:${visitorId}`).digest('hex').slice(0, 16)}`;
}

/** mulberry32: tiny, fast, seedable; quality is ample for latency and error draws. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Fixed latency plus a long tail: Lomax (Pareto II, α = 2) with mean `jitterMs`, capped at 100×
 * the mean. Most calls add a little; a few add a lot, which is what deadline code must survive.
 */
export function sampleLatency(latencyMs: number, jitterMs: number, random: () => number): number {
  if (jitterMs <= 0) return latencyMs;
  const u = random();
  const extra = jitterMs * (1 / Math.sqrt(1 - u) - 1);
  return Math.round(latencyMs + Math.min(extra, jitterMs * 100));
}
