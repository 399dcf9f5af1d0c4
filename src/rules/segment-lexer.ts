/** Tokeniser for segment expressions (AAM §6.2): `123T`, `5D`, integers, words, brackets, operators. */
import { expectedError, RuleSyntaxError } from './rule-error.js';

export type SegmentTokenKind =
  'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'comma' | 'op' | 'trait' | 'days' | 'int' | 'word' | 'eof';

export interface SegmentToken {
  kind: SegmentTokenKind;
  text: string;
  /** Numeric value of `trait`, `days` and `int` tokens. */
  value: number;
  pos: number;
}

const PUNCTUATION: Readonly<Record<string, SegmentTokenKind>> = {
  '(': 'lparen',
  ')': 'rparen',
  '[': 'lbracket',
  ']': 'rbracket',
  ',': 'comma',
};
const OPERATOR_RE = /==|>=|=>|<=/y;
const NUMBER_RE = /(\d+)([TtDd]?)(?![A-Za-z0-9_])/y;
const WORD_RE = /[A-Za-z_]+/y;

/** Splits a segment expression into tokens; throws {@link RuleSyntaxError} on a stray character. */
export function lexSegment(source: string): SegmentToken[] {
  const tokens: SegmentToken[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const punct = PUNCTUATION[c];
    if (punct !== undefined) {
      tokens.push({ kind: punct, text: c, value: 0, pos: i });
      i++;
      continue;
    }
    const match =
      matchAt(OPERATOR_RE, source, i) ?? matchAt(NUMBER_RE, source, i) ?? matchAt(WORD_RE, source, i);
    if (match === null) {
      throw new RuleSyntaxError(
        expectedError(i, ['a trait reference like 123T', 'AND', 'OR', 'NOT', '('], `'${c}'`),
      );
    }
    tokens.push(classify(match, i));
    i += match[0].length;
  }
  tokens.push({ kind: 'eof', text: '', value: 0, pos: source.length });
  return tokens;
}

function matchAt(re: RegExp, source: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(source);
}

function classify(match: RegExpExecArray, pos: number): SegmentToken {
  const text = match[0];
  if (/^[=<>]/.test(text)) return { kind: 'op', text: text === '=>' ? '>=' : text, value: 0, pos };
  if (!/^\d/.test(text)) return { kind: 'word', text, value: 0, pos };
  const suffix = (match[2] ?? '').toUpperCase();
  const value = Number(match[1]);
  return { kind: suffix === 'T' ? 'trait' : suffix === 'D' ? 'days' : 'int', text, value, pos };
}
