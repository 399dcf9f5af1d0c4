/**
 * Reference evaluator for segment expressions: walks the AST over the view with no compilation and
 * no incremental logic. The SegmentEvaluator is property-tested against it, and the benchmark's
 * naive loop uses it.
 */
import { isLive } from '../profiles/profile.js';
import type { TraitView } from './index.js';
import type { SegmentNode } from './segment-ast.js';
import { expandTrait, frequencyCount, type FolderMap } from './segment-semantics.js';
import { compareCount } from './segment-validate.js';

/** Whether the expression holds for the visitor at `now`, counting only live realisations. */
export function evaluateSegmentAst(
  node: SegmentNode,
  view: TraitView,
  now: number,
  folders: FolderMap,
): boolean {
  switch (node.type) {
    case 'ref':
      return expandTrait(node.sid, folders).some((sid) => {
        const r = view(sid);
        return r !== undefined && isLive(r, now);
      });
    case 'freq': {
      const sids = new Set(node.traits.flatMap((t) => expandTrait(t.sid, folders)));
      let total = 0;
      for (const sid of sids) {
        const r = view(sid);
        if (r !== undefined && isLive(r, now)) total += frequencyCount(r, node.recency, now);
      }
      return compareCount(total, node.op, node.count);
    }
    case 'not':
      return !evaluateSegmentAst(node.child, view, now, folders);
    case 'and':
      return node.children.every((c) => evaluateSegmentAst(c, view, now, folders));
    case 'or':
      return node.children.some((c) => evaluateSegmentAst(c, view, now, folders));
  }
}
