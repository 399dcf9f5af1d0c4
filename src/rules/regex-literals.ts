/**
 * Finite-language regexes as literal sets. Many `matchesregex` rules are alternations of
 * literals with anchors, e.g. `^(red|blue)-2[0-9]$` (20 strings) or `^https?://(www\.)?shop\.example/`
 * (4 prefixes). Such a pattern matches a value exactly when the value equals / starts with /
 * ends with / contains one of those strings, so the index answers it with the key's raw-value
 * literal automaton instead of a native RE2 call (each costs microseconds, and more when its
 * DFA is cold: docs/rules.md "Performance"). Anything outside a small, well-understood subset
 * returns `undefined` and stays on RE2 (property-tested against RE2).
 */
import type { LiteralMode } from './trait-trigger.js';

/** Largest literal set a pattern may expand to before it is left to RE2. */
const MAX_STRINGS = 64;

/** How a finite pattern matches: the value relates to one of `strings` as `mode` says. */
export interface FiniteRegex {
  strings: string[];
  mode: LiteralMode | 'equals';
}

class Unsupported extends Error {}

/** The literal set of `pattern` (RE2 syntax, search semantics, flag `u`), or `undefined`. */
export function finiteRegex(pattern: string): FiniteRegex | undefined {
  let body = pattern;
  const start = body.startsWith('^');
  if (start) body = body.slice(1);
  // A trailing `$` is an anchor unless it is escaped (an odd number of backslashes before it).
  const trailing = /(\\*)\$$/.exec(body);
  const end = trailing !== null && (trailing[1] as string).length % 2 === 0;
  if (end) body = body.slice(0, -1);
  try {
    const parser = new Parser(body);
    const strings = parser.alternation(start || end);
    if (parser.at < body.length) return undefined;
    const mode = start ? (end ? 'equals' : 'startswith') : end ? 'endswith' : 'contains';
    return { strings: [...new Set(strings)], mode };
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

class Parser {
  at = 0;
  constructor(private readonly src: string) {}

  /** `anchored`: anchors apply to the whole pattern, so a top-level `|` would change their scope. */
  alternation(anchored = false): string[] {
    const branches = [this.concat()];
    while (this.src[this.at] === '|') {
      if (anchored) throw new Unsupported();
      this.at++;
      branches.push(this.concat());
    }
    const all = branches.flat();
    if (all.length > MAX_STRINGS) throw new Unsupported();
    return all;
  }

  private concat(): string[] {
    let acc = [''];
    while (this.at < this.src.length && this.src[this.at] !== '|' && this.src[this.at] !== ')') {
      const atom = this.quantified(this.atom());
      if (acc.length * atom.length > MAX_STRINGS) throw new Unsupported();
      acc = acc.flatMap((a) => atom.map((b) => a + b));
    }
    return acc;
  }

  private quantified(atom: string[]): string[] {
    const c = this.src[this.at];
    if (c === '?') {
      this.at++;
      if (this.src[this.at] === '?') this.at++; // lazy: same language
      return ['', ...atom];
    }
    if (c === '{') {
      const m = /^\{(\d)(,(\d)?)?\}/.exec(this.src.slice(this.at));
      if (m === null || (m[2] !== undefined && m[3] === undefined)) throw new Unsupported();
      const min = Number(m[1]);
      const max = m[3] === undefined ? min : Number(m[3]);
      if (max < min || max > 4) throw new Unsupported();
      this.at += m[0].length;
      if (this.src[this.at] === '?') this.at++;
      const out: string[] = [];
      for (let n = min; n <= max; n++) out.push(...repeat(atom, n));
      return out;
    }
    if (c === '*' || c === '+') throw new Unsupported(); // infinite language
    return atom;
  }

  private atom(): string[] {
    const c = this.src[this.at] as string;
    if (c === '(') {
      this.at++;
      if (this.src[this.at] === '?') {
        if (this.src[this.at + 1] !== ':') throw new Unsupported(); // flags, named groups
        this.at += 2;
      }
      const inner = this.alternation();
      if (this.src[this.at] !== ')') throw new Unsupported();
      this.at++;
      return inner;
    }
    if (c === '[') return this.charClass();
    if (c === '\\') {
      const next = this.src[this.at + 1];
      // Only escaped punctuation is a plain character; letters and digits are classes or assertions.
      if (next === undefined || !/^[!-/:-@[-`{-~]$/.test(next)) throw new Unsupported();
      this.at += 2;
      return [next];
    }
    if ('.^$*+?{})|'.includes(c)) throw new Unsupported();
    const cp = this.src.codePointAt(this.at) as number;
    const ch = String.fromCodePoint(cp);
    this.at += ch.length;
    return [ch];
  }

  /** A non-negated class of printable ASCII characters and ranges, e.g. `[0-9a-f_]`. */
  private charClass(): string[] {
    this.at++;
    if (this.src[this.at] === '^' || this.src[this.at] === ']') throw new Unsupported();
    const chars = new Set<string>();
    while (this.src[this.at] !== ']') {
      const c = this.classChar();
      if (this.src[this.at] === '-' && this.src[this.at + 1] !== ']') {
        this.at++;
        const to = this.classChar();
        if (to < c) throw new Unsupported();
        for (let u = c.charCodeAt(0); u <= to.charCodeAt(0); u++) chars.add(String.fromCharCode(u));
      } else chars.add(c);
      if (chars.size > MAX_STRINGS) throw new Unsupported();
    }
    this.at++;
    return [...chars];
  }

  private classChar(): string {
    let c = this.src[this.at];
    if (c === '\\') {
      c = this.src[++this.at];
      if (c === undefined || !/^[!-/:-@[-`{-~]$/.test(c)) throw new Unsupported();
    } else if (c === undefined || c === '[' || !/^[ -~]$/.test(c)) throw new Unsupported();
    this.at++;
    return c;
  }
}

function repeat(atom: readonly string[], n: number): string[] {
  let acc = [''];
  for (let i = 0; i < n; i++) {
    if (acc.length * atom.length > MAX_STRINGS) throw new Unsupported();
    acc = acc.flatMap((a) => atom.map((b) => a + b));
  }
  return acc;
}
