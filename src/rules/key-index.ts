/**
 * Everything indexed under one signal key, answered by value (docs/rules.md "Index"): per event the
 * key's values find their triggers through hash lookups (`==`), interval stabbing (numeric
 * ranges), one Aho-Corasick pass (`contains`/`startswith`/`endswith`, and the literals that
 * prefilter regexes) and at most one `RE2.Set` call per value — not one test per rule.
 */
import RE2 from 're2';
import type { ValuesTest } from './trait-compiler.js';
import { LiteralAutomaton } from './literal-automaton.js';
import { RangeIndex, type RangeEntry } from './range-index.js';
import type { LiteralMode, Trigger } from './trait-trigger.js';
import type { PreparedValues } from './value-compare.js';

/** Triggers of one key, collected at compile time; {@link KeyIndexBuilder.build} freezes them. */
export class KeyIndexBuilder {
  private readonly eqNum = new Map<number, number[]>();
  private readonly eqText = new Map<string, number[]>();
  private readonly ranges: Array<RangeEntry & { test: ValuesTest }> = [];
  private readonly literals = new Map<string, Array<{ mode: LiteralMode; ref: number }>>();
  private readonly regexes = new Map<string, { literal: string | undefined; refs: number[] }>();
  private readonly rawLiterals = new Map<string, Array<{ mode: RawMode; ref: number }>>();
  private readonly tests: Array<{ ref: number; test: ValuesTest }> = [];

  /** Posts `ref` (packed `rule * 2 + exact`) under the trigger. */
  add(t: Trigger, ref: number): void {
    switch (t.kind) {
      case 'eq':
        push(typeof t.value === 'number' ? this.eqNum : this.eqText, t.value, ref);
        break;
      case 'range':
        this.ranges.push({ ref, lo: t.lo, hi: t.hi, test: t.test });
        break;
      case 'literal':
        push(this.literals, t.literal, { mode: t.mode, ref });
        break;
      case 'regex': {
        if (t.finite !== undefined) {
          for (const literal of t.finite.strings)
            push(this.rawLiterals, literal, { mode: t.finite.mode, ref });
          break;
        }
        const entry = this.regexes.get(t.pattern);
        if (entry === undefined) this.regexes.set(t.pattern, { literal: t.literal, refs: [ref] });
        else entry.refs.push(ref);
        break;
      }
      case 'test':
        this.tests.push({ ref, test: t.test });
        break;
    }
  }

  build(): KeyIndex {
    return new KeyIndex(
      this.eqNum,
      this.eqText,
      this.ranges,
      this.literals,
      this.regexes,
      this.rawLiterals,
      this.tests,
    );
  }
}

/** Immutable per-key index; {@link KeyIndex.collect} pushes the refs whose trigger fires. */
export class KeyIndex {
  private readonly hasEq: boolean;
  private readonly rangeIndex: RangeIndex | undefined;
  /**
   * One automaton over the lower-cased value for both kinds of literal: ids below `textLiterals`
   * are `contains`/`startswith`/`endswith` literals; the others are regexes' required literals,
   * lower-cased — a weaker but still conservative prefilter (a raw value containing an ASCII `L`
   * has a lower-cased form containing `lower(L)`), so each value is scanned once.
   */
  private readonly literalAc: LiteralAutomaton | undefined;
  private readonly textLiterals: number;
  private readonly literalPostings: Array<Array<{ mode: LiteralMode; ref: number }>>;
  private readonly regexSet: ReturnType<typeof RE2.Set> | undefined;
  private readonly regexRefs: number[][];
  /** Some regex has no required literal, so every value must go to the set. */
  private readonly regexUnfiltered: boolean;
  /** Scratch state of one scan (a method-bound callback avoids a closure per value). */
  private scanValue = '';
  private scanOut: number[] = [];
  private regexCandidate = false;
  private readonly onLiteral = (id: number, end: number): void => this.literalHit(id, end);
  /** Finite-language regexes (regex-literals.ts), matched case-sensitively on raw values. */
  private readonly rawAc: LiteralAutomaton | undefined;
  private readonly rawPostings: Array<Array<{ mode: RawMode; ref: number }>>;
  private readonly onRawLiteral = (id: number, end: number): void => {
    const length = (this.rawAc as LiteralAutomaton).lengthOf(id);
    for (const { mode, ref } of this.rawPostings[id] as Array<{ mode: RawMode; ref: number }>)
      if (fits(mode, end - length, end, this.scanValue.length)) this.scanOut.push(ref);
  };

  constructor(
    private readonly eqNum: ReadonlyMap<number, readonly number[]>,
    private readonly eqText: ReadonlyMap<string, readonly number[]>,
    private readonly ranges: ReadonlyArray<RangeEntry & { test: ValuesTest }>,
    literals: ReadonlyMap<string, Array<{ mode: LiteralMode; ref: number }>>,
    regexes: ReadonlyMap<string, { literal: string | undefined; refs: number[] }>,
    rawLiterals: ReadonlyMap<string, Array<{ mode: RawMode; ref: number }>>,
    private readonly tests: ReadonlyArray<{ ref: number; test: ValuesTest }>,
  ) {
    this.hasEq = eqNum.size + eqText.size > 0;
    this.rangeIndex = ranges.length > 0 ? new RangeIndex(ranges) : undefined;
    this.literalPostings = [...literals.values()];
    this.textLiterals = literals.size;
    const patterns = [...regexes.keys()];
    // Same flags as each rule's own RE2 (trait-regex.ts); unanchored = search semantics.
    this.regexSet = patterns.length > 0 ? new RE2.Set(patterns, 'u') : undefined;
    this.regexRefs = [...regexes.values()].map((r) => r.refs);
    // Only ASCII literals: lower-casing is not always character by character (final sigma:
    // "ΑΣ" becomes "ας", so "Σ" in the raw value would not be found as "σ").
    const required = [...regexes.values()].map((r) =>
      r.literal !== undefined && /^[\x20-\x7e]+$/.test(r.literal) ? r.literal.toLowerCase() : undefined,
    );
    this.regexUnfiltered = required.some((l) => l === undefined);
    const prefilter = this.regexUnfiltered ? [] : [...new Set(required as string[])];
    const all = [...literals.keys(), ...prefilter];
    this.literalAc = all.length > 0 ? new LiteralAutomaton(all) : undefined;
    this.rawAc = rawLiterals.size > 0 ? new LiteralAutomaton([...rawLiterals.keys()]) : undefined;
    this.rawPostings = [...rawLiterals.values()];
  }

  /** Pushes onto `out` every ref whose trigger fires for the key's values (duplicates allowed). */
  collect(pv: PreparedValues, out: number[]): void {
    const count = pv.num.length;
    if (this.hasEq) {
      for (let i = 0; i < count; i++) {
        const x = pv.num[i] as number;
        const refs = Number.isNaN(x) ? this.eqText.get(pv.lower[i] as string) : this.eqNum.get(x);
        if (refs !== undefined) for (let k = 0; k < refs.length; k++) out.push(refs[k] as number);
      }
    }
    if (this.rangeIndex !== undefined) {
      const x = pv.num[0] as number;
      // One numeric value: a range's bounds hold iff the value is inside it. Otherwise (several
      // values, or text compared as text) each bound may be met by a different value: test them.
      if (count === 1 && !Number.isNaN(x)) this.rangeIndex.stab(x, out);
      else for (const r of this.ranges) if (r.test(pv)) out.push(r.ref);
    }
    if (this.literalAc !== undefined) {
      this.scanOut = out;
      for (let i = 0; i < count; i++) {
        this.scanValue = pv.lower[i] as string;
        this.regexCandidate = this.regexUnfiltered;
        this.literalAc.scan(this.scanValue, this.onLiteral);
        // One native call answers every regex of the key for this value.
        if (this.regexCandidate && this.regexSet !== undefined) this.matchRegexes(pv.raw[i] as string, out);
      }
    } else if (this.regexSet !== undefined) {
      for (let i = 0; i < count; i++) this.matchRegexes(pv.raw[i] as string, out);
    }
    if (this.rawAc !== undefined) {
      this.scanOut = out;
      for (let i = 0; i < count; i++) {
        this.scanValue = pv.raw[i] as string;
        this.rawAc.scan(this.scanValue, this.onRawLiteral);
      }
    }
    for (const { ref, test } of this.tests) if (test(pv)) out.push(ref);
  }

  private matchRegexes(raw: string, out: number[]): void {
    for (const p of (this.regexSet as ReturnType<typeof RE2.Set>).match(raw)) {
      const refs = this.regexRefs[p] as number[];
      for (let k = 0; k < refs.length; k++) out.push(refs[k] as number);
    }
  }

  private literalHit(id: number, end: number): void {
    if (id >= this.textLiterals) {
      this.regexCandidate = true;
      return;
    }
    const length = (this.literalAc as LiteralAutomaton).lengthOf(id);
    for (const { mode, ref } of this.literalPostings[id] as Array<{ mode: LiteralMode; ref: number }>)
      if (fits(mode, end - length, end, this.scanValue.length)) this.scanOut.push(ref);
  }
}

/** Where a literal must sit in the value; `equals` is used by finite-language regexes. */
type RawMode = LiteralMode | 'equals';

/**
 * Whether an occurrence at [start, end) of a value of length `size` satisfies `mode`. An empty
 * literal is reported once, at [0, 0): it is a substring, prefix and suffix of every value, and
 * equal only to the empty value.
 */
function fits(mode: RawMode, start: number, end: number, size: number): boolean {
  if (start === end) return mode !== 'equals' || size === 0;
  switch (mode) {
    case 'contains':
      return true;
    case 'startswith':
      return start === 0;
    case 'endswith':
      return end === size;
    case 'equals':
      return start === 0 && end === size;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
