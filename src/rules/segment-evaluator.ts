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
import type { RuleError, SegmentInput, TraitView } from './index.js';
import type { SegmentNode } from './segment-ast.js';
import { compileSegmentNode, expandTrait, type FolderMap, type SegmentFn } from './segment-compiler.js';
import { parseSegmentRule } from './segment-parser.js';
import { checkStructure, findNode } from './segment-validate.js';
import { realizationsOf, visitorOf } from './segment-view.js';

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

interface CompiledSegment {
  sid: number;
  active: boolean;
  fn: SegmentFn;
  /** Trait sids as written in the expression (folder traits not expanded). */
  referenced: readonly number[];
}

/** Compiled segment catalog. */
export class SegmentEvaluator {
  private readonly segments: CompiledSegment[] = [];
  private readonly bySid = new Map<number, number>();
  /** Realisable trait sid → indexes of the segments that read it. */
  private readonly byTrait = new Map<number, number[]>();
  /** Realisable trait sid → indexes of the segments whose recency windows count it. */
  private readonly byRecencyTrait = new Map<number, number[]>();
  /** Every key of `byTrait`, for views that cannot list their traits. */
  private allTraits: number[] = [];
  private compiledAt = 0;
  private mark = new Uint32Array(0);
  private active = new Uint8Array(0);
  private stamp = 0;

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
    for (const input of segments) {
      const ast = parseSegmentRule(input.rule);
      const error = 'type' in ast ? checkStructure(ast) : ast;
      if (error !== undefined || !('type' in ast)) {
        errors.push({ sid: input.sid, error: error ?? { message: 'invalid segment', position: 0 } });
        continue;
      }
      const leaves = new Set<number>();
      const fn = compileSegmentNode(ast, folderTraits, leaves);
      const referenced = new Set<number>();
      findNode(ast, (n) => {
        if (n.type === 'ref') referenced.add(n.sid);
        return false;
      });
      const index = evaluator.segments.length;
      evaluator.segments.push({
        sid: input.sid,
        active: input.status === 'ACTIVE',
        fn,
        referenced: [...referenced].sort((a, b) => a - b),
      });
      evaluator.bySid.set(input.sid, index);
      for (const leaf of leaves) post(evaluator.byTrait, leaf, index);
      for (const leaf of recencyLeaves(ast, folderTraits)) post(evaluator.byRecencyTrait, leaf, index);
    }
    evaluator.allTraits = [...evaluator.byTrait.keys()];
    evaluator.mark = new Uint32Array(evaluator.segments.length);
    evaluator.active = Uint8Array.from(evaluator.segments, (s) => (s.active ? 1 : 0));
    return { evaluator, errors };
  }

  /** Trait sids referenced by a segment (used by admin API to block deleting a trait in use). */
  referencedTraits(segmentSid: number): readonly number[] {
    const index = this.bySid.get(segmentSid);
    return index === undefined ? [] : (this.segments[index] as CompiledSegment).referenced;
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
    const stamp = this.nextStamp();
    const dirty: number[] = [];
    const mark = this.mark;
    const touch = (list: readonly number[] | undefined): void => {
      if (list === undefined) return;
      for (let i = 0; i < list.length; i++) {
        const index = list[i] as number;
        if (mark[index] !== stamp) {
          mark[index] = stamp;
          dirty.push(index);
        }
      }
    };
    for (const sid of changed) touch(this.byTrait.get(sid));
    const full = lastEvaluatedAt <= 0 || lastEvaluatedAt < this.compiledAt;
    const newDay = full || utcDay(lastEvaluatedAt) !== utcDay(now);
    // One walk over the visitor's traits: expiries since the last evaluation (any day), and on a
    // new day the recency segments over live traits (or, on a full pass, every segment).
    const byTrait = this.byTrait;
    const byDay = full ? byTrait : this.byRecencyTrait;
    if (!newDay && !this.anyExpired(view, lastEvaluatedAt, now))
      return this.settle(view, current, dirty, stamp, full, now);
    visitorOf(
      view,
      this.allTraits,
    )((sid, r) => {
      if (r.expires !== 0 && r.expires <= now) {
        if (r.expires > lastEvaluatedAt) touch(byTrait.get(sid));
      } else if (newDay) touch(byDay.get(sid));
    });
    return this.settle(view, current, dirty, stamp, full, now);
  }

  /**
   * False when the view can show cheaply that nothing expired in (last, now] — the common case of
   * a same-day event, which then skips the walk that maps realisations back to segments.
   */
  private anyExpired(view: TraitView, last: number, now: number): boolean {
    const list = realizationsOf(view)?.();
    if (list === undefined) return true;
    for (const r of list) if (r.expires !== 0 && r.expires > last && r.expires <= now) return true;
    return false;
  }

  /** Re-evaluates the current members and the dirty segments; membership changes, sorted. */
  private settle(
    view: TraitView,
    current: ReadonlySet<number>,
    dirty: readonly number[],
    stamp: number,
    full: boolean,
    now: number,
  ): { members: number[]; added: number[]; removed: number[] } {
    const members: number[] = [];
    const added: number[] = [];
    const removed: number[] = [];
    for (const sid of current) {
      const index = this.bySid.get(sid);
      if (index === undefined) {
        removed.push(sid); // deleted segment (AAM §6.4)
        continue;
      }
      // Clean members are kept without touching their compiled segment (`active` is a typed array).
      const recheck = this.active[index] === 1 && (full || this.mark[index] === stamp);
      this.mark[index] = stamp; // handled here; skip in the dirty loop
      if (!recheck || (this.segments[index] as CompiledSegment).fn(view, now)) members.push(sid);
      else removed.push(sid);
    }
    for (const index of dirty) {
      const segment = this.segments[index] as CompiledSegment;
      if (!segment.active || current.has(segment.sid)) continue;
      if (segment.fn(view, now)) {
        members.push(segment.sid);
        added.push(segment.sid);
      }
    }
    return { members: ascending(members), added: ascending(added), removed: ascending(removed) };
  }

  private nextStamp(): number {
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.mark.fill(0);
      this.stamp = 1;
    }
    return this.stamp;
  }
}

function post(map: Map<number, number[]>, key: number, index: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [index]);
  else if (list[list.length - 1] !== index) list.push(index);
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
 * Sorts in place, ascending; skips the sort when already in order — the usual case for members,
 * since `current` comes from the profile's integer-keyed record, which enumerates ascending.
 */
function ascending(list: number[]): number[] {
  for (let i = 1; i < list.length; i++) {
    if ((list[i - 1] as number) > (list[i] as number)) return list.sort((a, b) => a - b);
  }
  return list;
}
