/**
 * Recursive-descent parser for trait rules. Grammar and precedence follow AAM §5.4:
 *
 *   expr      := and ( OR and )*
 *   and       := unary ( AND unary )*          -- `AND NOT x` is `AND` followed by unary `NOT x`
 *   unary     := NOT unary | primary
 *   primary   := "(" expr ")" | KEY op VALUE
 *
 * Relational binds tighter than equality in AAM, but every predicate is exactly `key op value`,
 * so chained comparisons are simply a syntax error here.
 */
import type { RuleError } from './index.js';
import { expectedError, ruleError, RuleSyntaxError } from './rule-error.js';
import {
  KEY_RE,
  NAMED_OPERATORS,
  type PredicateNode,
  type TraitLiteral,
  type TraitNode,
  type TraitOperator,
} from './trait-ast.js';
import { lexTrait, type TraitToken } from './trait-lexer.js';
import { compileRegex } from './trait-regex.js';

const RESERVED = new Set(['and', 'or', 'not']);
const OPERATOR_NAMES = ['==', '!=', '>', '<', '>=', '<=', ...NAMED_OPERATORS];

/** Parses and validates a trait rule (including its regular expressions). */
export function parseTraitRule(source: string): TraitNode | RuleError {
  try {
    const parser = new TraitParser(lexTrait(source));
    const node = parser.parseExpression(0);
    parser.expectEnd();
    return node;
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err.ruleError;
    throw err;
  }
}

class TraitParser {
  private index = 0;

  constructor(private readonly tokens: readonly TraitToken[]) {}

  parseExpression(depth: number): TraitNode {
    const first = this.parseAnd(depth);
    if (!this.atKeyword('or')) return first;
    const children = [first];
    while (this.atKeyword('or')) {
      this.index++;
      children.push(this.parseAnd(depth));
    }
    return { type: 'or', children };
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'eof') throw this.unexpected(['AND', 'OR', 'end of rule']);
  }

  private parseAnd(depth: number): TraitNode {
    const first = this.parseUnary(depth);
    if (!this.atKeyword('and')) return this.checkFollow(first, depth);
    const children = [first];
    while (this.atKeyword('and')) {
      this.index++;
      children.push(this.parseUnary(depth));
    }
    return this.checkFollow({ type: 'and', children }, depth);
  }

  /** After an operand only AND, OR, `)` (inside a group) or the end may follow. */
  private checkFollow(node: TraitNode, depth: number): TraitNode {
    const token = this.peek();
    if (token.kind === 'eof' || this.atKeyword('or') || (token.kind === 'rparen' && depth > 0)) return node;
    throw this.unexpected(depth > 0 ? ['AND', 'OR', ')'] : ['AND', 'OR', 'end of rule']);
  }

  private parseUnary(depth: number): TraitNode {
    if (this.atKeyword('not')) {
      this.index++;
      return { type: 'not', child: this.parseUnary(depth) };
    }
    const token = this.peek();
    if (token.kind === 'lparen') {
      this.index++;
      const inner = this.parseExpression(depth + 1);
      if (this.peek().kind !== 'rparen') throw this.unexpected(['AND', 'OR', ')']);
      this.index++;
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): PredicateNode {
    const keyToken = this.peek();
    const isWord = keyToken.kind === 'word' || keyToken.kind === 'number';
    if (!isWord || RESERVED.has(keyToken.text.toLowerCase())) throw this.unexpected(['a key', 'NOT', '(']);
    if (!KEY_RE.test(keyToken.text)) {
      throw new RuleSyntaxError(
        ruleError(
          keyToken.pos,
          `invalid key name '${keyToken.text}': letters, digits, '_', '-' and '.' only, with at least one letter`,
        ),
      );
    }
    this.index++;
    const op = this.parseOperator();
    const valueToken = this.peek();
    if (valueToken.kind !== 'number' && valueToken.kind !== 'string') {
      throw this.unexpected(['a number', 'a quoted string']);
    }
    this.index++;
    const value: TraitLiteral = { text: valueToken.text, quoted: valueToken.kind === 'string' };
    if (op === 'matchesregex') {
      const compiled = compileRegex(value.text, valueToken.pos);
      if ('error' in compiled) throw new RuleSyntaxError(compiled.error);
    }
    return { type: 'pred', key: keyToken.text, op, value, pos: keyToken.pos, valuePos: valueToken.pos };
  }

  private parseOperator(): TraitOperator {
    const token = this.peek();
    if (token.kind === 'op') {
      this.index++;
      return token.text as TraitOperator;
    }
    const name = token.text.toLowerCase();
    if (token.kind === 'word' && (NAMED_OPERATORS as readonly string[]).includes(name)) {
      this.index++;
      return name as TraitOperator;
    }
    throw this.unexpected(OPERATOR_NAMES);
  }

  private atKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private peek(): TraitToken {
    return this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as TraitToken);
  }

  private unexpected(expected: readonly string[]): RuleSyntaxError {
    const token = this.peek();
    const found =
      token.kind === 'eof' ? 'end of rule' : `'${token.kind === 'string' ? `"${token.text}"` : token.text}'`;
    return new RuleSyntaxError(expectedError(token.pos, expected, found));
  }
}
