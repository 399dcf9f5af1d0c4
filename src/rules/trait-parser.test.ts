import { describe, expect, it } from 'vitest';
import type { RuleError } from './index.js';
import { validateTraitRule } from './index.js';
import type { TraitNode } from './trait-ast.js';
import { parseTraitRule } from './trait-parser.js';
import { printTraitRule } from './trait-printer.js';

function parse(text: string): TraitNode {
  const ast = parseTraitRule(text);
  if (!('type' in ast)) throw new Error(ast.message);
  return ast;
}

function error(text: string): RuleError {
  const err = validateTraitRule(text);
  if (err === undefined) throw new Error(`expected an error for ${text}`);
  return err;
}

describe('trait rule parser (AAM §5.4)', () => {
  it.each([
    'c_category == "running-shoes"',
    '(c_cart_value >= 50 AND c_cart_value <= 500) AND c_currency == "EUR"',
    '(c_section == "travel" OR c_section == "hotels") AND NOT c_member == "gold"',
    'h_user-agent contains "Android"',
    'h_referer matchesregex "^https?://([a-z]+\\.)?example\\.org/sale/.*"',
    'p_age < 30',
    "d_country == 'UK' AND d_city == 'london'",
    'ic == "4711"',
    'c_contextData.a.x startswith "ab"',
    '123price endswith "x" or price-123 matcheswords "big deal"',
    'price => 1.00',
  ])('accepts %s', (text) => {
    expect(validateTraitRule(text)).toBeUndefined();
  });

  it('reads keywords case-insensitively and `=>` as `>=`', () => {
    expect(printTraitRule(parse('a CONTAINS "x" and not b MatchesWords "y" Or c => -1.5'))).toBe(
      '(a contains "x" AND NOT b matcheswords "y") OR c >= -1.5',
    );
  });

  it('gives AND precedence over OR and keeps parenthesised groups', () => {
    const ast = parse('a == 1 OR b == 2 AND c == 3');
    expect(ast.type).toBe('or');
    expect(printTraitRule(ast)).toBe('a == 1 OR (b == 2 AND c == 3)');
    expect(printTraitRule(parse('((a == 1))'))).toBe('a == 1');
  });

  it('unescapes only the quote and the backslash inside strings', () => {
    const ast = parse(String.raw`a == "x\"y\\z\.w" AND b == 'it\'s'`);
    expect(printTraitRule(ast)).toBe(String.raw`a == "x\"y\\z\\.w" AND b == "it's"`);
  });

  it('names the position and the expected tokens', () => {
    expect(error('a == ')).toMatchObject({ position: 5, expected: ['a number', 'a quoted string'] });
    expect(error('a = 1').position).toBe(2);
    expect(error('a == 1 b == 2')).toMatchObject({ position: 7, expected: ['AND', 'OR', 'end of rule'] });
    expect(error('(a == 1')).toMatchObject({ position: 7, expected: ['AND', 'OR', ')'] });
    expect(error('a == 1)').position).toBe(6);
    expect(error('a is "x"').expected).toContain('contains');
    expect(error('a == "x').message).toMatch(/closing "/);
    expect(error('a == 1 == 2').position).toBe(7);
    expect(error('a == bare').expected).toEqual(['a number', 'a quoted string']);
    expect(error('').expected).toEqual(['a key', 'NOT', '(']);
  });

  it('rejects key names without a letter or with other punctuation', () => {
    expect(error('123 == 1').message).toMatch(/invalid key name '123'/);
    expect(error('price+1 == 1').position).toBe(0);
    expect(validateTraitRule('_1a == 1')).toBeUndefined();
  });

  it('rejects regular expressions RE2 cannot run, with a clear message', () => {
    expect(error('a matchesregex "(a)\\1"').message).toMatch(/backreferences/);
    expect(error('a matchesregex "foo(?=bar)"').message).toMatch(/lookahead/);
    expect(error('a matchesregex "(?<!x)y"').message).toMatch(/lookbehind/);
    expect(error('a matchesregex "a++"').message).toMatch(/possessive/);
    expect(error('a == 1 AND b matchesregex "[a-"')).toMatchObject({ position: 26 });
    expect(error('b matchesregex "[a-"').message).toMatch(/invalid matchesregex pattern/);
  });
});
