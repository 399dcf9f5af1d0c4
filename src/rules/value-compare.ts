/**
 * Value semantics shared by the compiled trait closures and the index (docs/rules.md "Semantics").
 * AAM §5.4: numeric comparison when both sides are numbers, otherwise case-insensitive string
 * comparison ("profile/key-value data is generally not case-sensitive").
 */

/** A decimal number as AAM writes them (`2093`, `1.00`, `-5`, `.5`); no exponent, no spaces. */
export const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * `Number(text)` when `text` matches {@link NUMBER_RE}, else `NaN`. A hand-written scan of the
 * same grammar: it runs for every value of every event, where the regex was a visible cost
 * (property-tested against `NUMBER_RE`).
 */
export function numericValue(text: string): number {
  let i = 0;
  const n = text.length;
  let c = n > 0 ? text.charCodeAt(0) : 0;
  if (c === 0x2b || c === 0x2d) c = ++i < n ? text.charCodeAt(i) : 0; // + -
  let digits = 0;
  while (i < n && c >= 0x30 && c <= 0x39) {
    digits++;
    c = ++i < n ? text.charCodeAt(i) : 0;
  }
  if (i < n && c === 0x2e) {
    c = ++i < n ? text.charCodeAt(i) : 0;
    while (i < n && c >= 0x30 && c <= 0x39) {
      digits++;
      c = ++i < n ? text.charCodeAt(i) : 0;
    }
  }
  // `digits` counts both sides of the point: "1.", ".5" and "1.5" qualify, "." and "" do not.
  return i === n && digits > 0 ? Number(text) : Number.NaN;
}

/** One key's values on an event, prepared once per event and shared by every predicate on that key. */
export interface PreparedValues {
  readonly raw: readonly string[];
  readonly lower: readonly string[];
  /** Numeric value per position, `NaN` where the value is not a number. */
  readonly num: readonly number[];
}

/**
 * Reusable {@link PreparedValues}: one per key, refilled on each event, so preparing values
 * allocates only the lower-cased strings (three objects per key and event before).
 */
export class PreparedSlot implements PreparedValues {
  raw: readonly string[] = [];
  readonly lower: string[] = [];
  readonly num: number[] = [];

  /** Prepares `raw`; false for an absent key or an empty value list (treated as absent). */
  fill(raw: readonly string[] | undefined): boolean {
    if (raw === undefined || raw.length === 0) return false;
    this.raw = raw;
    const lower = this.lower;
    const num = this.num;
    // Refill in place when the count is the same (almost always 1 value); otherwise truncate and
    // push. Never `length = n`: that makes the arrays holey, and reading a holey double array boxes
    // every value it returns (a heap number per text value, for its NaN).
    if (lower.length !== raw.length) {
      lower.length = 0;
      num.length = 0;
      for (let i = 0; i < raw.length; i++) {
        const v = raw[i] as string;
        lower.push(lowerCased(v));
        num.push(numericValue(v));
      }
      return true;
    }
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i] as string;
      lower[i] = lowerCased(v);
      num[i] = numericValue(v);
    }
    return true;
  }
}

/**
 * `text.toLowerCase()`, without allocating a copy when the text has no upper-case ASCII letter and
 * no non-ASCII character (the usual signal value): `toLowerCase` always returns a new string.
 */
export function lowerCased(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if ((unit >= 0x41 && unit <= 0x5a) || unit >= 0x80) return text.toLowerCase();
  }
  return text;
}

/**
 * Whole-word matcher for `matcheswords` (AAM leaves the meaning open, §5.4 [AMBIGUOUS]): the
 * literal must occur with no letter, digit or `_` immediately before or after it. Built from the
 * escaped literal, so the pattern has no user-controlled repetition and runs in linear time.
 */
export function wordMatcher(literalLower: string): RegExp | undefined {
  if (literalLower.length === 0) return undefined;
  const escaped = literalLower.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'u');
}
