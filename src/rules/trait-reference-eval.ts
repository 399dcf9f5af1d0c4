/**
 * Reference evaluator: interprets a trait AST directly against the signals, one predicate at a
 * time, with no preparation or index. It is the executable statement of the semantics in
 * docs/rules.md; the indexed matcher is property-tested against it, and the admin "test this rule"
 * endpoint and the benchmark's naive loop use it.
 */
import RE2 from 're2';
import type { SignalMap } from '../signals/signal-map.js';
import type { PredicateNode, TraitNode } from './trait-ast.js';
import { NUMBER_RE, wordMatcher } from './value-compare.js';

/** True when the rule holds for the signals. Regex patterns must already be validated. */
export function evaluateTraitAst(node: TraitNode, signals: SignalMap): boolean {
  switch (node.type) {
    case 'pred':
      return evaluatePredicate(node, signals.get(node.key) ?? []);
    case 'not':
      return !evaluateTraitAst(node.child, signals);
    case 'and':
      return node.children.every((child) => evaluateTraitAst(child, signals));
    case 'or':
      return node.children.some((child) => evaluateTraitAst(child, signals));
  }
}

/** Any value satisfies the predicate; an absent key (no values) never does, not even for `!=`. */
export function evaluatePredicate(pred: PredicateNode, values: readonly string[]): boolean {
  return values.some((value) => holds(pred, value));
}

function holds(pred: PredicateNode, value: string): boolean {
  const literal = pred.value.text;
  const a = value.toLowerCase();
  const b = literal.toLowerCase();
  switch (pred.op) {
    case '==':
      return compare(value, literal) === 0;
    case '!=':
      return compare(value, literal) !== 0;
    case '>':
      return compare(value, literal) > 0;
    case '<':
      return compare(value, literal) < 0;
    case '>=':
      return compare(value, literal) >= 0;
    case '<=':
      return compare(value, literal) <= 0;
    case 'contains':
      return a.includes(b);
    case 'startswith':
      return a.startsWith(b);
    case 'endswith':
      return a.endsWith(b);
    case 'matcheswords':
      return wordMatcher(b)?.test(a) ?? false;
    case 'matchesregex':
      return regexFor(literal).test(value);
  }
}

/** Compiled patterns by source, so the naive loop does not pay RE2 compilation per call. */
const regexCache = new Map<string, RE2>();

function regexFor(pattern: string): RE2 {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    re = new RE2(pattern, 'u');
    regexCache.set(pattern, re);
  }
  return re;
}

/** Numeric when both sides are decimal numbers, else case-insensitive code-unit order. */
function compare(value: string, literal: string): number {
  if (NUMBER_RE.test(value) && NUMBER_RE.test(literal)) return order(Number(value), Number(literal));
  return order(value.toLowerCase(), literal.toLowerCase());
}

function order<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
