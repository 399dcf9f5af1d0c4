/**
 * Syntax tree of a trait rule (AAM §5.4). `and`/`or` are n-ary as written at one nesting level;
 * a parenthesised group stays a separate node so that printing and re-parsing give the same tree.
 */

/** Comparison and named operators. `=>` is read as `>=` (AAM writes both, §5.4 [AMBIGUOUS]). */
export type TraitOperator =
  | '=='
  | '!='
  | '>'
  | '<'
  | '>='
  | '<='
  | 'contains'
  | 'matcheswords'
  | 'startswith'
  | 'endswith'
  | 'matchesregex';

export const RELATIONAL_OPERATORS: readonly TraitOperator[] = ['==', '!=', '>', '<', '>=', '<='];
export const NAMED_OPERATORS: readonly TraitOperator[] = [
  'contains',
  'matcheswords',
  'startswith',
  'endswith',
  'matchesregex',
];

/** A literal as written: `quoted` false for a bare number token. */
export interface TraitLiteral {
  text: string;
  quoted: boolean;
}

export interface PredicateNode {
  type: 'pred';
  key: string;
  op: TraitOperator;
  value: TraitLiteral;
  /** Position of the key and of the value in the source text (for validation errors). */
  pos: number;
  valuePos: number;
}

export interface BoolNode {
  type: 'and' | 'or';
  children: TraitNode[];
}

export interface NotNode {
  type: 'not';
  child: TraitNode;
}

export type TraitNode = PredicateNode | BoolNode | NotNode;

/** Key names (AAM §5.4 key-name rule, plus `.` for `c_contextData.a.x`): must contain a letter. */
export const KEY_RE = /^[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_.-]*$/;
