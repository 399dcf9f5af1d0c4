/**
 * SegmentEvaluator: compiled segment expressions plus the trait → segment index used to decide
 * which segments an event must re-evaluate (AAM §6.3: membership lasts while the expression holds
 * over non-expired realisations). A segment is re-evaluated when
 *   - a trait it reads was realised in this event (`changed`);
 *   - a trait it reads expired after `lastEvaluatedAt` (same UTC day);
 *   - the UTC day changed since `lastEvaluatedAt` and the segment has a recency window over a
 *     trait the visitor holds live (recency windows move by UTC day; nothing else does);
 *   - the visitor was never evaluated (`lastEvaluatedAt = 0`) or not since this catalog was
 *     compiled (`compiledAt`): then every segment reading a live trait, and every current member,
 *     so that new or edited segments pick up existing visitors (the "full pass").
 * Status (AAM §6.4): ACTIVE qualifies; INACTIVE (paused) keeps current members and adds none;
 * a sid not in the compiled set (deleted) loses its members.
 */
import { utcDay } from '../profiles/profile.js';
import { IdSet, IdTable, type IdMarks } from './id-table.js';
import type { RuleError, SegmentInput, TraitView } from './index.js';
import { RefBuffer } from './ref-buffer.js';
import type { SegmentNode } from './segment-ast.js';
import { expandTrait, type FolderMap } from './segment-semantics.js';
import { parseSegmentRule } from './segment-parser.js';
import { SegmentLists } from './segment-lists.js';
import { evaluate, ProgramBuilder } from './segment-program.js';
import { checkStructure, findNode } from './segment-validate.js';
import { expiresWithinOf, visitorOf } from './segment-view.js';

/** Where `settle` stores the sum of the words it reads ahead, so that the loads are not optimised away. */
const warmed = { sum: 0 };

/** Options of {@link SegmentEvaluator.compile}. */
export interface SegmentCompileOptions {
  /**
   * When this catalog took effect (unix ms). A visitor last evaluated before it gets a full pass,
   * so segments added or edited since pick up existing visitors on their next event.
   * Default `0`: no catch-up pass (only never-evaluated visitors get a full pass). The catalog
   * should pass the time the snapshot took effect.
   */
  compiledAt?: number;
}

/**
 * Compiled segment catalog: segment programs (segment-program.ts) plus the trait → segment index.
 * Segments are numbered in catalog order; a segment's number indexes its header arrays
 * (`sids`, `active`, `pcs`, `marks`), small enough to stay in cache, and the trait → segment lists.
 */
export class SegmentEvaluator {
  /** Every segment's program; segment `i`'s starts at `pcs[i]`. */
  private code: Float64Array = new Float64Array(0);
  private pcs = new Int32Array(0);
  private sids = new Float64Array(0);
  /** 1 when the segment is ACTIVE (AAM §6.4: a paused one keeps its members, adds no one). */
  private active = new Uint8Array(0);
  /** Per segment, the stamp of the last event that queued it. */
  private marks = new Float64Array(0);
  /** Segment sid → segment number. */
  private bySid = new IdTable([]);
  /** The compiled segments' sids, for the check every current membership goes through. */
  private known = new IdSet([]);
  /**
   * Scratch set of this event's members, over the span of `known` (when its sids are dense): it
   * replaces membership lookups in `current` and lists the members in order without a sort.
   */
  private members: IdMarks | undefined;
  /** Trait sids as written in each expression (folder traits not expanded), by segment sid. */
  private readonly referenced = new Map<number, readonly number[]>();
  /** Realisable trait sid → the numbers of the segments that read it. */
  private byTrait = new SegmentLists(new Map());
  /** Realisable trait sid → the numbers of the segments whose recency windows count it. */
  private byRecencyTrait = new SegmentLists(new Map());
  /** Every realisable trait some segment reads, for views that cannot list their traits. */
  private allTraits: number[] = [];
  private compiledAt = 0;
  /** Stamp of the current event (a double: it never wraps). */
  private stamp = 0;
  /** Segments to re-evaluate on this event, reused across events. */
  private readonly dirty = new RefBuffer(64);
  /** Queues a segment once per event (a bound field, so visiting a list allocates nothing). */
  private readonly queue = (segment: number): void => {
    if (this.marks[segment] !== this.stamp) {
      this.marks[segment] = this.stamp;
      this.dirty.push(segment);
    }
  };

  private constructor() {}

  /** `folderTraits`: folder-trait sid → sids of every trait in that folder's subtree. */
  static compile(
    segments: readonly SegmentInput[],
    folderTraits: FolderMap,
    options: SegmentCompileOptions = {},
  ): { evaluator: SegmentEvaluator; errors: Array<{ sid: number; error: RuleError }> } {
    const evaluator = new SegmentEvaluator();
    evaluator.compiledAt = options.compiledAt ?? 0;
    const errors: Array<{ sid: number; error: RuleError }> = [];
    const programs = new ProgramBuilder();
    const numbers: Array<[number, number]> = [];
    const pcs: number[] = [];
    const sids: number[] = [];
    const active: number[] = [];
    const byTrait = new Map<number, number[]>();
    const byRecencyTrait = new Map<number, number[]>();
    for (const input of segments) {
      const ast = parseSegmentRule(input.rule);
      const error = 'type' in ast ? checkStructure(ast) : ast;
      if (error !== undefined || !('type' in ast)) {
        errors.push({ sid: input.sid, error: error ?? { message: 'invalid segment', position: 0 } });
        continue;
      }
      const leaves = new Set<number>();
      const segment = pcs.length;
      pcs.push(programs.add(ast, folderTraits, leaves));
      sids.push(input.sid);
      active.push(input.status === 'ACTIVE' ? 1 : 0);
      numbers.push([input.sid, segment]);
      evaluator.referenced.set(input.sid, referencedTraits(ast));
      for (const leaf of leaves) post(byTrait, leaf, segment);
      for (const leaf of recencyLeaves(ast, folderTraits)) post(byRecencyTrait, leaf, segment);
    }
    evaluator.code = programs.build();
    evaluator.pcs = Int32Array.from(pcs);
    evaluator.sids = Float64Array.from(sids);
    evaluator.active = Uint8Array.from(active);
    evaluator.marks = new Float64Array(pcs.length);
    evaluator.bySid = new IdTable(numbers);
    evaluator.known = new IdSet(sids);
    evaluator.members = evaluator.known.marks();
    evaluator.byTrait = new SegmentLists(byTrait);
    evaluator.byRecencyTrait = new SegmentLists(byRecencyTrait);
    evaluator.allTraits = [...byTrait.keys()];
    return { evaluator, errors };
  }

  /** Trait sids referenced by a segment (used by admin API to block deleting a trait in use). */
  referencedTraits(segmentSid: number): readonly number[] {
    return this.referenced.get(segmentSid) ?? [];
  }

  /**
   * Membership after this event. `current`: segment sids stored in the profile; `changed`: trait sids realised in this event;
   * `lastEvaluatedAt`: when the profile was last evaluated (unix ms; 0 = never → evaluate all that reference its traits).
   * The view must include this event's realisations. Results are sorted ascending.
   */
  qualify(
    view: TraitView,
    current: ReadonlySet<number>,
    changed: ReadonlySet<number>,
    lastEvaluatedAt: number,
    now: number,
  ): { members: number[]; added: number[]; removed: number[] } {
    this.stamp++;
    this.dirty.clear();
    for (const sid of changed) this.byTrait.forEach(sid, this.queue);
    const full = lastEvaluatedAt <= 0 || lastEvaluatedAt < this.compiledAt;
    const newDay = full || utcDay(lastEvaluatedAt) !== utcDay(now);
    // A same-day event walks the visitor's traits only when one of them expired since the last
    // evaluation; a new day walks them for the recency windows (or, on a full pass, every segment).
    if (newDay || (expiresWithinOf(view)?.(lastEvaluatedAt, now) ?? true))
      this.walk(view, lastEvaluatedAt, now, full ? this.byTrait : newDay ? this.byRecencyTrait : undefined);
    return this.settle(view, current, full, now);
  }

  /**
   * One pass over the visitor's traits: queues the segments reading a trait that expired in
   * (last, now], and those `byDay` lists for each live trait (recency segments on a new day,
   * every segment on a full pass).
   */
  private walk(view: TraitView, last: number, now: number, byDay: SegmentLists | undefined): void {
    visitorOf(
      view,
      this.allTraits,
    )((sid, r) => {
      if (r.expires !== 0 && r.expires <= now) {
        if (r.expires > last) this.byTrait.forEach(sid, this.queue);
      } else byDay?.forEach(sid, this.queue);
    });
  }

  /**
   * Re-evaluates the queued segments, then goes over the current members: deleted segments leave
   * (AAM §6.4), the others stay unless re-evaluated false (every active one, on a full pass).
   */
  private settle(
    view: TraitView,
    current: ReadonlySet<number>,
    full: boolean,
    now: number,
  ): { members: number[]; added: number[]; removed: number[] } {
    const members = this.members;
    if (members === undefined) return this.settleSorting(view, current, full, now);
    // The current members go into the scratch set (the deleted ones leave); the re-evaluated
    // segments then add or remove themselves; the set lists the members in order at the end.
    if (members.size !== 0) members.drain(); // left over by an event that threw (a view's bug)
    const code = this.code;
    const dirty = this.dirty;
    // The queued programs are cold: start their misses together, before the members' walk.
    let warmth = 0;
    for (let i = 0; i < dirty.length; i++)
      warmth += code[this.pcs[dirty.data[i] as number] as number] as number;
    warmed.sum = warmth;
    const added: number[] = [];
    const removed: number[] = [];
    const known = this.known;
    for (const sid of current) {
      if (known.has(sid)) members.add(sid);
      else removed.push(sid); // deleted segment
    }
    for (let i = 0; i < dirty.length; i++) {
      const segment = dirty.data[i] as number;
      // Paused segments keep their members unevaluated and add no one.
      if (this.active[segment] !== 1) continue;
      const sid = this.sids[segment] as number;
      const holds = evaluate(code, this.pcs[segment] as number, view, now);
      if (members.has(sid)) {
        if (!holds) {
          removed.push(sid);
          members.delete(sid);
        }
      } else if (holds) {
        added.push(sid);
        members.add(sid);
      }
    }
    if (full)
      for (const sid of current)
        if (members.has(sid) && this.stale(sid, view, now)) {
          removed.push(sid);
          members.delete(sid);
        }
    return { members: members.drain(), added: ascending(added), removed: ascending(removed) };
  }

  /** {@link settle} for a catalog whose sids are too sparse for a scratch bitset: sorts the members. */
  private settleSorting(
    view: TraitView,
    current: ReadonlySet<number>,
    full: boolean,
    now: number,
  ): { members: number[]; added: number[]; removed: number[] } {
    const added: number[] = [];
    const removed: number[] = [];
    const code = this.code;
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      const segment = dirty.data[i] as number;
      if (this.active[segment] !== 1) continue;
      const sid = this.sids[segment] as number;
      const holds = evaluate(code, this.pcs[segment] as number, view, now);
      if (current.has(sid)) {
        if (!holds) removed.push(sid);
      } else if (holds) added.push(sid);
    }
    const dropped = removed.length;
    const members: number[] = [];
    for (const sid of current) {
      if (!this.known.has(sid))
        removed.push(sid); // deleted segment
      else if (full && this.stale(sid, view, now)) removed.push(sid);
      else if (dropped === 0 || !removed.includes(sid)) members.push(sid);
    }
    return { members: merged(ascending(members), ascending(added)), added, removed: ascending(removed) };
  }

  /** Full pass: an active member not already re-evaluated as queued, that no longer holds. */
  private stale(sid: number, view: TraitView, now: number): boolean {
    const segment = this.bySid.get(sid);
    if (this.active[segment] !== 1 || this.marks[segment] === this.stamp) return false;
    return !evaluate(this.code, this.pcs[segment] as number, view, now);
  }
}

function post(map: Map<number, number[]>, key: number, index: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [index]);
  else if (list[list.length - 1] !== index) list.push(index);
}

function referencedTraits(ast: SegmentNode): number[] {
  const referenced = new Set<number>();
  findNode(ast, (n) => {
    if (n.type === 'ref') referenced.add(n.sid);
    return false;
  });
  return [...referenced].sort((a, b) => a - b);
}

/** Realisable traits counted by the recency windows (`frequency([…] <= ND)` / `>= ND`) of a segment. */
function recencyLeaves(node: SegmentNode, folders: FolderMap): number[] {
  switch (node.type) {
    case 'ref':
      return [];
    case 'freq':
      return node.recency === undefined ? [] : node.traits.flatMap((t) => expandTrait(t.sid, folders));
    case 'not':
      return recencyLeaves(node.child, folders);
    case 'and':
    case 'or':
      return node.children.flatMap((c) => recencyLeaves(c, folders));
  }
}

/**
 * Sorts in place, ascending. A list already in order is found so in one pass. Short lists
 * (added, removed) get an insertion sort, cheaper than a call to `sort` with a comparator.
 */
function ascending(list: number[]): number[] {
  let sorted = true;
  for (let i = 1; i < list.length && sorted; i++) sorted = (list[i - 1] as number) <= (list[i] as number);
  if (sorted) return list;
  if (list.length > 16) return list.sort((a, b) => a - b);
  for (let i = 1; i < list.length; i++) {
    const x = list[i] as number;
    let j = i - 1;
    for (; j >= 0 && (list[j] as number) > x; j--) list[j + 1] = list[j] as number;
    list[j + 1] = x;
  }
  return list;
}

/** Merges two ascending lists (the kept members and the few added ones). */
function merged(a: number[], b: readonly number[]): number[] {
  if (b.length === 0) return a;
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++)
    out[k] =
      j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number))
        ? (a[i++] as number)
        : (b[j++] as number);
  return out;
}
