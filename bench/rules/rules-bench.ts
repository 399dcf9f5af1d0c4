/**
 * Rules benchmark (issue "rules module"): realize-traits + qualify-segments per event for Audex's
 * compiled index, a naive loop and json-rules-engine, over one deterministic catalog and event
 * stream. Run: `npm run bench:rules`. Prints figures only; budgets are checked by reading them
 * (docs/rules.md "Performance") — never asserted in tests.
 *
 * Flags: `--audex-only` skips the naive loop and json-rules-engine; `--map-profile` reads the
 * profile through a Map mirror (`mapTraitView`) instead of the profile's record.
 *
 * Timed per event: `match(signals)` plus `qualify(view, …)`. Not timed: merging this event's
 * realisations into the profile and writing it (the profile module's work, same for every engine).
 */
import {
  applyDelta,
  emptyProfile,
  utcDay,
  type Profile,
  type Realize,
  type TraitRealization,
} from '../../src/profiles/profile.js';
import { mapTraitView, profileTraitView } from '../../src/rules/index.js';
import { buildCatalog, buildEvents, type BenchCatalog, type BenchEvent } from './bench-catalog.js';
import { audexImpl, jsonRulesEngineImpl, naiveImpl, type RulesImpl } from './bench-engines.js';

const SEED = 20_240_601;
const START = Date.UTC(2025, 0, 1);
const EVENTS = 22_000;
const VISITORS = 2_000;
const MAP_PROFILE = process.argv.includes('--map-profile');

interface RunResult {
  total: number[];
  match: number[];
  qualify: number[];
  outputs: Array<{ traits: number[]; members: number[] }>;
  /** Timed events whose visitor was last evaluated on an earlier UTC day. */
  newDay: number;
  /** Timed events that were the visitor's first (full pass). */
  first: number;
}

async function run(
  impl: RulesImpl,
  catalog: BenchCatalog,
  events: readonly BenchEvent[],
  warmup: number,
  limit: number,
): Promise<RunResult> {
  const profiles = new Map<number, Profile>();
  // --map-profile: a Map mirror of each profile's traits, kept in sync in the untimed merge step,
  // standing in for a profile model that stores its traits in a Map (docs/rules.md "Performance").
  const mirrors = new Map<number, Map<number, TraitRealization>>();
  const lastEvaluated = new Map<number, number>();
  const result: RunResult = { total: [], match: [], qualify: [], outputs: [], newDay: 0, first: 0 };
  for (let i = 0; i < limit; i++) {
    const { visitor, at, signals } = events[i] as BenchEvent;
    const profile = profiles.get(visitor) ?? emptyProfile(at);
    profiles.set(visitor, profile);

    const t0 = process.hrtime.bigint();
    const matched = impl.match(signals);
    const traits = matched instanceof Promise ? await matched : matched;
    const t1 = process.hrtime.bigint();

    // This event's realisations merged into the stored profile with the write's expiry sweep
    // deferred (the evaluator's contract: evaluate before the sweep), read through the same view
    // the pipeline uses. Merging is the profile module's work: not timed.
    const realize: Realize[] = traits.map((traitId) => ({
      traitId,
      ttlDays: catalog.ttlDays.get(traitId) ?? 120,
    }));
    const sweptDay = profile.sweptDay;
    profile.sweptDay = utcDay(at);
    applyDelta(profile, { realize }, at);
    profile.sweptDay = sweptDay;
    let mirror = mirrors.get(visitor);
    if (MAP_PROFILE) {
      if (mirror === undefined) mirrors.set(visitor, (mirror = new Map()));
      for (const sid of traits) mirror.set(sid, profile.traits[sid] as TraitRealization);
    }
    const view = mirror === undefined ? profileTraitView(profile.traits) : mapTraitView(mirror);
    const current = new Set(Object.keys(profile.segments).map(Number));
    const changed = new Set(traits);
    const last = lastEvaluated.get(visitor) ?? 0;
    if (i >= warmup && last > 0 && utcDay(last) !== utcDay(at)) result.newDay++;
    if (i >= warmup && last === 0) result.first++;

    const t2 = process.hrtime.bigint();
    const qualified = impl.qualify(view, current, changed, last, at);
    const q = qualified instanceof Promise ? await qualified : qualified;
    const t3 = process.hrtime.bigint();

    // The write: segment changes, then the daily expiry sweep.
    applyDelta(profile, { segmentsAdd: q.added, segmentsRemove: q.removed }, at);
    if (mirror !== undefined && profile.sweptDay !== sweptDay) {
      for (const sid of mirror.keys()) if (profile.traits[sid] === undefined) mirror.delete(sid);
    }
    lastEvaluated.set(visitor, at);
    result.outputs.push({ traits, members: q.members });
    if (i >= warmup) {
      const m = Number(t1 - t0) / 1000;
      const s = Number(t3 - t2) / 1000;
      result.match.push(m);
      result.qualify.push(s);
      result.total.push(m + s);
    }
  }
  return result;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const pct = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)} %`;
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(2));

function report(name: string, r: RunResult, note: string): number {
  const median = quantile(r.total, 0.5);
  console.log(
    `${name.padEnd(34)} median ${fmt(median).padStart(9)} µs  p99 ${fmt(quantile(r.total, 0.99)).padStart(9)} µs` +
      `  (traits median ${fmt(quantile(r.match, 0.5))} µs, segments median ${fmt(quantile(r.qualify, 0.5))} µs; ${r.total.length} events${note})`,
  );
  return median;
}

function agree(a: RunResult, b: RunResult, n: number): boolean {
  for (let i = 0; i < n; i++) {
    if (JSON.stringify(a.outputs[i]) !== JSON.stringify(b.outputs[i])) return false;
  }
  return true;
}

async function main(): Promise<void> {
  const catalog = buildCatalog(SEED);
  const events = buildEvents(SEED + 1, EVENTS, VISITORS, START);
  console.log(
    `catalog: ${catalog.traits.length} traits over 500 keys, ${catalog.folders.size} folder traits, ` +
      `${catalog.segments.length} segments; ${EVENTS} events of 20 signals, ${VISITORS} visitors; node ${process.version}`,
  );
  const audex = audexImpl(catalog);
  console.log(
    `compile (parse + closures + index, 10k traits + 2k segments): ${audex.compileMs.toFixed(1)} ms`,
  );

  const fast = await run(audex, catalog, events, 2_000, EVENTS);
  const timed = fast.total.length;
  console.log(
    `visits: ${pct(fast.newDay, timed)} of timed events are a visitor's first of a new UTC day, ` +
      `${pct(fast.first, timed)} a visitor's first ever (full pass)`,
  );
  if (process.argv.includes('--audex-only')) {
    report(audex.name, fast, ', first 2,000 warm-up');
    return;
  }
  const naive = await run(naiveImpl(catalog), catalog, events, 100, 1_100);
  const jre = await run(jsonRulesEngineImpl(catalog), catalog, events, 5, 55);

  const traitsPerEvent = fast.outputs.reduce((n, o) => n + o.traits.length, 0) / fast.outputs.length;
  const membersPerEvent = fast.outputs.reduce((n, o) => n + o.members.length, 0) / fast.outputs.length;
  console.log(
    `workload: ${traitsPerEvent.toFixed(1)} traits realised per event, ${membersPerEvent.toFixed(1)} segment memberships per visitor`,
  );
  const a = report(audex.name, fast, ', first 2,000 warm-up');
  const n = report('naive loop (interpret every AST)', naive, ', events 100–1,099');
  const j = report('json-rules-engine 7', jre, ', events 5–54 only — a sample, it is slow');
  console.log(
    `speed-up (median): ${(n / a).toFixed(0)}× vs naive loop, ${(j / a).toFixed(0)}× vs json-rules-engine`,
  );
  console.log(
    `same traits and segments as naive (1,100 events): ${agree(fast, naive, 1_100)}; as json-rules-engine (55 events): ${agree(fast, jre, 55)}`,
  );
}

await main();
