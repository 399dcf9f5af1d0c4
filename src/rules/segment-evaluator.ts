/**
 * SegmentEvaluator: compiled segment expressions plus the trait → segment index used to decide
 * which segments an event must re-evaluate (AAM §6.3: membership lasts while the expression holds
 * over non-expired realisations). A segment is re-evaluated when
 *   - a trait it reads was realised in this event (`changed`);
 *   - a trait it reads expired after `lastEvaluatedAt` (same UTC day);
 *   - the UTC day changed since `lastEvaluatedAt` (recency windows move by day, and the profile's
 *     daily sweep may have dropped expired realisations): then every segment reading a live trait,
 *     and every current member, is re-evaluated; `lastEvaluatedAt = 0` is treated the same way.
 * Status (AAM §6.4): ACTIVE qualifies; INACTIVE (paused) keeps current members and adds none;
 * a sid not in the compiled set (deleted) loses its members.
 */
import { isLive, utcDay } from '../profiles/profile.js';
import type { RuleError, SegmentInput, TraitView } from './index.js';
import { compileSegmentNode, type FolderMap, type SegmentFn } from './segment-compiler.js';
import { parseSegmentRule } from './segment-parser.js';
import { checkStructure, findNode } from './segment-validate.js';
import { listerOf } from './segment-view.js';

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
  /** Every key of `byTrait`, for views that cannot list their traits. */
  private allTraits: number[] = [];
  private mark = new Uint32Array(0);
  private stamp = 0;

  private constructor() {}

  /** `folderTraits`: folder-trait sid → sids of every trait in that folder's subtree. */
  static compile(
    segments: readonly SegmentInput[],
    folderTraits: FolderMap,
  ): { evaluator: SegmentEvaluator; errors: Array<{ sid: number; error: RuleError }> } {
    const evaluator = new SegmentEvaluator();
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
      for (const leaf of leaves) {
        const list = evaluator.byTrait.get(leaf);
        if (list === undefined) evaluator.byTrait.set(leaf, [index]);
        else list.push(index);
      }
    }
    evaluator.allTraits = [...evaluator.byTrait.keys()];
    evaluator.mark = new Uint32Array(evaluator.segments.length);
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
    const touch = (sid: number): void => {
      const list = this.byTrait.get(sid);
      if (list === undefined) return;
      for (const index of list) {
        if (this.mark[index] !== stamp) {
          this.mark[index] = stamp;
          dirty.push(index);
        }
      }
    };
    for (const sid of changed) touch(sid);
    const newDay = lastEvaluatedAt <= 0 || utcDay(lastEvaluatedAt) !== utcDay(now);
    for (const sid of listerOf(view)?.() ?? this.allTraits) {
      if (!this.byTrait.has(sid)) continue; // no segment reads it: skip the profile lookup
      const r = view(sid);
      if (r === undefined) continue;
      if (newDay ? isLive(r, now) : r.expires !== 0 && r.expires > lastEvaluatedAt && r.expires <= now)
        touch(sid);
    }

    const members: number[] = [];
    const added: number[] = [];
    const removed: number[] = [];
    for (const sid of current) {
      const index = this.bySid.get(sid);
      if (index === undefined) {
        removed.push(sid); // deleted segment (AAM §6.4)
        continue;
      }
      const segment = this.segments[index] as CompiledSegment;
      const recheck = segment.active && (newDay || this.mark[index] === stamp);
      this.mark[index] = stamp; // handled here; skip in the dirty loop
      if (!recheck || segment.fn(view, now)) members.push(sid);
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
    const ascending = (a: number, b: number): number => a - b;
    return {
      members: members.sort(ascending),
      added: added.sort(ascending),
      removed: removed.sort(ascending),
    };
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
