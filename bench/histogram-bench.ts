/**
 * `node dist/bench/histogram-bench.js` — one latency observation through a bound label child:
 * prom-client's `Histogram` against Audex's `BucketHistogram` (src/observability), same buckets
 * (the partner latency histogram's), same values, alternating rounds in one process. The DCS makes
 * about five such observations per event with three partners.
 *
 * Flags: --calls 1000000 (per round), --rounds 5
 */
import { Histogram, Registry } from 'prom-client';
import { BucketHistogram, type Observer } from '../src/observability/bucket-histogram.js';
import { flags } from './load.js';

const args = flags();
const calls = Number(args.get('calls') ?? 1_000_000);
const rounds = Number(args.get('rounds') ?? 5);
const buckets = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28];
const registers = [new Registry()];
const contenders: Array<[string, Observer]> = [
  [
    'prom-client Histogram',
    new Histogram({ name: 'a', help: 'h', labelNames: ['partner'], buckets, registers }).labels('p1'),
  ],
  [
    'BucketHistogram',
    new BucketHistogram({ name: 'b', help: 'h', labelNames: ['partner'], buckets, registers }).labels('p1'),
  ],
];

/** ns per observation over `n` calls (values 18–33 ms, as partners answer in the benchmark). */
function round(h: Observer, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) h.observe(0.018 + (i & 15) * 0.001);
  return Number(process.hrtime.bigint() - t0) / n;
}

for (const [, h] of contenders) round(h, calls / 5); // JIT warm-up
const ns = contenders.map((): number[] => []);
for (let r = 0; r < rounds; r++) contenders.forEach(([, h], i) => ns[i]!.push(round(h, calls)));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `histogram observe through a label child, ${rounds} alternating rounds of ${calls} calls, node ${process.version}`,
);
contenders.forEach(([name], i) =>
  console.log(
    `  ${name.padEnd(24)} median ${median(ns[i]!).toFixed(1)} ns  (rounds: ${ns[i]!.map((x) => x.toFixed(1)).join(' ')})`,
  ),
);
