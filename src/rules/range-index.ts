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
import type { ArenaBuilder } from './arena.js';
import type { RefBuffer } from './ref-buffer.js';
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
  /** Refs stored at tree node `n`: `refs[start[n] .. start[n + 1])` (flat, read cold per event). */
  private readonly start: Int32Array;
  private readonly refs: Int32Array;

  constructor(entries: readonly RangeEntry[]) {
    const values = new Set<number>();
    for (const e of entries) {
      if (e.lo !== undefined) values.add(e.lo.n);
      if (e.hi !== undefined) values.add(e.hi.n);
    }
    this.points = Float64Array.from([...values].sort((a, b) => a - b));
    this.leaves = 2 * this.points.length + 1;
    const nodes = new Array<number[] | undefined>(2 * this.leaves);
    for (const e of entries) {
      const first = e.lo === undefined ? 0 : 2 * this.indexOf(e.lo.n) + (e.lo.inclusive ? 1 : 2);
      const last = e.hi === undefined ? this.leaves - 1 : 2 * this.indexOf(e.hi.n) + (e.hi.inclusive ? 1 : 0);
      if (first <= last) this.insert(nodes, first, last + 1, e.ref);
    }
    this.start = new Int32Array(nodes.length + 1);
    for (let n = 0; n < nodes.length; n++)
      this.start[n + 1] = (this.start[n] as number) + (nodes[n]?.length ?? 0);
    this.refs = new Int32Array(this.start[nodes.length] as number);
    nodes.forEach((list, n) => list !== undefined && this.refs.set(list, this.start[n]));
  }

  /** Pushes onto `out` the ref of every range containing `x` (a number, not NaN). */
  stab(x: number, out: RefBuffer): void {
    const j = this.lowerBound(x);
    const leaf = j < this.points.length && this.points[j] === x ? 2 * j + 1 : 2 * j;
    for (let node = leaf + this.leaves; node >= 1; node >>= 1)
      out.pushRange(this.refs, this.start[node] as number, this.start[node + 1] as number);
  }

  /** Adds `ref` to the canonical nodes covering leaves [from, to). */
  private insert(nodes: Array<number[] | undefined>, from: number, to: number, ref: number): void {
    let l = from + this.leaves;
    let r = to + this.leaves;
    while (l < r) {
      if ((l & 1) === 1) (nodes[l++] ??= []).push(ref);
      if ((r & 1) === 1) (nodes[--r] ??= []).push(ref);
      l >>= 1;
      r >>= 1;
    }
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

/**
 * Every key's ranges with the answer of each elementary piece stored flat ("materialised"): a stab
 * is a binary search over the key's points and one list read, instead of a leaf-to-root walk that
 * reads a node list per level (each a cache miss when the key's index is cold). All keys share
 * one `Float64Array` of points and one `Int32Array`, whose headers stay hot. Materialising costs
 * memory when ranges overlap a lot, so {@link RangePackBuilder.add} refuses a key whose lists
 * would exceed a budget; that key keeps a {@link RangeIndex}.
 *
 * Layout at `base`: [m, offset of the key's points in `points`, direct min, direct count, offset of
 * the direct table, then per piece (2m + 1 of them) the offset of its list or -1]. A list is
 * [count, refs…]; equal lists of adjacent pieces are shared. When every point is an integer and
 * their span is small (ages, prices, scores), the direct table gives the list of each integer of
 * the span, so an integer value — the usual case — needs no binary search at all.
 */
export class RangePackBuilder {
  private readonly points: number[] = [];
  private readonly data: number[];

  constructor(arena: ArenaBuilder) {
    this.data = arena.data;
  }

  /** Adds a key's ranges; returns its base, or -1 when materialising them would take too much memory. */
  add(entries: readonly RangeEntry[]): number {
    const points = [
      ...new Set(entries.flatMap((e) => [e.lo?.n, e.hi?.n]).filter((n) => n !== undefined)),
    ].sort((a, b) => a - b);
    const indexOf = new Map(points.map((n, i) => [n, i]));
    const pieces = 2 * points.length + 1;
    const lists: number[][] = Array.from({ length: pieces }, () => []);
    let size = 0;
    for (const e of entries) {
      const first = e.lo === undefined ? 0 : 2 * (indexOf.get(e.lo.n) as number) + (e.lo.inclusive ? 1 : 2);
      const last =
        e.hi === undefined ? pieces - 1 : 2 * (indexOf.get(e.hi.n) as number) + (e.hi.inclusive ? 1 : 0);
      for (let piece = first; piece <= last; piece++) (lists[piece] as number[]).push(e.ref);
      size += Math.max(0, last - first + 1);
      if (size > 16 * entries.length + 1024) return -1;
    }
    const base = this.data.length;
    const min = points[0] ?? 0;
    const span = points.length > 0 ? (points[points.length - 1] as number) - min + 1 : 0;
    const direct = points.every((n) => Number.isSafeInteger(n)) && span <= 4 * pieces + 64 ? span : 0;
    this.data.push(points.length, this.points.length, min, direct, 0);
    this.points.push(...points);
    const offsets = this.data.length;
    for (let piece = 0; piece < pieces; piece++) this.data.push(-1);
    let previous: number[] | undefined;
    for (let piece = 0; piece < pieces; piece++) {
      const list = lists[piece] as number[];
      if (list.length === 0) continue;
      if (previous !== undefined && sameList(previous, list) && this.data[offsets + piece - 1] !== -1) {
        this.data[offsets + piece] = this.data[offsets + piece - 1] as number;
      } else {
        this.data[offsets + piece] = this.data.length;
        this.data.push(list.length, ...list);
      }
      previous = list;
    }
    // Integer v of the span: piece 2j + 1 when v is the j-th point, else 2j for the first point above v.
    this.data[base + 4] = this.data.length;
    for (let v = min, j = 0; v < min + direct; v++) {
      if ((points[j] as number) < v) j++;
      this.data.push(this.data[offsets + (points[j] === v ? 2 * j + 1 : 2 * j)] as number);
    }
    return base;
  }

  /** The ranges, over `arena`: the arena builder's data, frozen. */
  build(arena: Int32Array): RangePack {
    return new RangePack(Float64Array.from(this.points), arena);
  }
}

export class RangePack {
  constructor(
    private readonly points: Float64Array,
    private readonly data: Int32Array,
  ) {}

  /** Pushes onto `out` the ref of every range of the key at `base` containing `x` (a number, not NaN). */
  stab(base: number, x: number, out: RefBuffer): void {
    const data = this.data;
    const m = data[base] as number;
    const direct = data[base + 3] as number;
    const k = x - (data[base + 2] as number);
    let list: number;
    if (direct > 0 && k < 0) list = data[base + 5] as number;
    else if (direct > 0 && k >= direct) list = data[base + 5 + 2 * m] as number;
    else if (direct > 0 && k === Math.floor(k)) list = data[(data[base + 4] as number) + k] as number;
    else list = data[base + 5 + this.piece(base, x)] as number;
    if (list >= 0) out.pushRange(data, list + 1, list + 1 + (data[list] as number));
  }

  /** Reads the direct-table entry a stab of `x` reads (see `KeyIndexes.warm`). */
  warm(base: number, x: number): number {
    const data = this.data;
    const direct = data[base + 3] as number;
    const k = x - (data[base + 2] as number);
    return direct > 0 && k >= 0 && k < direct && k === Math.floor(k)
      ? (data[(data[base + 4] as number) + k] as number)
      : direct;
  }

  /** The piece of `x` by binary search over the key's points. */
  private piece(base: number, x: number): number {
    const data = this.data;
    const points = this.points;
    const m = data[base] as number;
    const from = data[base + 1] as number;
    let lo = from;
    let hi = from + m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    const j = lo - from;
    return j < m && points[lo] === x ? 2 * j + 1 : 2 * j;
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
