/**
 * Compiles a segment AST into a closure at catalog load. Folder traits are expanded here into the
 * realisable traits of their subtree (AAM §5.6: a folder trait is the OR of its traits, its
 * frequency the sum of theirs), so the per-event work is a few view lookups.
 */
import { countWithinDays, isLive, type TraitRealization } from '../profiles/profile.js';
import type { TraitView } from './index.js';
import type { FrequencyNode, SegmentNode } from './segment-ast.js';
import { compareCount } from './segment-validate.js';

export type FolderMap = ReadonlyMap<number, readonly number[]>;
export type SegmentFn = (view: TraitView, now: number) => boolean;

/**
 * The realisable traits a reference stands for: itself, or for a folder trait every trait of its
 * subtree (nested folder traits expanded too, each trait once; folder traits cannot be realised
 * themselves, AAM §5.6).
 */
export function expandTrait(sid: number, folders: FolderMap): number[] {
  if (!folders.has(sid)) return [sid];
  const out = new Set<number>();
  const visited = new Set<number>();
  const stack = [sid];
  while (stack.length > 0) {
    const folder = stack.pop() as number;
    if (visited.has(folder)) continue;
    visited.add(folder);
    for (const member of folders.get(folder) ?? []) {
      if (folders.has(member)) stack.push(member);
      else out.add(member);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** Realisations counted by a frequency term for one live realisation (AAM §6.2 semantics table). */
export function frequencyCount(r: TraitRealization, recency: FrequencyNode['recency'], now: number): number {
  if (recency === undefined) return r.count;
  const recent = countWithinDays(r, recency.days, now);
  // `<= ND`: within the last N days; `>= ND`: older than that (total minus the window).
  return recency.op === '<=' ? recent : r.count - recent;
}

/** Compiles a segment; `leaves` collects every realisable trait the closure reads. */
export function compileSegmentNode(node: SegmentNode, folders: FolderMap, leaves: Set<number>): SegmentFn {
  switch (node.type) {
    case 'ref': {
      const sids = expandTrait(node.sid, folders);
      for (const s of sids) leaves.add(s);
      if (sids.length === 1) {
        const sid = sids[0] as number;
        return (view, now) => {
          const r = view(sid);
          return r !== undefined && isLive(r, now);
        };
      }
      return (view, now) =>
        sids.some((s) => {
          const r = view(s);
          return r !== undefined && isLive(r, now);
        });
    }
    case 'freq': {
      const sids = [...new Set(node.traits.flatMap((t) => expandTrait(t.sid, folders)))];
      for (const s of sids) leaves.add(s);
      const { recency, op, count } = node;
      return (view, now) => {
        let total = 0;
        for (const s of sids) {
          const r = view(s);
          if (r !== undefined && isLive(r, now)) total += frequencyCount(r, recency, now);
        }
        return compareCount(total, op, count);
      };
    }
    case 'not': {
      const child = compileSegmentNode(node.child, folders, leaves);
      return (view, now) => !child(view, now);
    }
    case 'and': {
      const children = node.children.map((c) => compileSegmentNode(c, folders, leaves));
      return (view, now) => children.every((c) => c(view, now));
    }
    case 'or': {
      const children = node.children.map((c) => compileSegmentNode(c, folders, leaves));
      return (view, now) => children.some((c) => c(view, now));
    }
  }
}

/** True when any node of the expression uses a recency window (its value can change as days pass). */
export function usesRecency(node: SegmentNode): boolean {
  switch (node.type) {
    case 'ref':
      return false;
    case 'freq':
      return node.recency !== undefined;
    case 'not':
      return usesRecency(node.child);
    case 'and':
    case 'or':
      return node.children.some(usesRecency);
  }
}
