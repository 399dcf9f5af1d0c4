/**
 * Validation of segment expressions beyond syntax (AAM §6.2 "Rules and limits"):
 *  - recency value must be > 0;
 *  - the expression must be false for a visitor with none of its traits — this rejects a lone
 *    `frequency([1T]) <= 5` (AAM's example) and also a top-level `NOT 1T`, `1T OR NOT 2T`, `== 0`;
 *  - with a catalog lookup: every trait must exist, and recency/frequency may only name the
 *    customer's own (first-party) RULE_BASED or FOLDER traits.
 */
import type { RuleError, TraitInfo } from './index.js';
import { ruleError } from './rule-error.js';
import type { FrequencyNode, SegmentNode } from './segment-ast.js';
import { parseSegmentRule } from './segment-parser.js';

/** Parses and validates a segment expression against the trait catalog; `undefined` when valid. */
export function validateSegmentRule(
  text: string,
  lookup: (sid: number) => TraitInfo | undefined,
): RuleError | undefined {
  const ast = parseSegmentRule(text);
  if (!('type' in ast)) return ast;
  return checkStructure(ast) ?? checkTraits(ast, lookup);
}

/** Checks that need no catalog (also run by SegmentEvaluator.compile). */
export function checkStructure(ast: SegmentNode): RuleError | undefined {
  const bad = findNode(ast, (n) => n.type === 'freq' && n.recency !== undefined && n.recency.days <= 0);
  if (bad?.type === 'freq' && bad.recency !== undefined) {
    return ruleError(bad.recency.pos, 'recency must be at least 1 day');
  }
  if (holdsForEmptyVisitor(ast)) {
    return ruleError(
      0,
      'expression is true for a visitor who has none of its traits (a lone NOT or frequency(...) <= M); ' +
        'anchor it with a trait, e.g. "... AND 123T"',
    );
  }
  return undefined;
}

function checkTraits(
  ast: SegmentNode,
  lookup: (sid: number) => TraitInfo | undefined,
): RuleError | undefined {
  let error: RuleError | undefined;
  findNode(ast, (node) => {
    if (node.type === 'ref' && lookup(node.sid) === undefined) {
      error = ruleError(node.pos, `unknown trait ${node.sid}T`);
    } else if (node.type === 'freq') {
      error = checkFrequencyTraits(node, lookup);
    }
    return error !== undefined;
  });
  return error;
}

function checkFrequencyTraits(
  node: FrequencyNode,
  lookup: (sid: number) => TraitInfo | undefined,
): RuleError | undefined {
  for (const ref of node.traits) {
    const info = lookup(ref.sid);
    if (info === undefined) return ruleError(ref.pos, `unknown trait ${ref.sid}T`);
    if (info.kind === 'ON_BOARDED' || !info.firstParty) {
      return ruleError(
        ref.pos,
        `recency/frequency is allowed only on first-party rule-based and folder traits; ${ref.sid}T is ` +
          (info.firstParty ? 'onboarded' : 'third-party'),
      );
    }
  }
  return undefined;
}

/** Value of the expression when no trait is live: references are false, every frequency count is 0. */
export function holdsForEmptyVisitor(node: SegmentNode): boolean {
  switch (node.type) {
    case 'ref':
      return false;
    case 'freq':
      return compareCount(0, node.op, node.count);
    case 'not':
      return !holdsForEmptyVisitor(node.child);
    case 'and':
      return node.children.every(holdsForEmptyVisitor);
    case 'or':
      return node.children.some(holdsForEmptyVisitor);
  }
}

/** `count op m` for the frequency comparison operators. */
export function compareCount(count: number, op: FrequencyNode['op'], m: number): boolean {
  return op === '>=' ? count >= m : op === '<=' ? count <= m : count === m;
}

/** Depth-first search; returns the first node for which `visit` is true. */
export function findNode(node: SegmentNode, visit: (n: SegmentNode) => boolean): SegmentNode | undefined {
  if (visit(node)) return node;
  if (node.type === 'freq') {
    for (const t of node.traits) if (visit(t)) return t;
    return undefined;
  }
  if (node.type === 'not') return findNode(node.child, visit);
  if (node.type === 'and' || node.type === 'or') {
    for (const child of node.children) {
      const hit = findNode(child, visit);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}
