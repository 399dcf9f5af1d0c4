import { describe, expect, it } from 'vitest';
import { testTraitRule, TraitMatcher } from './index.js';

function signals(entries: Record<string, string | string[]>): Map<string, string[]> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

const check = (rule: string, s: Record<string, string | string[]>): boolean | unknown =>
  testTraitRule(rule, signals(s));

describe('trait rule semantics (docs/rules.md)', () => {
  it('is true when any value of a multi-valued key satisfies the predicate', () => {
    expect(check('c_color == "blue"', { c_color: ['red', 'blue'] })).toBe(true);
    expect(check('c_price > 10', { c_price: ['5', '11'] })).toBe(true);
    expect(check('c_price > 10', { c_price: ['5', '9'] })).toBe(false);
  });

  it('compares numerically when both sides are numbers, else as case-insensitive text', () => {
    expect(check('price >= 1.00 AND price <= 100.00', { price: '9.5' })).toBe(true);
    expect(check('price == 5', { price: '5.0' })).toBe(true);
    expect(check('price == "05"', { price: '5' })).toBe(true);
    expect(check('price > 9', { price: '10' })).toBe(true);
    expect(check('price > "9"', { price: 'abc' })).toBe(true); // 'abc' > '9' as text
    expect(check('c_country == "uk"', { c_country: 'UK' })).toBe(true);
    expect(check('c_name < "b"', { c_name: 'Apple' })).toBe(true);
  });

  it('treats an absent key as false, also for != ; != needs some value that differs', () => {
    expect(check('c_member != "gold"', {})).toBe(false);
    expect(check('c_member != "gold"', { c_member: 'GOLD' })).toBe(false);
    expect(check('c_member != "gold"', { c_member: ['gold', 'silver'] })).toBe(true);
    expect(check('c_member == "gold"', { c_member: [] })).toBe(false);
    expect(check('NOT c_member == "gold"', {})).toBe(true);
  });

  it('implements the named operators case-insensitively; matcheswords is a whole-word match', () => {
    expect(check('h_user-agent contains "android"', { 'h_user-agent': 'Mozilla (Linux; Android 14)' })).toBe(
      true,
    );
    expect(check('u startswith "HTTP"', { u: 'https://x' })).toBe(true);
    expect(check('u endswith ".ORG"', { u: 'example.org' })).toBe(true);
    expect(check('t matcheswords "big deal"', { t: 'a Big Deal!' })).toBe(true);
    expect(check('t matcheswords "big"', { t: 'bigger' })).toBe(false);
    expect(check('t matcheswords "deal"', { t: 'ideal deal_x' })).toBe(false);
    expect(check('t matcheswords ""', { t: 'x' })).toBe(false);
  });

  it('runs matchesregex on RE2 with search semantics, case-sensitive unless (?i)', () => {
    const rule = 'h_referer matchesregex "^https?://([a-z]+\\.)?example\\.org/sale/.*"';
    expect(check(rule, { h_referer: 'https://shop.example.org/sale/1' })).toBe(true);
    expect(check(rule, { h_referer: 'https://example.com/sale/1' })).toBe(false);
    expect(check('x matchesregex "b+"', { x: 'abbc' })).toBe(true);
    expect(check('x matchesregex "B"', { x: 'b' })).toBe(false);
    expect(check('x matchesregex "(?i)B"', { x: 'b' })).toBe(true);
  });

  it('uses p_ keys like any other key and returns a RuleError for a bad rule', () => {
    expect(check('p_age < 30', { p_age: '29' })).toBe(true);
    expect(check('p_age <', { p_age: '29' })).toMatchObject({ position: 7 });
  });
});

describe('TraitMatcher', () => {
  const { matcher, errors } = TraitMatcher.compile([
    { sid: 1, dataSourceId: 10, rule: 'c_category == "running-shoes"' },
    { sid: 2, dataSourceId: 10, rule: 'NOT c_member == "gold"' },
    { sid: 3, dataSourceId: 20, rule: 'ic == "A1"' },
    { sid: 4, dataSourceId: 30, rule: 'ic == "A1"' },
    { sid: 5, dataSourceId: 10, rule: 'c_x ==' },
    { sid: 6, dataSourceId: 10, rule: 'c_price >= 10 AND (c_cat == "a" OR c_cat == "b")' },
    { sid: 7, dataSourceId: 10, rule: 'c_a == "x" OR NOT c_b contains "y"' },
  ]);

  it('reports rules that fail to compile and leaves them out', () => {
    expect(errors.map((e) => e.sid)).toEqual([5]);
    expect(matcher.size).toBe(6);
  });

  it('finds indexed rules, and rules that need no key via the always-check list', () => {
    expect(matcher.match(signals({ c_category: 'Running-Shoes', c_member: 'gold', c_b: 'y' }))).toEqual([1]);
    expect(matcher.match(signals({}))).toEqual([2, 7]);
    expect(matcher.match(signals({ c_price: '12', c_cat: 'B', c_member: 'gold', c_b: 'y' }))).toEqual([6]);
  });

  it('restricts matching to one data source (d_tdpid, onboarded provider codes)', () => {
    const s = signals({ ic: ['Z9', 'A1'], c_member: 'gold', c_b: 'y' });
    expect(matcher.match(s)).toEqual([3, 4]);
    expect(matcher.match(s, 20)).toEqual([3]);
    expect(matcher.match(s, 99)).toEqual([]);
  });
});
