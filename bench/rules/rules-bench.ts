/**
 * Rules benchmark (issue #3): realize-traits + qualify-segments per event for Audex's compiled
 * index, a naive loop and json-rules-engine, over one deterministic catalog and event stream. Run:
 * `npm run bench:rules`. Prints figures only; budgets are checked by reading them (docs/rules.md
 * "Performance") — never asserted in tests.
 *
 * Each event goes through the same steps as the pipeline (parse-signals, load-profile,
 * realize-traits, qualify-segments, write-profile): the signals are parsed from a query string by
 * the pipeline's own parser; the profile is stored in the profile codec's bytes and decoded for the
 * event, as the profile stores do; this event's realisations are merged with the write's sweep
 * deferred; the segment changes are applied and the profile is encoded back. So the engine finds the event's
 * signals and profile fresh in memory and its own structures cold, as it does in the server.
 *
 * Timed per event: `match(signals)` (realize-traits) and what qualify-segments does besides merging
 * — the view over the profile's traits, the `current` set over its segments, `qualify`.
 * Not timed: parsing the signals, and reading, merging and writing the profile (the parse-signals
 * stage's, the profile store's and the profile module's work, the same for every engine).
 *
 * Flags:
 *   `--audex-only`   skip the naive loop and json-rules-engine;
 *   `--cached-profile` the server's profile cache (src/storage/profile-cache.ts): a visitor's next
 *                    event gets the very object the previous one wrote (still encoded and stored)
 *                    instead of decoding the stored bytes; a visitor's first event decodes, as before.
 */
import os from 'node:os';
import { applyDelta, emptyProfile, utcDay, type Profile, type Realize } from '../../src/profiles/profile.js';
import { decodeProfile, encodeProfile } from '../../src/profiles/profile-codec.js';
import { mapSegmentSet, mapTraitView, type TraitView, type TraitViewHints } from '../../src/rules/index.js';
import { emptyEventParams } from '../../src/signals/event-params.js';
import { parseEventParams } from '../../src/signals/parse-event-params.js';
import type { SignalMap } from '../../src/signals/signal-map.js';
import { buildCatalog, buildEvents, type BenchCatalog, type BenchEvent } from './bench-catalog.js';
import { audexImpl, jsonRulesEngineImpl, naiveImpl, type RulesImpl } from './bench-engines.js';

const SEED = 20_240_601;
const START = Date.UTC(2025, 0, 1);
const EVENTS = 22_000;
const VISITORS = 2_000;
/** Hand the object a visitor's event wrote to its next event, as `CachedProfileStore` does. */
const CACHED = process.argv.includes('--cached-profile');

interface RunResult {
  total: number[];
  match: number[];
  qualify: number[];
  outputs: Array<{ traits: number[]; members: number[] }>;
  /** Timed events whose visitor was last evaluated on an earlier UTC day. */
  newDay: number;
  /** Timed events that were the visitor's first (full pass). */
  first: number;
  /** Realisations in the profile at each timed event. */
  profileSizes: number[];
  /** Per timed event: 0 same UTC day as the visitor's last event, 1 a new UTC day, 2 the visitor's first. */
  kinds: number[];
}

/** What qualify-segments reads from the profile: the traits view and the `current` segment set. */
interface ProfileReads {
  view: () => TraitView;
  current: () => ReadonlySet<number>;
}

/** The reads qualify-segments makes: `mapTraitView(profile.traits)` and `mapSegmentSet(profile.segments)`. */
function profileReads(profile: Profile, hints: TraitViewHints): ProfileReads {
  return { view: () => mapTraitView(profile.traits, hints), current: () => mapSegmentSet(profile.segments) };
}

/** An event's signals as the query string a tag would send (parsed per event, as parse-signals does). */
function queryOf(signals: SignalMap): string {
  const pairs: string[] = [];
  for (const [key, values] of signals) for (const v of values) pairs.push(`${key}=${encodeURIComponent(v)}`);
  return pairs.join('&');
}

const LIMITS = { maxKeys: 1_000, maxValuesPerKey: 100, maxValueLength: 4_096 };

/** The signals of a query string, by the pipeline's own parser. */
function parseSignals(query: string): SignalMap {
  const params = emptyEventParams();
  parseEventParams(query, LIMITS, params);
  return params.signals;
}

async function run(
  impl: RulesImpl,
  catalog: BenchCatalog,
  events: ReadonlyArray<BenchEvent & { query: string }>,
  warmup: number,
  limit: number,
): Promise<RunResult> {
  /** The profile store: the codec's bytes per visitor, as the memory and SQLite stores keep them. */
  const stored = new Map<number, Buffer>();
  /** With `--cached-profile`: the object each visitor's last event wrote (handed out once, as the cache does). */
  const live = new Map<number, Profile>();
  const result: RunResult = {
    total: [],
    match: [],
    qualify: [],
    outputs: [],
    newDay: 0,
    first: 0,
    profileSizes: [],
    kinds: [],
  };
  for (let i = 0; i < limit; i++) {
    const { visitor, at, query } = events[i] as BenchEvent & { query: string };
    const signals = parseSignals(query);
    // load-profile
    const bytes = stored.get(visitor);
    const held = live.get(visitor);
    live.delete(visitor);
    const profile = held ?? (bytes === undefined ? emptyProfile(at) : decodeProfile(bytes));
    const last = bytes === undefined ? 0 : profile.seen;

    // realize-traits
    const t0 = performance.now();
    const matched = impl.match(signals);
    const traits = matched instanceof Promise ? await matched : matched;
    const t1 = performance.now();

    // qualify-segments: merge this event's realisations with the write's sweep deferred (the
    // evaluator's contract: it must still see what expired since the last evaluation).
    const realize: Realize[] = traits.map((traitId) => ({
      traitId,
      ttlDays: catalog.ttlDays.get(traitId) ?? 120,
    }));
    const sweptDay = profile.sweptDay;
    // As the stage does: the profile's pending expiry as stored, before this event's realisations.
    const hints: TraitViewHints = profile.nextExpiry === undefined ? {} : { nextExpiry: profile.nextExpiry };
    profile.sweptDay = utcDay(at);
    applyDelta(profile, { realize }, at);
    profile.sweptDay = sweptDay;
    const changed = new Set(traits);
    const reads = profileReads(profile, hints);

    const t2 = performance.now();
    const qualified = impl.qualify(reads.view(), reads.current(), changed, last, at);
    const q = qualified instanceof Promise ? await qualified : qualified;
    const t3 = performance.now();

    // The segment changes, then the daily expiry sweep; write-profile stores the result.
    applyDelta(profile, { segmentsAdd: q.added, segmentsRemove: q.removed }, at);
    stored.set(visitor, Buffer.from(encodeProfile(profile)));
    if (CACHED) live.set(visitor, profile);
    if (i >= warmup) {
      // After the timer: enumerating the profile here would warm it for the evaluator.
      const kind = last === 0 ? 2 : utcDay(last) !== utcDay(at) ? 1 : 0;
      if (kind === 1) result.newDay++;
      if (kind === 2) result.first++;
      result.kinds.push(kind);
      result.profileSizes.push(profile.traits.size);
    }
    result.outputs.push({ traits, members: q.members });
    if (i >= warmup) {
      const m = (t1 - t0) * 1000;
      const s = (t3 - t2) * 1000;
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

/** Median and p99 of the events of each kind (same day, new day, first): where the tail comes from. */
function reportKinds(r: RunResult): void {
  const parts = ['same-day', 'new-day', 'first'].map((label, kind) => {
    const total = r.total.filter((_, i) => r.kinds[i] === kind);
    return `${label} ${fmt(quantile(total, 0.5))} / ${fmt(quantile(total, 0.99))} µs (${total.length})`;
  });
  console.log(`  by event (median / p99): ${parts.join(', ')}`);
}

function agree(a: RunResult, b: RunResult, n: number): boolean {
  for (let i = 0; i < n; i++) {
    if (JSON.stringify(a.outputs[i]) !== JSON.stringify(b.outputs[i])) return false;
  }
  return true;
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function main(): Promise<void> {
  const catalog = buildCatalog(SEED);
  const events = buildEvents(SEED + 1, EVENTS, VISITORS, START).map((e) => ({
    ...e,
    query: queryOf(e.signals),
  }));
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
      `${pct(fast.first, timed)} a visitor's first ever (full pass); realisations per profile: ` +
      `median ${quantile(fast.profileSizes, 0.5)}, p90 ${quantile(fast.profileSizes, 0.9)}`,
  );
  const read = CACHED
    ? "kept in memory between a visitor's events (--cached-profile)"
    : 'decoded from its stored bytes per event';
  console.log(`profile ${read}; load average ${loadAverage()}`);
  if (process.argv.includes('--audex-only')) {
    report(audex.name, fast, ', first 2,000 warm-up');
    reportKinds(fast);
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
  reportKinds(fast);
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
