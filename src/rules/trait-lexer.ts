/**
 * Tokeniser for trait rules (AAM §5.4). Keywords (`AND`, `contains`, …) are returned as words and
 * recognised case-insensitively by the parser; a word that is a whole decimal number is a number.
 */
import { expectedError, RuleSyntaxError } from './rule-error.js';
import { NUMBER_RE } from './value-compare.js';

export type TraitTokenKind = 'lparen' | 'rparen' | 'op' | 'word' | 'number' | 'string' | 'eof';

export interface TraitToken {
  kind: TraitTokenKind;
  /** Source text for words, numbers and operators; the unescaped content for strings. */
  text: string;
  pos: number;
}

const WORD_RE = /[A-Za-z0-9_.+-]+/y;
const OPERATOR_RE = /==|!=|>=|=>|<=|>|</y;

/** Splits `source` into tokens; throws {@link RuleSyntaxError} on an unterminated string or stray character. */
export function lexTrait(source: string): TraitToken[] {
  const tokens: TraitToken[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c, pos: i });
      i++;
    } else if (c === '"' || c === "'") {
      i = lexString(source, i, tokens);
    } else {
      OPERATOR_RE.lastIndex = i;
      const op = OPERATOR_RE.exec(source);
      if (op !== null) {
        tokens.push({ kind: 'op', text: op[0] === '=>' ? '>=' : op[0], pos: i });
        i += op[0].length;
        continue;
      }
      WORD_RE.lastIndex = i;
      const word = WORD_RE.exec(source);
      if (word === null) {
        throw new RuleSyntaxError(
          expectedError(i, ['a key', 'an operator', 'a number', 'a quoted string', '(', ')'], `'${c}'`),
        );
      }
      tokens.push({ kind: NUMBER_RE.test(word[0]) ? 'number' : 'word', text: word[0], pos: i });
      i += word[0].length;
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: source.length });
  return tokens;
}

/**
 * Quoted string, single or double quotes. A backslash escapes only the opening quote character
 * and the backslash itself; any other backslash is kept, so regular expressions such as
 * `"example\.org"` need no doubling (docs/rules.md "Strings").
 */
function lexString(source: string, start: number, tokens: TraitToken[]): number {
  const quote = source[start] as string;
  let text = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === quote) {
      tokens.push({ kind: 'string', text, pos: start });
      return i + 1;
    }
    const next = source[i + 1];
    if (c === '\\' && (next === quote || next === '\\')) {
      text += next;
      i += 2;
    } else {
      text += c;
      i++;
    }
  }
  throw new RuleSyntaxError(expectedError(source.length, [`closing ${quote}`], 'end of rule'));
}
