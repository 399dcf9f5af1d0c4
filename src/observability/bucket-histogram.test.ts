import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';

const BUCKETS = [0.0001, 0.001, 0.01, 0.1, 1];
const value = fc.oneof(
  fc.double({ min: -1, max: 5, noNaN: true }),
  fc.constantFrom(0, -0, ...BUCKETS, 0.00999999, 0.0100001, 1e-9, 1e6),
);

/** The same observations into prom-client's Histogram and into ours, each in its own registry. */
function both(labelled: boolean) {
  const theirs = new Registry();
  const ours = new Registry();
  const config = {
    name: 'audex_test_seconds',
    help: 'a "test" histogram\\with escapes',
    buckets: BUCKETS,
    ...(labelled ? { labelNames: ['partner'] as const } : {}),
  };
  const reference = new Histogram({
    ...config,
    labelNames: labelled ? ['partner'] : [],
    registers: [theirs],
  });
  const mine = new BucketHistogram<'partner'>({ ...config, registers: [ours] });
  return { theirs, ours, reference, mine };
}

describe('BucketHistogram', () => {
  it('exports what prom-client exports for the same observations (unlabelled)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(value, { maxLength: 60 }), async (values) => {
        const { theirs, ours, reference, mine } = both(false);
        for (const v of values) {
          reference.observe(v);
          mine.observe(v);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
        expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
      }),
    );
  });

  it('exports what prom-client exports per label set, in first-observation order', async () => {
    const partner = fc.constantFrom('p1', 'p2', 'odd "name"\n', 'ü');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(partner, value), { maxLength: 60 }), async (obs) => {
        const { theirs, ours, reference, mine } = both(true);
        for (const [p, v] of obs) {
          reference.labels(p).observe(v);
          mine.labels(p).observe(v);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
        expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
      }),
    );
  });

  it('a bound child counts into the same series as a new lookup, and an unobserved child exports nothing', async () => {
    const { ours } = both(true);
    const h = ours.getSingleMetric('audex_test_seconds') as unknown as BucketHistogram<'partner'>;
    const a = h.labels('p1');
    h.labels('never');
    a.observe(0.005);
    h.labels('p1').observe(0.5);
    const text = await ours.metrics();
    expect(text).toContain('audex_test_seconds_bucket{le="0.01",partner="p1"} 1');
    expect(text).toContain('audex_test_seconds_bucket{le="1",partner="p1"} 2');
    expect(text).toContain('audex_test_seconds_count{partner="p1"} 2');
    expect(text).not.toContain('never');
  });

  it('drops values that are not finite numbers instead of throwing', async () => {
    const { ours, mine } = both(false);
    mine.observe(Number.NaN);
    mine.observe(Number.POSITIVE_INFINITY);
    mine.observe(0.5);
    const text = await ours.metrics();
    expect(text).toContain('audex_test_seconds_count 1');
    expect(text).toContain('audex_test_seconds_sum 0.5');
  });

  it('reset empties every series; labelled series leave the export until observed again', async () => {
    const { ours, mine } = both(true);
    mine.labels('p1').observe(0.5);
    mine.reset();
    expect(await ours.metrics()).not.toContain('partner="p1"');
    mine.labels('p1').observe(0.05);
    expect(await ours.metrics()).toContain('audex_test_seconds_count{partner="p1"} 1');
  });

  it('refuses bad configuration and wrong label counts', () => {
    const registers = [new Registry()];
    expect(() => new BucketHistogram({ name: 'a', help: 'h', buckets: [1, 1], registers })).toThrow(
      /increasing/,
    );
    expect(() => new BucketHistogram({ name: 'b', help: 'h', buckets: [1, Infinity], registers })).toThrow(
      /finite/,
    );
    expect(
      () => new BucketHistogram({ name: 'c', help: 'h', buckets: [1], labelNames: ['le'], registers }),
    ).toThrow(/reserved/);
    const h = new BucketHistogram<'x'>({ name: 'd', help: 'h', buckets: [1], labelNames: ['x'], registers });
    expect(() => h.labels()).toThrow(/1 label values/);
    expect(() => h.observe(1)).toThrow(/labels/);
  });
});
