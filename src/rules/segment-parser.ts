/**
 * Recursive-descent parser for segment expressions (AAM §6.2):
 *
 *   expr    := and ( OR and )*
 *   and     := unary ( AND unary )*            -- `AND NOT x` is `AND` + unary `NOT x`
 *   unary   := NOT unary | primary
 *   primary := "(" expr ")" | <id>T | FREQUENCY "(" "[" <id>T ("," <id>T)* "]" [ ("<="|">=") <n>D ] ")" ("<="|">="|"==") <m>
 *
 * Keywords, `T` and `D` are case-insensitive. Only syntax is checked here; see segment-validate.ts.
 */
import type { RuleError } from './index.js';
import { expectedError, ruleError, RuleSyntaxError } from './rule-error.js';
import type { FrequencyNode, SegmentNode, TraitRefNode } from './segment-ast.js';
import { lexSegment, type SegmentToken, type SegmentTokenKind } from './segment-lexer.js';

/** Parses a segment expression. */
export function parseSegmentRule(source: string): SegmentNode | RuleError {
  try {
    const parser = new SegmentParser(lexSegment(source));
    const node = parser.parseExpression(0);
    parser.expect('eof', ['AND', 'OR', 'end of expression']);
    return node;
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err.ruleError;
    throw err;
  }
}

class SegmentParser {
  private index = 0;

  constructor(private readonly tokens: readonly SegmentToken[]) {}

  parseExpression(depth: number): SegmentNode {
    const children = [this.parseAnd(depth)];
    while (this.atWord('or')) {
      this.index++;
      children.push(this.parseAnd(depth));
    }
    return children.length === 1 ? (children[0] as SegmentNode) : { type: 'or', children };
  }

  expect(kind: SegmentTokenKind, expected: readonly string[]): SegmentToken {
    const token = this.peek();
    if (token.kind !== kind) throw this.unexpected(expected);
    this.index++;
    return token;
  }

  private parseAnd(depth: number): SegmentNode {
    const children = [this.parseUnary(depth)];
    while (this.atWord('and')) {
      this.index++;
      children.push(this.parseUnary(depth));
    }
    const token = this.peek();
    if (token.kind !== 'eof' && !this.atWord('or') && !(token.kind === 'rparen' && depth > 0)) {
      throw this.unexpected(depth > 0 ? ['AND', 'OR', ')'] : ['AND', 'OR', 'end of expression']);
    }
    return children.length === 1 ? (children[0] as SegmentNode) : { type: 'and', children };
  }

  private parseUnary(depth: number): SegmentNode {
    if (this.atWord('not')) {
      this.index++;
      return { type: 'not', child: this.parseUnary(depth) };
    }
    const token = this.peek();
    if (token.kind === 'lparen') {
      this.index++;
      const inner = this.parseExpression(depth + 1);
      this.expect('rparen', ['AND', 'OR', ')']);
      return inner;
    }
    if (token.kind === 'trait') return this.parseTraitRef();
    if (this.atWord('frequency')) return this.parseFrequency();
    throw this.unexpected(['a trait reference like 123T', 'frequency(', 'NOT', '(']);
  }

  private parseTraitRef(): TraitRefNode {
    const token = this.expect('trait', ['a trait reference like 123T']);
    if (!Number.isSafeInteger(token.value))
      throw new RuleSyntaxError(ruleError(token.pos, 'trait id is too large'));
    return { type: 'ref', sid: token.value, pos: token.pos };
  }

  private parseFrequency(): FrequencyNode {
    const pos = this.peek().pos;
    this.index++;
    this.expect('lparen', ['(']);
    this.expect('lbracket', ['[']);
    const traits = [this.parseTraitRef()];
    while (this.peek().kind === 'comma') {
      this.index++;
      traits.push(this.parseTraitRef());
    }
    this.expect('rbracket', [',', ']']);
    let recency: FrequencyNode['recency'];
    const next = this.peek();
    if (next.kind === 'op') {
      if (next.text !== '<=' && next.text !== '>=') throw this.unexpected(['<=', '>=', ')']);
      this.index++;
      const days = this.expect('days', ['a number of days like 5D']);
      recency = { op: next.text, days: days.value, pos: days.pos };
    }
    this.expect('rparen', recency === undefined ? ['<=', '>=', ')'] : [')']);
    const op = this.expect('op', ['>=', '<=', '==']).text as FrequencyNode['op'];
    const count = this.expect('int', ['a whole number']).value;
    return recency === undefined
      ? { type: 'freq', traits, op, count, pos }
      : { type: 'freq', traits, recency, op, count, pos };
  }

  private atWord(word: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toLowerCase() === word;
  }

  private peek(): SegmentToken {
    return this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as SegmentToken);
  }

  private unexpected(expected: readonly string[]): RuleSyntaxError {
    const token = this.peek();
    const found = token.kind === 'eof' ? 'end of expression' : `'${token.text}'`;
    return new RuleSyntaxError(expectedError(token.pos, expected, found));
  }
}
