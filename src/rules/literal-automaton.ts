/**
 * Aho-Corasick over UTF-16 code units: finds every occurrence of any of a key's literals in one
 * pass over a value, so a key with hundreds of `contains`/`startswith`/`endswith` rules costs one
 * scan per value instead of one `includes` per rule. Code units, not code points, so a hit is
 * exactly `value.includes(literal)` at that place (docs/rules.md: strings compare by UTF-16 units).
 *
 * Each automaton is a full DFA table over its literals' own alphabet (one column per distinct code
 * unit, column 0 for every other unit, which always leads back to the root). Every automaton of
 * the catalog lives in one `Int32Array` (an {@link AutomatonPack}): per event each key's automaton
 * is read cold, and what costs is the number of cache lines a scan reads — the ASCII column map
 * (two lines for letters and digits), one table row per character, and the postings of the states
 * that end a literal, stored right there instead of behind literal ids, arrays and objects.
 */
import type { ArenaBuilder } from './arena.js';
import type { RefBuffer } from './ref-buffer.js';

/** Where a literal must sit in the scanned value; `prefilter` only reports that it occurred. */
export const Place = { contains: 0, startswith: 1, endswith: 2, equals: 3, prefilter: 4 } as const;
export type Place = (typeof Place)[keyof typeof Place];

/** A ref to push when `literal` occurs at `place` in the scanned value. */
export interface LiteralPosting {
  literal: string;
  place: Place;
  ref: number;
}

/*
 * Layout of one automaton at `base`:
 *   [base]           width: number of columns (column 0 = any unit not in a literal)
 *   [base + 1]       offset of the root's row
 *   [base + 2]       index of the non-ASCII column map in `wide`, or -1
 *   [base + 3]       offset of the postings of empty literals (reported once, at end 0), or -1
 *   [base + 4 …]     ASCII column map: 128 columns as 16-bit halves of 64 ints
 * Rows: [postings offset or -1, next row's offset for each column]. Postings:
 * [count, then per posting: ref, length * 8 + place].
 */
const HEADER = 4;
const ASCII_WORDS = 64;

/** Appends automata to an arena; {@link AutomatonPackBuilder.build} reads them from the frozen arena. */
export class AutomatonPackBuilder {
  private readonly data: number[];
  private readonly wide: Array<ReadonlyMap<number, number>> = [];

  constructor(arena: ArenaBuilder) {
    this.data = arena.data;
  }

  /** Adds the automaton of `postings`; returns its base offset. */
  add(postings: readonly LiteralPosting[]): number {
    const base = this.data.length;
    const columns = new Map<number, number>(); // code unit → column
    for (const p of postings)
      for (let i = 0; i < p.literal.length; i++) {
        const unit = p.literal.charCodeAt(i);
        if (!columns.has(unit)) columns.set(unit, columns.size + 1);
      }
    const width = columns.size + 1;
    const { edges, own, empty } = trieOf(postings, columns);
    const wide = new Map([...columns].filter(([unit]) => unit >= 128));
    this.data.push(width, 0, wide.size > 0 ? this.wide.length : -1, -1);
    if (wide.size > 0) this.wide.push(wide);
    const ascii = new Array<number>(ASCII_WORDS).fill(0);
    for (const [unit, column] of columns)
      if (unit < 128) ascii[unit >> 1] = (ascii[unit >> 1] as number) | (column << ((unit & 1) * 16));
    this.data.push(...ascii);
    const rowOf = (state: number): number => base + HEADER + ASCII_WORDS + state * (width + 1);
    this.data[base + 1] = rowOf(0);
    const table = dfaTable(edges, own, width);
    for (let state = 0; state < edges.length; state++) {
      this.data.push(-1);
      for (let column = 0; column < width; column++)
        this.data.push(rowOf(table.next[state * width + column] as number));
    }
    for (let state = 0; state < edges.length; state++) {
      const list = table.outputs[state] as LiteralPosting[];
      if (list.length > 0) this.data[rowOf(state)] = this.pushPostings(list);
    }
    if (empty.length > 0) this.data[base + 3] = this.pushPostings(empty);
    return base;
  }

  /** The automata, over `arena`: the arena builder's data, frozen. */
  build(arena: Int32Array): AutomatonPack {
    return new AutomatonPack(arena, this.wide);
  }

  private pushPostings(list: readonly LiteralPosting[]): number {
    const at = this.data.length;
    this.data.push(list.length);
    for (const p of list) this.data.push(p.ref, p.literal.length * 8 + p.place);
    return at;
  }
}

/** Frozen automata; {@link AutomatonPack.scan} runs one of them over a value. */
export class AutomatonPack {
  constructor(
    private readonly data: Int32Array,
    private readonly wide: ReadonlyArray<ReadonlyMap<number, number>>,
  ) {}

  /**
   * Runs the automaton at `base` over `text`, pushing onto `out` the ref of every posting whose
   * literal occurs at its place (a `contains` literal once per occurrence). Returns whether a
   * `prefilter` literal occurred.
   */
  scan(base: number, text: string, out: RefBuffer): boolean {
    const data = this.data;
    const size = text.length;
    const wideIndex = data[base + 2] as number;
    const wide = wideIndex >= 0 ? this.wide[wideIndex] : undefined;
    const empty = data[base + 3] as number;
    let prefiltered = empty >= 0 && this.emit(empty, 0, size, out);
    let row = data[base + 1] as number;
    for (let i = 0; i < size; i++) {
      const unit = text.charCodeAt(i);
      const column =
        unit < 128
          ? ((data[base + HEADER + (unit >> 1)] as number) >>> ((unit & 1) << 4)) & 0xffff
          : (wide?.get(unit) ?? 0);
      row = data[row + 1 + column] as number;
      const postings = data[row] as number;
      if (postings >= 0 && this.emit(postings, i + 1, size, out)) prefiltered = true;
    }
    return prefiltered;
  }

  /** The arena the automata sit in (shared with the key's other structures). */
  get arena(): Int32Array {
    return this.data;
  }

  /** Reads the root row and the column word of `text`'s first unit (see `KeyIndexes.warm`). */
  warm(base: number, text: string): number {
    const data = this.data;
    const unit = text.length > 0 ? text.charCodeAt(0) & 127 : 0;
    return (data[data[base + 1] as number] as number) + (data[base + HEADER + (unit >> 1)] as number);
  }

  /** Pushes the postings at `at` for occurrences ending at `end`; true if one is a prefilter literal. */
  private emit(at: number, end: number, size: number, out: RefBuffer): boolean {
    const data = this.data;
    const last = at + 2 * (data[at] as number);
    let prefiltered = false;
    for (let k = at + 1; k < last; k += 2) {
      const lengthAndPlace = data[k + 1] as number;
      const place = lengthAndPlace & 7;
      if (place === Place.prefilter) prefiltered = true;
      else if (fits(place, end - (lengthAndPlace >>> 3), end, size)) out.push(data[k] as number);
    }
    return prefiltered;
  }
}

/**
 * Whether an occurrence at [start, end) of a value of length `size` is at `place`. An empty literal
 * is reported once, at [0, 0): it is a substring, prefix and suffix of every value, and equal only
 * to the empty value.
 */
function fits(place: number, start: number, end: number, size: number): boolean {
  if (start === end) return place !== Place.equals || size === 0;
  switch (place) {
    case Place.contains:
      return true;
    case Place.startswith:
      return start === 0;
    case Place.endswith:
      return end === size;
    default:
      return start === 0 && end === size;
  }
}

/** The trie of the non-empty literals (edges by column), each node's own postings, and the empty literals' postings. */
function trieOf(
  postings: readonly LiteralPosting[],
  columns: ReadonlyMap<number, number>,
): { edges: Array<Map<number, number>>; own: LiteralPosting[][]; empty: LiteralPosting[] } {
  const edges: Array<Map<number, number>> = [new Map()];
  const own: LiteralPosting[][] = [[]];
  const empty: LiteralPosting[] = [];
  for (const p of postings) {
    if (p.literal.length === 0) {
      empty.push(p);
      continue;
    }
    let state = 0;
    for (let i = 0; i < p.literal.length; i++) {
      const column = columns.get(p.literal.charCodeAt(i)) as number;
      const next = edges[state] as Map<number, number>;
      let to = next.get(column);
      if (to === undefined) {
        to = edges.length;
        edges.push(new Map());
        own.push([]);
        next.set(column, to);
      }
      state = to;
    }
    (own[state] as LiteralPosting[]).push(p);
  }
  return { edges, own, empty };
}

/**
 * The DFA of the trie, breadth first: each state's row is its failure state's row with its own
 * edges on top (the failure state is shallower, so its row is already complete); outputs are
 * inherited likewise, so a state lists every literal ending there.
 */
function dfaTable(
  edges: ReadonlyArray<ReadonlyMap<number, number>>,
  own: readonly LiteralPosting[][],
  width: number,
): { next: Int32Array; outputs: LiteralPosting[][] } {
  const next = new Int32Array(edges.length * width);
  const outputs = own.map((list) => [...list]);
  const fail = new Int32Array(edges.length);
  const queue: number[] = [0];
  for (let q = 0; q < queue.length; q++) {
    const state = queue[q] as number;
    const failure = fail[state] as number;
    if (state !== 0) {
      next.copyWithin(state * width, failure * width, failure * width + width);
      outputs[state] = [...(outputs[state] as LiteralPosting[]), ...(outputs[failure] as LiteralPosting[])];
    }
    for (const [column, to] of edges[state] as ReadonlyMap<number, number>) {
      // The child's failure state: where the parent's failure state goes on this unit (root's children fail to root).
      fail[to] = state === 0 ? 0 : (next[failure * width + column] as number);
      next[state * width + column] = to;
      queue.push(to);
    }
  }
  return { next, outputs };
}
