import { describe, expect, it } from 'vitest';
import type { TraitInfo } from './index.js';
import { validateSegmentRule } from './index.js';
import { parseSegmentRule } from './segment-parser.js';
import { printSegmentRule } from './segment-printer.js';

const CATALOG = new Map<number, TraitInfo>([
  [1, { kind: 'RULE_BASED', firstParty: true }],
  [2, { kind: 'RULE_BASED', firstParty: true }],
  [3, { kind: 'ON_BOARDED', firstParty: true }],
  [4, { kind: 'RULE_BASED', firstParty: false }],
  [5, { kind: 'FOLDER', firstParty: true }],
  [1000, { kind: 'RULE_BASED', firstParty: true }],
]);
const lookup = (sid: number): TraitInfo | undefined => CATALOG.get(sid);
const validate = (text: string): ReturnType<typeof validateSegmentRule> => validateSegmentRule(text, lookup);

function print(text: string): string {
  const ast = parseSegmentRule(text);
  if (!('type' in ast)) throw new Error(ast.message);
  return printSegmentRule(ast);
}

describe('segment expression parser (AAM §6.2)', () => {
  it.each([
    '(1T) AND (2T OR 3T)',
    '(1T OR 2T) AND NOT 3T',
    'frequency([1T,2T] <= 5D) >= 3',
    'FREQUENCY([1T] >= 5D) >= 3',
    'frequency([1000T]) >= 1 AND frequency([1000T]) <= 5',
    'frequency([1000T]) <= 5 AND 2T',
    '(frequency([1000T] <= 2D) >= 5)',
    'frequency([1T,5T] <= 7D) >= 2 AND 3T',
    '1t and not 2t or 3T',
  ])('accepts %s', (text) => {
    expect(validate(text)).toBeUndefined();
  });

  it('prints a canonical form with AAM precedence', () => {
    expect(print('1t and not 2t or 3T')).toBe('(1T AND NOT 2T) OR 3T');
    expect(print('FREQUENCY( [1T , 2T] => 5d ) == 2')).toBe('frequency([1T,2T] >= 5D) == 2');
    expect(print('1T AND (2T AND 3T)')).toBe('1T AND (2T AND 3T)');
  });

  it('names the position and expected tokens on syntax errors', () => {
    expect(validate('1T AND')).toMatchObject({
      position: 6,
      expected: ['a trait reference like 123T', 'frequency(', 'NOT', '('],
    });
    expect(validate('1T 2T')).toMatchObject({ position: 3, expected: ['AND', 'OR', 'end of expression'] });
    expect(validate('frequency([1T] < 5D) >= 1')?.position).toBe(15);
    expect(validate('frequency([1T] <= 5) >= 1')).toMatchObject({
      position: 18,
      expected: ['a number of days like 5D'],
    });
    expect(validate('frequency([1T]) > 1')?.position).toBe(16);
    expect(validate('frequency([1T]) >= 1D')).toMatchObject({ position: 19, expected: ['a whole number'] });
    expect(validate('(1T')).toMatchObject({ position: 3, expected: ['AND', 'OR', ')'] });
    expect(validate('12X')?.position).toBe(0);
  });

  it('applies AAM validation rules', () => {
    expect(validate('frequency([1T] <= 0D) >= 1')?.message).toMatch(/recency must be at least 1 day/);
    expect(validate('frequency([1000T]) <= 5')?.message).toMatch(/none of its traits/);
    expect(validate('NOT 1T')?.message).toMatch(/none of its traits/);
    expect(validate('1T OR NOT 2T')?.message).toMatch(/none of its traits/);
    expect(validate('frequency([1T]) == 0 AND NOT 2T')?.message).toMatch(/none of its traits/);
    expect(validate('1T AND 99T')).toMatchObject({
      position: 7,
      message: expect.stringMatching(/unknown trait 99T/),
    });
    expect(validate('frequency([1T,3T]) >= 2 AND 1T')).toMatchObject({ position: 14 });
    expect(validate('frequency([3T]) >= 2')?.message).toMatch(/onboarded/);
    expect(validate('frequency([4T]) >= 2')?.message).toMatch(/third-party/);
    expect(validate('3T AND 4T')).toBeUndefined(); // plain references to onboarded/third-party traits are fine
  });
});
