import { describe, expect, it } from 'vitest';
import { IdBitSet } from './id-bit-set.js';
import { LruMap } from './lru-map.js';

describe('LruMap', () => {
  it('evicts the least recently used entry', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.has('b')).toBe(false);
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('overwrites in place without growing', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('a', 2);
    expect(lru.size).toBe(1);
    expect(lru.get('a')).toBe(2);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});

describe('IdBitSet', () => {
  it('holds exactly the positive integer ids given', () => {
    const set = IdBitSet.from([1, 8, 9, 755, 755, 0, -3, 2.5]);
    expect(set.size).toBe(4);
    for (const id of [1, 8, 9, 755]) expect(set.has(id)).toBe(true);
    for (const id of [0, 2, 7, 10, 754, 756, 100_000, -1, 2.5, Number.NaN]) expect(set.has(id)).toBe(false);
  });

  it('is empty for no ids', () => {
    expect(IdBitSet.from([]).has(1)).toBe(false);
    expect(IdBitSet.from([]).size).toBe(0);
  });
});
