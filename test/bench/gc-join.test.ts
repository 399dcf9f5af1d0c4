import { describe, expect, it } from 'vitest';
import { gcJoin, parseGcLog } from '../../bench/gc-join.js';

describe('gc-join (partner-bench --gc-join)', () => {
  it('parses the log the preload writes, skipping what is not a pause', () => {
    expect(parseGcLog('1000.500 2.250\n\n1500.000 1.000\ngarbage\n')).toEqual([
      { start: 1000.5, ms: 2.25 },
      { start: 1500, ms: 1 },
    ]);
  });

  it('counts the slow events a pause overlapped, and groups the rest into bursts', () => {
    // Events every 2 ms from t = 0, each 21 ms on the wire; figure 0.5 ms but for the slow ones.
    const starts = Array.from({ length: 500 }, (_, i) => i * 2);
    const replies = starts.map(() => 21);
    const minus = starts.map(() => 0.5);
    for (const i of [100, 101, 102]) minus[i] = 4; // t 200-204: under the pause at 210
    for (const i of [300, 301]) minus[i] = 5; // t 600-602: no pause — one burst
    minus[450] = 6; // t 900: alone — another burst
    const join = gcJoin(starts, replies, minus, [
      { start: 210, ms: 2 },
      { start: -500, ms: 1 }, // before the events: not counted
    ]);
    expect(join.pauses).toBe(1);
    expect(join.pauseMs).toBe(2);
    expect(join.slow).toBe(6);
    expect(join.slowMet).toBe(3);
    // Events alive at 210-212: started 189-212, i.e. i = 95..106.
    expect(join.met).toBe(12);
    expect(join.bursts).toEqual([2, 1]);
    expect(join.p99Unmet).toBeLessThanOrEqual(join.p99);
  });
});
