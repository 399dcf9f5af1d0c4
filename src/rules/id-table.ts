/**
 * Id tables of the segment evaluator: {@link IdTable} (id → small integer) and {@link IdSet}.
 *
 * Why not a `Map<number, …>` / `Set<number>`: the per-event lookups (the current members, the
 * traits an event realised) hit a different entry each time and find it cold in cache, so what
 * counts is how many cache lines a lookup reads. A Map reads its object, its table, the bucket
 * and the entry; here a lookup reads one slot of a typed array whose header stays hot.
 */
import { hashId } from './hash.js';

/** A read-only map from ids to small non-negative integers: `(id, value)` pairs in one `Float64Array`, linear probing. */
export class IdTable {
  /** `slots[2s]` = id, `slots[2s + 1]` = value + 1 (0 = empty slot). */
  private readonly slots: Float64Array;
  private readonly mask: number;
  readonly size: number;

  constructor(entries: Iterable<readonly [number, number]>) {
    const list = [...entries];
    this.size = list.length;
    let capacity = 16;
    while (capacity < list.length * 2) capacity *= 2; // load factor ≤ 1/2: short probe runs
    this.mask = capacity - 1;
    this.slots = new Float64Array(capacity * 2);
    for (const [id, value] of list) {
      let slot = hashId(id) & this.mask;
      while (this.slots[slot * 2 + 1] !== 0 && this.slots[slot * 2] !== id) slot = (slot + 1) & this.mask;
      this.slots[slot * 2] = id;
      this.slots[slot * 2 + 1] = value + 1;
    }
  }

  /** The value stored for `id`, or -1. */
  get(id: number): number {
    const slots = this.slots;
    for (let slot = hashId(id) & this.mask; ; slot = (slot + 1) & this.mask) {
      const value = slots[slot * 2 + 1] as number;
      if (value === 0) return -1;
      if (slots[slot * 2] === id) return value - 1;
    }
  }
}

/**
 * Membership of ids, for the check every current segment membership goes through once per event
 * (is the segment still in the catalog?). When the ids are dense — a span of at most 64 per id, as
 * ids handed out in sequence are — one bit per id of the span: the whole set is a few cache lines
 * that stay hot. Otherwise an {@link IdTable}.
 */
export class IdSet {
  private readonly min: number;
  private readonly bits: Uint32Array | undefined;
  private readonly table: IdTable | undefined;

  constructor(ids: readonly number[]) {
    let min = Infinity;
    let max = -Infinity;
    for (const id of ids) {
      min = Math.min(min, id);
      max = Math.max(max, id);
    }
    const integers = ids.every((id) => Number.isSafeInteger(id));
    const span = ids.length > 0 ? max - min + 1 : 0;
    this.min = ids.length > 0 ? min : 0;
    if (integers && span <= 64 * ids.length + 1024) {
      this.bits = new Uint32Array(Math.ceil(span / 32));
      for (const id of ids) {
        const bit = id - min;
        this.bits[bit >>> 5] = (this.bits[bit >>> 5] as number) | (1 << (bit & 31));
      }
    } else this.table = new IdTable(ids.map((id) => [id, 0] as const));
  }

  /** Whether the set is a bitset (dense ids): then `has` reads only hot lines. */
  get dense(): boolean {
    return this.bits !== undefined;
  }

  has(id: number): boolean {
    if (this.bits === undefined) return (this.table as IdTable).get(id) >= 0;
    const bit = id - this.min;
    // `bit >>> 5` of a negative or fractional `bit` lands out of range or fails the integer check.
    if (!(bit >= 0 && bit < this.bits.length * 32) || bit !== Math.floor(bit)) return false;
    return ((this.bits[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }
}
