/**
 * Trait sid → the segments to re-evaluate when that trait changes (or expires, or its recency
 * window moves), for {@link SegmentEvaluator}. An event looks up each of its ~20 changed traits
 * once, cold; so each lookup should read one cache line: slots of four doubles — the trait sid,
 * the count, and up to two segments inline (most traits are read by one or two segments) or the
 * offset of a longer list in `overflow`.
 */
import { hashId } from './hash.js';
import { IdSet } from './id-table.js';

const SLOT = 4;
const INLINE = 2;

export class SegmentLists {
  private readonly slots: Float64Array;
  private readonly mask: number;
  private readonly overflow: Int32Array;
  /**
   * The listed trait sids as a bitset, when they are dense: most traits an event realises, and
   * most a visitor holds, are read by no segment (or by no recency window), and the bitset rules
   * them out without the cold table read.
   */
  private readonly listed: IdSet | undefined;

  /** `lists`: trait sid → segment handles (non-negative int32). */
  constructor(lists: ReadonlyMap<number, readonly number[]>) {
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
    const listed = new IdSet([...lists.keys()]);
    this.listed = listed.dense ? listed : undefined;
  }

  /** Calls `visit` with each segment handle listed under trait `sid` (none when no segment reads it). */
  forEach(sid: number, visit: (segment: number) => void): void {
    if (this.listed !== undefined && !this.listed.has(sid)) return;
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
