/**
 * Trait sid → the segments to re-evaluate when that trait changes (or expires, or its recency
 * window moves), for {@link SegmentEvaluator}. An event looks up each of its ~20 changed traits
 * once, cold (the rest of the request has run since the last event), so what counts is how many
 * cache lines and pages the lookups read.
 *
 * When the listed trait sids are dense (ids handed out in sequence), a direct table: `starts[sid -
 * min]` and the next entry delimit the sid's segments in `lists` — two adjacent words, in a table
 * of 4 bytes per id of the span (40 KB for 10,000 traits, where the hash table below took 512 KB),
 * and a traits no segment reads is an empty range. Otherwise a hash table: slots of four doubles —
 * the trait sid, the count, and up to two segments inline (most traits are read by one or two
 * segments) or the offset of a longer list in `overflow`.
 */
import { hashId } from './hash.js';

const SLOT = 4;
const INLINE = 2;
/** Direct table when its span is at most this many ids per listed trait (plus a constant). */
const DENSE_SPAN_PER_ID = 8;

export class SegmentLists {
  /** Direct table (dense sids): `lists[starts[sid - min] .. starts[sid - min + 1])`. */
  private readonly min: number = 0;
  private readonly starts: Int32Array | undefined;
  private readonly lists: Int32Array = new Int32Array(0);
  /** Hash table (sparse sids). */
  private readonly slots: Float64Array = new Float64Array(0);
  private readonly mask: number = 0;
  private readonly overflow: Int32Array = new Int32Array(0);

  /** `lists`: trait sid → segment handles (non-negative int32). */
  constructor(lists: ReadonlyMap<number, readonly number[]>) {
    let min = Infinity;
    let max = -Infinity;
    let integers = true;
    for (const sid of lists.keys()) {
      min = Math.min(min, sid);
      max = Math.max(max, sid);
      integers &&= Number.isSafeInteger(sid);
    }
    const span = lists.size > 0 ? max - min + 1 : 0;
    if (integers && span <= DENSE_SPAN_PER_ID * lists.size + 1024) {
      this.min = lists.size > 0 ? min : 0;
      const starts = new Int32Array(span + 1);
      let total = 0;
      for (const list of lists.values()) total += list.length;
      const flat = new Int32Array(total);
      // Counts per sid, then running offsets, then the lists in sid order.
      for (const [sid, list] of lists) starts[sid - this.min + 1] = list.length;
      for (let i = 1; i <= span; i++) starts[i] = (starts[i] as number) + (starts[i - 1] as number);
      for (const [sid, list] of lists) flat.set(list, starts[sid - this.min] as number);
      this.starts = starts;
      this.lists = flat;
      return;
    }
    let capacity = 16;
    while (capacity < lists.size * 2) capacity *= 2; // load factor ≤ 1/2: short probe runs
    this.mask = capacity - 1;
    this.slots = new Float64Array(capacity * SLOT);
    const overflow: number[] = [];
    for (const [sid, list] of lists) {
      let slot = hashId(sid) & this.mask;
      while (this.slots[slot * SLOT + 1] !== 0) slot = (slot + 1) & this.mask;
      const at = slot * SLOT;
      this.slots[at] = sid;
      this.slots[at + 1] = list.length;
      if (list.length <= INLINE) this.slots.set(list, at + 2);
      else {
        this.slots[at + 2] = overflow.length;
        overflow.push(...list);
      }
    }
    this.overflow = Int32Array.from(overflow);
  }

  /** Calls `visit` with each segment handle listed under trait `sid` (none when no segment reads it). */
  forEach(sid: number, visit: (segment: number) => void): void {
    const starts = this.starts;
    if (starts !== undefined) {
      const i = sid - this.min;
      // Out of the span, or not an integer: not listed.
      if (!(i >= 0 && i < starts.length - 1) || i !== Math.floor(i)) return;
      const to = starts[i + 1] as number;
      for (let k = starts[i] as number; k < to; k++) visit(this.lists[k] as number);
      return;
    }
    const slots = this.slots;
    for (let slot = hashId(sid) & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * SLOT;
      const count = slots[at + 1] as number;
      if (count === 0) return;
      if (slots[at] !== sid) continue;
      if (count <= INLINE) for (let k = 0; k < count; k++) visit(slots[at + 2 + k] as number);
      else {
        const from = slots[at + 2] as number;
        for (let k = from; k < from + count; k++) visit(this.overflow[k] as number);
      }
      return;
    }
  }
}
