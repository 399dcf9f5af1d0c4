/**
 * Chooses, for each rule, the "access predicates" under which it is indexed (the Fabret et al.
 * access-predicate idea, measurements.md §4, without normalising to DNF).
 *
 * Invariant: if the rule is true for an event, at least one of its triggers fires. A trigger is
 * either `key == value` (fires when the event carries that key with an equal value — a hash
 * lookup by number or by lower-cased text) or `key + test` (fires when the key is present and the predicate's test
 * passes). It holds because every positive predicate is false on an absent key (AAM §5.4 as
 * decided in docs/rules.md), so:
 *   pred      → itself
 *   AND       → the cheapest child that has triggers (the rule cannot hold unless that child does)
 *   OR        → the union of the children's triggers (none if any child has none)
 *   NOT NOT x → x;  any other NOT → none (true when keys are absent)
 * Rules with no triggers go on the always-check list.
 */
import type { TraitNode } from './trait-ast.js';
import { compilePredicateTest, type ValuesTest } from './trait-compiler.js';
import { numericValue } from './value-compare.js';

export type Trigger =
  | { kind: 'eq'; key: string; value: number | string; exact: boolean }
  | { kind: 'test'; key: string; test: ValuesTest; exact: boolean };

/** Relative per-event cost of a trigger: an equality posting fires rarely, a key test on every event with the key. */
const EQ_COST = 1;
const TEST_COST = 16;

/**
 * Triggers of a node, or `undefined` when the node can be true with none of them firing.
 * `exact` on a trigger means "if it fires, the whole node is true" — the matcher then skips the closure.
 */
export function triggersOf(node: TraitNode): Trigger[] | undefined {
  switch (node.type) {
    case 'pred':
      if (node.op === '==') {
        // Numbers by value (`5` = `5.0`), other text lower-cased: exactly the `==` of value-compare.ts.
        const n = numericValue(node.value.text);
        const value = Number.isNaN(n) ? node.value.text.toLowerCase() : n;
        return [{ kind: 'eq', key: node.key, value, exact: true }];
      }
      return [{ kind: 'test', key: node.key, test: compilePredicateTest(node), exact: true }];
    case 'not':
      return node.child.type === 'not' ? triggersOf(node.child.child) : undefined;
    case 'or': {
      const all: Trigger[] = [];
      for (const child of node.children) {
        const triggers = triggersOf(child);
        if (triggers === undefined) return undefined;
        all.push(...triggers);
      }
      return all;
    }
    case 'and': {
      let best: Trigger[] | undefined;
      let bestCost = Infinity;
      for (const child of node.children) {
        const triggers = triggersOf(child);
        const cost = triggers === undefined ? Infinity : costOf(triggers);
        if (cost < bestCost) {
          best = triggers;
          bestCost = cost;
        }
      }
      // One child firing does not make the conjunction true, so the closure must still run.
      return best?.map((t) => ({ ...t, exact: node.children.length === 1 && t.exact }));
    }
  }
}

function costOf(triggers: readonly Trigger[]): number {
  let cost = 0;
  for (const t of triggers) cost += t.kind === 'eq' ? EQ_COST : TEST_COST;
  return cost;
}
