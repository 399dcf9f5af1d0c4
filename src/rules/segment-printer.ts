/**
 * Canonical text of a segment expression: `123T`, upper-case keywords, lower-case `frequency`,
 * parentheses exactly where the tree nests groups. Round-trips through the parser (property-tested).
 */
import type { SegmentNode } from './segment-ast.js';

/** Prints a segment AST as canonical expression text. */
export function printSegmentRule(node: SegmentNode): string {
  switch (node.type) {
    case 'ref':
      return `${node.sid}T`;
    case 'freq': {
      const list = node.traits.map((t) => `${t.sid}T`).join(',');
      const recency = node.recency === undefined ? '' : ` ${node.recency.op} ${node.recency.days}D`;
      return `frequency([${list}]${recency}) ${node.op} ${node.count}`;
    }
    case 'not':
      return `NOT ${operand(node.child)}`;
    case 'and':
    case 'or':
      return node.children.map(operand).join(node.type === 'and' ? ' AND ' : ' OR ');
  }
}

function operand(node: SegmentNode): string {
  return node.type === 'and' || node.type === 'or' ? `(${printSegmentRule(node)})` : printSegmentRule(node);
}
