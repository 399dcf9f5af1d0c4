/**
 * Paired comparison of two builds of the rules module on the rules benchmark's catalog and events
 * (docs/rules.md "Performance"). On this shared machine one run of `rules-bench.js` varies by
 * ±20 % with the other jobs; here both builds run in one process, event by event, alternating
 * which goes first, each with its own profile store, so load and cache pollution hit both alike.
 * Timed as in rules-bench.js (realize-traits + qualify-segments; the profile decoded from its
 * stored form untimed, or with `--cached` kept between a visitor's events as the server's profile
 * cache does). A build from before the profile codec (traits in records, stored as JSON) is driven
 * the way that build's pipeline did it.
 *
 *   node bench/rules/paired-builds.mjs <build dir A> <build dir B> [--cached]
 *
 * A build dir is a `tsc` output directory holding `src/` and `bench/` (e.g. `dist`, or an older
 * commit built with `npx tsc -p tsconfig.json --outDir .tmp/base`).
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dirs = process.argv.slice(2, 4).map((d) => pathToFileURL(path.resolve(d)).href);
const CACHED = process.argv.includes('--cached');
const SEED = 20_240_601;
const START = Date.UTC(2025, 0, 1);
const EVENTS = 22_000;
const VISITORS = 2_000;
const WARMUP = 2_000;
const LIMITS = { maxKeys: 1_000, maxValuesPerKey: 100, maxValueLength: 4_096 };

async function load(dir) {
  const m = {
    ...(await import(`${dir}/src/profiles/profile.js`)),
    ...(await import(`${dir}/src/rules/index.js`)),
    ...(await import(`${dir}/src/signals/event-params.js`)),
    ...(await import(`${dir}/src/signals/parse-event-params.js`)),
    ...(await import(`${dir}/bench/rules/bench-catalog.js`)),
    ...(await import(`${dir}/src/profiles/profile-codec.js`).catch(() => ({}))),
  };
  // Builds with the codec keep traits and segments in Maps; older ones in records, as JSON.
  m.codec = typeof m.decodeProfile === 'function';
  const catalog = m.buildCatalog(SEED);
  const { matcher } = m.TraitMatcher.compile(catalog.traits);
  const { evaluator } = m.SegmentEvaluator.compile(catalog.segments, catalog.folders);
  return {
    m,
    catalog,
    matcher,
    evaluator,
    stored: new Map(),
    live: new Map(),
    total: [],
    match: [],
    qualify: [],
    out: [],
  };
}

function step(x, ev, i) {
  const { m, catalog, matcher, evaluator, stored, live } = x;
  const params = m.emptyEventParams();
  m.parseEventParams(ev.query, LIMITS, params);
  const json = stored.get(ev.visitor);
  const held = live.get(ev.visitor);
  live.delete(ev.visitor);
  const decode = (v) => (m.codec ? m.decodeProfile(v) : JSON.parse(v));
  const profile = held ?? (json === undefined ? m.emptyProfile(ev.at) : decode(json));
  const last = json === undefined ? 0 : profile.seen;
  const t0 = performance.now();
  const traits = matcher.match(params.signals);
  const t1 = performance.now();
  const realize = traits.map((traitId) => ({ traitId, ttlDays: catalog.ttlDays.get(traitId) ?? 120 }));
  const sweptDay = profile.sweptDay;
  const hints = profile.nextExpiry === undefined ? {} : { nextExpiry: profile.nextExpiry };
  profile.sweptDay = m.utcDay(ev.at);
  m.applyDelta(profile, { realize }, ev.at);
  profile.sweptDay = sweptDay;
  const changed = new Set(traits);
  const t2 = performance.now();
  const view = m.codec ? m.mapTraitView(profile.traits, hints) : m.profileTraitView(profile.traits, hints);
  const current = m.codec ? m.mapSegmentSet(profile.segments) : m.profileSegmentSet(profile.segments);
  const q = evaluator.qualify(view, current, changed, last, ev.at);
  const t3 = performance.now();
  m.applyDelta(profile, { segmentsAdd: q.added, segmentsRemove: q.removed }, ev.at);
  stored.set(ev.visitor, m.codec ? Buffer.from(m.encodeProfile(profile)) : JSON.stringify(profile));
  if (CACHED) live.set(ev.visitor, profile);
  if (i >= WARMUP) {
    x.match.push((t1 - t0) * 1000);
    x.qualify.push((t3 - t2) * 1000);
    x.total.push((t3 - t2 + t1 - t0) * 1000);
  }
  x.out.push(JSON.stringify([traits, q.members]));
}

const median = (a, p = 0.5) => [...a].sort((u, v) => u - v)[Math.floor(p * a.length)];

const builds = [await load(dirs[0]), await load(dirs[1])];
const events = builds[0].m.buildEvents(SEED + 1, EVENTS, VISITORS, START).map((e) => {
  const pairs = [];
  for (const [k, vs] of e.signals) for (const v of vs) pairs.push(`${k}=${encodeURIComponent(v)}`);
  return { ...e, query: pairs.join('&') };
});
for (let i = 0; i < events.length; i++) {
  const [first, second] = i % 2 === 0 ? builds : [builds[1], builds[0]];
  step(first, events[i], i);
  step(second, events[i], i);
}
builds.forEach((x, k) =>
  console.log(
    `${process.argv[2 + k]}: median ${median(x.total).toFixed(2)} µs, p99 ${median(x.total, 0.99).toFixed(0)} µs ` +
      `(traits ${median(x.match).toFixed(2)}, segments ${median(x.qualify).toFixed(2)})`,
  ),
);
const same = builds[0].out.every((o, i) => o === builds[1].out[i]);
console.log(
  `same traits and segments on all ${EVENTS} events: ${same}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
