/**
 * Interval stabbing for one key's numeric range triggers: given a number, the refs of every range
 * that contains it, in O(log n + answers) — instead of testing each `>`/`<`/`lo..hi` rule of the
 * key on every event (the cost docs/rules.md "Performance" measured before this index).
 *
 * The distinct endpoints p0 < … < p(m-1) cut the line into 2m+1 elementary pieces: leaf 2j+1 is
 * the point pj, leaf 2j the open gap before it, leaf 2m the gap after the last. Every range is a
 * contiguous run of leaves, stored in a bottom-up segment tree (each range in O(log m) nodes);
 * a point query walks one leaf-to-root path and collects the nodes' lists.
 */
import type { Bound } from './trait-trigger.js';

/** One range to index: missing bounds are unbounded. */
export interface RangeEntry {
  ref: number;
  lo?: Bound | undefined;
  hi?: Bound | undefined;
}

export class RangeIndex {
  private readonly points: Float64Array;
  private readonly leaves: number;
  private readonly nodes: Array<number[] | undefined>;

  constructor(entries: readonly RangeEntry[]) {
    const values = new Set<number>();
    for (const e of entries) {
      if (e.lo !== undefined) values.add(e.lo.n);
      if (e.hi !== undefined) values.add(e.hi.n);
    }
    this.points = Float64Array.from([...values].sort((a, b) => a - b));
    this.leaves = 2 * this.points.length + 1;
    this.nodes = new Array<number[] | undefined>(2 * this.leaves);
    for (const e of entries) {
      const first = e.lo === undefined ? 0 : 2 * this.indexOf(e.lo.n) + (e.lo.inclusive ? 1 : 2);
      const last = e.hi === undefined ? this.leaves - 1 : 2 * this.indexOf(e.hi.n) + (e.hi.inclusive ? 1 : 0);
      if (first <= last) this.insert(first, last + 1, e.ref);
    }
  }

  /** Pushes onto `out` the ref of every range containing `x` (a number, not NaN). */
  stab(x: number, out: number[]): void {
    const j = this.lowerBound(x);
    const leaf = j < this.points.length && this.points[j] === x ? 2 * j + 1 : 2 * j;
    for (let node = leaf + this.leaves; node >= 1; node >>= 1) {
      const list = this.nodes[node];
      if (list !== undefined) for (let i = 0; i < list.length; i++) out.push(list[i] as number);
    }
  }

  /** Adds `ref` to the canonical nodes covering leaves [from, to). */
  private insert(from: number, to: number, ref: number): void {
    let l = from + this.leaves;
    let r = to + this.leaves;
    while (l < r) {
      if ((l & 1) === 1) this.add(l++, ref);
      if ((r & 1) === 1) this.add(--r, ref);
      l >>= 1;
      r >>= 1;
    }
  }

  private add(node: number, ref: number): void {
    const list = this.nodes[node];
    if (list === undefined) this.nodes[node] = [ref];
    else list.push(ref);
  }

  /** Index of the endpoint `n` (present by construction). */
  private indexOf(n: number): number {
    return this.lowerBound(n);
  }

  /** First index whose point is >= x (points.length if none). */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
