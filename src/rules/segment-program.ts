/**
 * Segment expressions compiled to a flat program in one `Float64Array` shared by every segment,
 * and the interpreter that runs it over a {@link TraitView}.
 *
 * Why not closures: an event re-evaluates ~20 segments picked at random from the catalog, and
 * each closure tree (one function object and one context per node) is cold in cache by then —
 * profiling showed the closures costing more than the view lookups they make. A segment's
 * program is a few consecutive slots (one or two cache lines), read by one hot interpreter.
 *
 * A segment's program starts at the offset the builder returns; the evaluator keeps each segment's
 * header (sid, status, the stamp of the event that queued it) in small arrays of its own, so queueing
 * and checking segments reads no program. Every node is `[op, size, …]`, where `size` is the node's
 * length in slots (so an AND/OR skips a child in O(1) and short-circuits like the closures did):
 *   REF  [op, size, sid]                              a realisable trait is live
 *   ANY  [op, size, sid…]                             a folder trait: any trait of its subtree is live
 *   FREQ [op, size, cmp, count, recency, days, sid…]  sum of live counts (within/before a window) cmp count
 *   NOT  [op, size, child]
 *   AND / OR  [op, size, child…]
 * Folder traits are expanded at compile time (AAM §5.6), as before.
 */
import { countWithinDays, isLive } from '../profiles/profile.js';
import type { TraitView } from './index.js';
import type { SegmentNode } from './segment-ast.js';
import { expandTrait, type FolderMap } from './segment-semantics.js';

const REF = 1;
const ANY = 2;
const FREQ = 3;
const NOT = 4;
const AND = 5;
const OR = 6;

/** Frequency comparison (`>=`, `<=`, `==`) and recency window (none, `<= ND`, `>= ND`) codes. */
const CMP = { '>=': 0, '<=': 1, '==': 2 } as const;
const RECENCY = { none: 0, '<=': 1, '>=': 2 } as const;

/** Appends segment programs; {@link ProgramBuilder.build} freezes them into one typed array. */
export class ProgramBuilder {
  private readonly code: number[] = [];

  /**
   * Adds the program compiled from `node`, adding every realisable trait it reads to `leaves`;
   * returns the program's offset.
   */
  add(node: SegmentNode, folders: FolderMap, leaves: Set<number>): number {
    const pc = this.code.length;
    this.emit(node, folders, leaves);
    return pc;
  }

  build(): Float64Array {
    return Float64Array.from(this.code);
  }

  private emit(node: SegmentNode, folders: FolderMap, leaves: Set<number>): void {
    const code = this.code;
    const pc = code.length;
    switch (node.type) {
      case 'ref': {
        const sids = expandTrait(node.sid, folders);
        for (const s of sids) leaves.add(s);
        code.push(sids.length === 1 ? REF : ANY, 0, ...sids);
        break;
      }
      case 'freq': {
        const sids = [...new Set(node.traits.flatMap((t) => expandTrait(t.sid, folders)))];
        for (const s of sids) leaves.add(s);
        const recency = node.recency === undefined ? RECENCY.none : RECENCY[node.recency.op];
        code.push(FREQ, 0, CMP[node.op], node.count, recency, node.recency?.days ?? 0, ...sids);
        break;
      }
      case 'not':
        code.push(NOT, 0);
        this.emit(node.child, folders, leaves);
        break;
      case 'and':
      case 'or':
        code.push(node.type === 'and' ? AND : OR, 0);
        for (const child of cheapestFirst(node.children, folders)) this.emit(child, folders, leaves);
        break;
    }
    code[pc + 1] = code.length - pc;
  }
}

/**
 * The children of an AND/OR in order of their cost in view lookups, cheapest first (stable), so
 * short-circuiting skips the expensive ones: in `frequency([<folder>]) >= 2 AND 123T` the single
 * lookup of 123T usually decides, where the folder's frequency reads each of its traits. The
 * expression has no side effects, so the order does not change its value.
 */
function cheapestFirst(children: readonly SegmentNode[], folders: FolderMap): SegmentNode[] {
  const cost = new Map(children.map((c) => [c, lookups(c, folders)]));
  return [...children].sort((a, b) => (cost.get(a) as number) - (cost.get(b) as number));
}

/** View lookups a node makes at most. */
function lookups(node: SegmentNode, folders: FolderMap): number {
  switch (node.type) {
    case 'ref':
      return expandTrait(node.sid, folders).length;
    case 'freq':
      return new Set(node.traits.flatMap((t) => expandTrait(t.sid, folders))).size;
    case 'not':
      return lookups(node.child, folders);
    case 'and':
    case 'or':
      return node.children.reduce((n, c) => n + lookups(c, folders), 0);
  }
}

/** Runs the node at `pc`: whether the expression holds for the visitor at `now` (live realisations only). */
export function evaluate(code: Float64Array, pc: number, view: TraitView, now: number): boolean {
  const end = pc + (code[pc + 1] as number);
  switch (code[pc]) {
    case REF: {
      const r = view(code[pc + 2] as number);
      return r !== undefined && isLive(r, now);
    }
    case ANY:
      for (let at = pc + 2; at < end; at++) {
        const r = view(code[at] as number);
        if (r !== undefined && isLive(r, now)) return true;
      }
      return false;
    case FREQ:
      return frequency(code, pc, end, view, now);
    case NOT:
      return !evaluate(code, pc + 2, view, now);
    case AND:
      for (let at = pc + 2; at < end; at += code[at + 1] as number)
        if (!evaluate(code, at, view, now)) return false;
      return true;
    default: // OR
      for (let at = pc + 2; at < end; at += code[at + 1] as number)
        if (evaluate(code, at, view, now)) return true;
      return false;
  }
}

/** A FREQ node: the live realisations' counts, within or before the recency window, compared with M. */
function frequency(code: Float64Array, pc: number, end: number, view: TraitView, now: number): boolean {
  const recency = code[pc + 4] as number;
  const days = code[pc + 5] as number;
  let total = 0;
  for (let at = pc + 6; at < end; at++) {
    const r = view(code[at] as number);
    if (r === undefined || !isLive(r, now)) continue;
    if (recency === RECENCY.none) total += r.count;
    else {
      // `<= ND`: within the last N days; `>= ND`: older than that (total minus the window).
      const recent = countWithinDays(r, days, now);
      total += recency === RECENCY['<='] ? recent : r.count - recent;
    }
  }
  const m = code[pc + 3] as number;
  const cmp = code[pc + 2] as number;
  return cmp === CMP['>='] ? total >= m : cmp === CMP['<='] ? total <= m : total === m;
}
