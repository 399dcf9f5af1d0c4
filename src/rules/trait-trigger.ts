/**
 * Chooses, for each rule, the "access predicates" under which it is indexed (the Fabret et al.
 * access-predicate idea, measurements.md §4, without normalising to DNF).
 *
 * Invariant: if the rule is true for an event, at least one of its triggers fires. Every positive
 * predicate is false on an absent key (AAM §5.4 as decided in docs/rules.md), so:
 *   pred      → itself (as an equality, range, literal, regex or generic test trigger)
 *   AND       → the cheapest child that has triggers (the rule cannot hold unless that child does),
 *               or a range merged from a lower and an upper bound on one key (`lo <= k AND k <= hi`)
 *   OR        → the union of the children's triggers (none if any child has none)
 *   NOT NOT x → x;  any other NOT → none (true when keys are absent)
 * Rules with no triggers go on the always-check list; an empty list means "never true".
 * Each trigger kind is answered by value, not by re-testing every rule on the key (key-index.ts).
 */
import type { PredicateNode, TraitNode } from './trait-ast.js';
import { compilePredicateTest, type ValuesTest } from './trait-compiler.js';
import { finiteRegex, type FiniteRegex } from './regex-literals.js';
import { requiredLiteral } from './regex-prefilter.js';
import { numericValue } from './value-compare.js';

/** One side of a numeric range: `k > n` (`inclusive` false) or `k >= n`. */
export interface Bound {
  n: number;
  inclusive: boolean;
}

export type LiteralMode = 'contains' | 'startswith' | 'endswith';

interface TriggerBase {
  key: string;
  /** If the trigger fires, the whole node is true: the matcher then skips the closure. */
  exact: boolean;
}

export type Trigger = TriggerBase &
  (
    | { kind: 'eq'; value: number | string }
    /** Numeric bounds, each with "some value satisfies it" semantics; `test` is that, for the slow path. */
    | { kind: 'range'; lo?: Bound; hi?: Bound; test: ValuesTest }
    /** Lower-cased literal found in a lower-cased value at the given place. */
    | { kind: 'literal'; mode: LiteralMode; literal: string }
    /**
     * RE2 pattern on raw values; `literal` is a substring every match contains (prefilter);
     * `finite`, when set, is the pattern's whole language as literals (no RE2 call needed).
     */
    | { kind: 'regex'; pattern: string; literal: string | undefined; finite: FiniteRegex | undefined }
    | { kind: 'test'; test: ValuesTest }
  );

/**
 * Relative per-event cost of a trigger: an equality or range posting fires only for the values it
 * covers; literals and regexes cost a scan of the value; a generic test runs on every event with the key.
 */
const COST = { eq: 1, range: 2, literal: 3, regex: 6, test: 16 } as const;

/** Triggers of a node, or `undefined` when the node can be true with none of them firing. */
export function triggersOf(node: TraitNode): Trigger[] | undefined {
  switch (node.type) {
    case 'pred':
      return predicateTriggers(node);
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
      const merged = mergedRange(node.children);
      if (merged !== undefined && COST.range <= bestCost) return [merged];
      // One child firing does not make the conjunction true, so the closure must still run.
      return best?.map((t) => ({ ...t, exact: node.children.length === 1 && t.exact }));
    }
  }
}

function predicateTriggers(pred: PredicateNode): Trigger[] {
  const key = pred.key;
  const n = numericValue(pred.value.text);
  const lit = pred.value.text.toLowerCase();
  switch (pred.op) {
    case '==':
      // Numbers by value (`5` = `5.0`), other text lower-cased: exactly the `==` of value-compare.ts.
      return [{ kind: 'eq', key, value: Number.isNaN(n) ? lit : n, exact: true }];
    case '>':
    case '>=':
    case '<':
    case '<=': {
      const bound = boundOf(pred);
      if (bound === undefined) break; // text literal: string order, generic test
      const test = compilePredicateTest(pred);
      return [{ kind: 'range', key, [bound.side]: bound.bound, test, exact: true }];
    }
    case 'contains':
    case 'startswith':
    case 'endswith':
      return [{ kind: 'literal', key, mode: pred.op, literal: lit, exact: true }];
    case 'matcheswords':
      // A whole-word match contains the literal; the closure checks the word boundaries.
      // An empty literal never matches, so the rule needs no trigger at all.
      return lit.length === 0 ? [] : [{ kind: 'literal', key, mode: 'contains', literal: lit, exact: false }];
    case 'matchesregex':
      return [
        {
          kind: 'regex',
          key,
          pattern: pred.value.text,
          literal: requiredLiteral(pred.value.text),
          finite: finiteRegex(pred.value.text),
          exact: true,
        },
      ];
    case '!=':
      break;
  }
  return [{ kind: 'test', key, test: compilePredicateTest(pred), exact: true }];
}

/** The bound a numeric ordered predicate puts on its key, or `undefined` for a text literal. */
function boundOf(pred: PredicateNode): { side: 'lo' | 'hi'; bound: Bound } | undefined {
  const n = numericValue(pred.value.text);
  if (Number.isNaN(n)) return undefined;
  switch (pred.op) {
    case '>':
      return { side: 'lo', bound: { n, inclusive: false } };
    case '>=':
      return { side: 'lo', bound: { n, inclusive: true } };
    case '<':
      return { side: 'hi', bound: { n, inclusive: false } };
    case '<=':
      return { side: 'hi', bound: { n, inclusive: true } };
    default:
      return undefined;
  }
}

/**
 * A lower and an upper numeric bound on the same key among an AND's children, as one range
 * trigger. Its test is "both predicates hold" (each by any value), so it is a valid trigger for
 * multi-valued keys too; it is exact when those two predicates are the whole conjunction.
 */
function mergedRange(children: readonly TraitNode[]): Trigger | undefined {
  const lows = new Map<string, { pred: PredicateNode; bound: Bound }>();
  const highs = new Map<string, { pred: PredicateNode; bound: Bound }>();
  for (const child of children) {
    if (child.type !== 'pred') continue;
    const b = boundOf(child);
    if (b === undefined) continue;
    const side = b.side === 'lo' ? lows : highs;
    if (!side.has(child.key)) side.set(child.key, { pred: child, bound: b.bound });
    const lo = lows.get(child.key);
    const hi = highs.get(child.key);
    if (lo !== undefined && hi !== undefined) {
      const testLo = compilePredicateTest(lo.pred);
      const testHi = compilePredicateTest(hi.pred);
      return {
        kind: 'range',
        key: child.key,
        lo: lo.bound,
        hi: hi.bound,
        test: (pv) => testLo(pv) && testHi(pv),
        exact: children.length === 2,
      };
    }
  }
  return undefined;
}

function costOf(triggers: readonly Trigger[]): number {
  let cost = 0;
  for (const t of triggers) cost += COST[t.kind];
  return cost;
}
