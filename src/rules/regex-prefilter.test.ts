import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { requiredLiteral } from './regex-prefilter.js';

describe('matchesregex literal prefilter', () => {
  it.each([
    ['^https?://([a-z]+\\.)?example\\.org/sale/.*', 'example.org/sale/'],
    ['^(red|gold)-2[0-9]$', '-2'],
    ['abc?de', 'ab'],
    ['ab+cd', 'ab'],
    ['ab+cde', 'cde'],
    ['a{0,2}bc', 'bc'],
    ['x|y', undefined],
    ['(?i)abc', undefined],
    ['\\d+', undefined],
    ['\\pLabc', undefined],
  ])('%s requires %s', (pattern, literal) => {
    expect(requiredLiteral(pattern)).toBe(literal);
  });

  it('never rules out a value the regex matches', () => {
    const atom = fc.constantFrom(
      'a',
      'b',
      'ab',
      '.',
      '\\.',
      '[ab]',
      '[^a]',
      '\\d',
      '(a|b)',
      '(ab)',
      '^',
      '$',
      '-',
      '1',
    );
    const quant = fc.constantFrom('', '', '', '?', '*', '+', '{2}', '{0,1}', '{1,}', '??');
    const pattern = fc
      .array(fc.tuple(atom, quant), { minLength: 1, maxLength: 6 })
      .map((p) => p.map(([a, q]) => a + q).join(''));
    const value = fc
      .array(fc.constantFrom('a', 'b', '.', '-', '1', 'x'), { maxLength: 8 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(pattern, fc.array(value, { minLength: 1, maxLength: 10 }), (p, values) => {
        let re: RE2;
        try {
          re = new RE2(p, 'u');
        } catch {
          return;
        }
        const literal = requiredLiteral(p);
        for (const v of values)
          if (re.test(v) && literal !== undefined) expect(v.includes(literal)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
