/**
 * Segment semantics shared by the compiled programs (segment-program.ts), the reference evaluator
 * and the benchmark: folder-trait expansion (AAM §5.6: a folder trait is the OR of its traits, its
 * frequency the sum of theirs) and what a frequency term counts.
 */
import { countWithinDays, type TraitRealization } from '../profiles/profile.js';
import type { FrequencyNode } from './segment-ast.js';

export type FolderMap = ReadonlyMap<number, readonly number[]>;

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
