/**
 * Canonical text of a trait rule: upper-case keywords, `>=` for `=>`, double-quoted strings,
 * one space around operators, and parentheses exactly where the tree has a nested group.
 * `parseTraitRule(printTraitRule(ast))` gives `ast` back (property-tested).
 */
import type { TraitLiteral, TraitNode } from './trait-ast.js';

/** Prints a trait rule AST as canonical rule text. */
export function printTraitRule(node: TraitNode): string {
  switch (node.type) {
    case 'pred':
      return `${node.key} ${node.op} ${printLiteral(node.value)}`;
    case 'not':
      return `NOT ${printOperand(node.child)}`;
    case 'and':
    case 'or':
      return node.children.map(printOperand).join(node.type === 'and' ? ' AND ' : ' OR ');
  }
}

function printOperand(node: TraitNode): string {
  return node.type === 'and' || node.type === 'or' ? `(${printTraitRule(node)})` : printTraitRule(node);
}

/** Strings are re-quoted with `"`, escaping only `\` and `"` (the lexer's escape rule). */
function printLiteral(value: TraitLiteral): string {
  if (!value.quoted) return value.text;
  return `"${value.text.replace(/[\\"]/g, '\\$&')}"`;
}
