/**
 * Literal prefilter for `matchesregex`: the longest run of literal characters every match must
 * contain, checked with `String.includes` before calling RE2. A call into RE2 costs microseconds
 * (the string crosses into native code as UTF-8), an `includes` tens of nanoseconds, and most
 * values do not match — the same idea as RE2's own prefilter, kept deliberately conservative:
 * any construct it does not understand yields no prefilter, never a wrong one (property-tested).
 */

interface Quantifier {
  end: number;
  optional: boolean;
}

/** The required literal, or `undefined` when none can be proven (top-level `|`, inline flags, …). */
export function requiredLiteral(pattern: string): string | undefined {
  if (/\(\?(?!:)/.test(pattern)) return undefined; // inline flags such as (?i), named groups
  let best = '';
  let run = '';
  let depth = 0;
  const flush = (): void => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    let literal: string | undefined;
    if (c === '(') {
      depth++;
      flush();
      continue;
    } else if (c === '|') {
      if (depth === 0) return undefined;
      continue;
    } else if (c === '^' || c === '$') {
      flush();
      continue;
    } else if (c === ')') {
      depth--;
    } else if (c === '[') {
      i = classEnd(pattern, i);
      if (i < 0) return undefined;
    } else if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return undefined;
      if (/[A-Za-z0-9]/.test(next) && !'dDwWsS'.includes(next)) return undefined; // \p{..}, \x.., \Q, \b, octal…
      if (!/[A-Za-z0-9]/.test(next)) literal = next;
      i++;
    } else if ('*+?{}'.includes(c)) {
      return undefined; // a quantifier where none is expected: not understood
    } else if (c !== '.') {
      literal = c;
    }
    const q = quantifierAt(pattern, i + 1);
    if (q === 'invalid') return undefined;
    if (literal === undefined || depth > 0 || q?.optional === true) {
      flush(); // a non-literal atom, a group, or an optional character breaks the required run
    } else {
      run += literal;
      if (q !== undefined) flush(); // required, but repeats: what follows is not adjacent in every match
    }
    if (q !== undefined) i = q.end;
  }
  flush();
  return best.length > 0 ? best : undefined;
}

function quantifierAt(pattern: string, at: number): Quantifier | 'invalid' | undefined {
  const c = pattern[at];
  let q: Quantifier;
  if (c === '*' || c === '?') q = { end: at, optional: true };
  else if (c === '+') q = { end: at, optional: false };
  else if (c === '{') {
    const m = /^\{(\d+)(,\d*)?\}/.exec(pattern.slice(at));
    if (m === null) return 'invalid';
    q = { end: at + m[0].length - 1, optional: Number(m[1]) === 0 };
  } else return undefined;
  if (pattern[q.end + 1] === '?') q.end++;
  return q;
}

/** Index of the `]` closing the class opened at `start`, or -1. */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '[' && pattern[i + 1] === ':') {
      const close = pattern.indexOf(':]', i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (pattern[i] === ']') return i;
  }
  return -1;
}
