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

  /**
   * An empty {@link IdMarks} over this set's span, when the set is dense (a bitset); otherwise
   * `undefined`.
   */
  marks(): IdMarks | undefined {
    return this.bits === undefined ? undefined : new IdMarks(this.min, this.bits.length);
  }

  has(id: number): boolean {
    if (this.bits === undefined) return (this.table as IdTable).get(id) >= 0;
    const bit = id - this.min;
    // `bit >>> 5` of a negative or fractional `bit` lands out of range or fails the integer check.
    if (!(bit >= 0 && bit < this.bits.length * 32) || bit !== Math.floor(bit)) return false;
    return ((this.bits[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }
}

/**
 * A reusable scratch set over the ids of a dense {@link IdSet} (only ids the set holds may be
 * added): one bit per id of the span, so adding, removing and testing touch one hot word, and
 * {@link IdMarks.drain} lists the ids in ascending order without sorting, emptying the set as it
 * goes. The segment evaluator builds each event's members in it: the profile's `segments` Map
 * enumerates in insertion order, not by sid, and sorting ~70 ids with a comparator cost ~5 µs.
 */
export class IdMarks {
  private readonly words: Uint32Array;
  /** The span of words that may be non-zero: [low, high]. */
  private low: number;
  private high = -1;
  /** Ids in the set. */
  size = 0;

  constructor(
    private readonly min: number,
    words: number,
  ) {
    this.words = new Uint32Array(words);
    this.low = words;
  }

  /** Whether `id` (a member of the IdSet) is in the set. */
  has(id: number): boolean {
    const bit = id - this.min;
    return ((this.words[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }

  /** Adds `id` (a member of the IdSet). */
  add(id: number): void {
    const bit = id - this.min;
    const w = bit >>> 5;
    const word = this.words[w] as number;
    const mask = 1 << (bit & 31);
    if ((word & mask) !== 0) return;
    this.words[w] = word | mask;
    this.size++;
    if (w < this.low) this.low = w;
    if (w > this.high) this.high = w;
  }

  /** Removes `id` (a member of the IdSet). */
  delete(id: number): void {
    const bit = id - this.min;
    const w = bit >>> 5;
    const word = this.words[w] as number;
    const mask = 1 << (bit & 31);
    if ((word & mask) === 0) return;
    this.words[w] = word & ~mask;
    this.size--;
  }

  /** The ids in the set, ascending; leaves the set empty. */
  drain(): number[] {
    const out = new Array<number>(this.size);
    const words = this.words;
    let n = 0;
    for (let w = this.low; w <= this.high; w++) {
      let word = words[w] as number;
      if (word === 0) continue;
      words[w] = 0;
      const base = this.min + w * 32;
      while (word !== 0) {
        const lowest = word & -word;
        out[n++] = base + 31 - Math.clz32(lowest);
        word ^= lowest;
      }
    }
    this.low = words.length;
    this.high = -1;
    this.size = 0;
    return out;
  }
}
