import { describe, expect, it } from 'vitest';
import { SIM_CATALOGUE, sampleLatency, seededRandom, simSegmentsFor, simUidFor } from './sim-segments.js';

describe('simSegmentsFor', () => {
  it('gives each id 1-3 distinct catalogue codes, the same every time', () => {
    const counts = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const codes = simSegmentsFor(`p-${i}`);
      expect(codes).toEqual(simSegmentsFor(`p-${i}`));
      expect(new Set(codes).size).toBe(codes.length);
      expect(codes.every((c) => SIM_CATALOGUE.includes(c))).toBe(true);
      counts.add(codes.length);
    }
    expect([...counts].sort()).toEqual([1, 2, 3]);
  });

  it('is stable across releases (docs and demos quote it)', () => {
    expect(simSegmentsFor('p-77')).toEqual(['A5', 'B9']);
    expect(simSegmentsFor('p-1024')).toEqual(['B1', 'B7', 'A2']);
    expect(SIM_CATALOGUE).toHaveLength(18);
    expect(simUidFor('v1')).toMatch(/^p-[0-9a-f]{16}$/);
  });
});

describe('seededRandom and sampleLatency', () => {
  it('replays the same draws for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const drawsA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(drawsA);
    expect(drawsA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('adds a non-negative, capped tail to the fixed latency', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const ms = sampleLatency(20, 10, random);
      expect(ms).toBeGreaterThanOrEqual(20);
      expect(ms).toBeLessThanOrEqual(20 + 1000);
    }
    expect(sampleLatency(20, 0, random)).toBe(20);
    expect(sampleLatency(0, 10, () => 0.999_999_999)).toBe(1000);
  });
});
