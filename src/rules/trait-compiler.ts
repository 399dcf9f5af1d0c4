/**
 * The event side of trait evaluation: key numbering ({@link KeyTable}), the per-event prepared
 * values ({@link EventValues}: each key's values lower-cased and parsed at most once per event,
 * however many rules look at that key), and predicate tests compiled to closures for the rare
 * paths of the index (`!=` and text-order triggers, ranges over several values) and for
 * `matcheswords` / `matchesregex` in rule programs. Whole rules run as programs (trait-program.ts).
 * Compiled once, at catalog load (STYLE.md §11).
 */
import type { SignalMap } from '../signals/signal-map.js';
import type { PredicateNode } from './trait-ast.js';
import { requiredLiteral } from './regex-prefilter.js';
import { compileRegex } from './trait-regex.js';
import type RE2 from 're2';
import { hashId } from './hash.js';
import { RefBuffer } from './ref-buffer.js';
import { numericValue, PreparedSlot, wordMatcher, type PreparedValues } from './value-compare.js';

/** Signal key → dense id, assigned as rules are compiled. */
export class KeyTable {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  /** The key's id, assigning the next one on first sight. */
  idOf(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(key, id);
      this.names.push(key);
    }
    return id;
  }

  get size(): number {
    return this.names.length;
  }
}

const NO_SIGNALS: SignalMap = new Map();

/**
 * Per-event prepared values by key id; reset with {@link EventValues.reset} for each event.
 *
 * The prepared values sit in a small pool used in event order (the same few objects every event,
 * so they stay in cache), found through a small open-addressing table over key ids that is
 * cleared per event — rather than through a `Map` cleared and refilled per event, or per-key state
 * spread over the catalog's key space (a cold cache line per key).
 */
export class EventValues {
  private signals: SignalMap = NO_SIGNALS;
  /** `[key id + 1 (0 = empty), pool position or -1 (absent key)]` pairs. */
  private table = new Int32Array(2 * 64);
  private mask = 63;
  /** Table slots filled on this event, to clear them on the next. */
  private filled = new RefBuffer(64);
  private readonly pool: PreparedSlot[] = [];
  private used = 0;

  constructor(private readonly keys: KeyTable) {}

  reset(signals: SignalMap): this {
    this.signals = signals;
    this.used = 0;
    const filled = this.filled;
    for (let i = 0; i < filled.length; i++) this.table[2 * (filled.data[i] as number)] = 0;
    filled.clear();
    return this;
  }

  /** Prepared values of key `id`, or `undefined` when the event does not carry the key. */
  get(id: number): PreparedValues | undefined {
    const table = this.table;
    for (let slot = slotOf(id, this.mask); ; slot = (slot + 1) & this.mask) {
      const key = table[2 * slot] as number;
      if (key === 0) return this.prepare(id, this.signals.get(this.keys.names[id] as string));
      if (key === id + 1) {
        const at = table[2 * slot + 1] as number;
        return at < 0 ? undefined : this.pool[at];
      }
    }
  }

  /**
   * Prepares key `id` from values the caller has already looked up (the matcher's pass over the
   * signals). Call once per key and event.
   */
  prepare(id: number, raw: readonly string[] | undefined): PreparedValues | undefined {
    if (2 * (this.filled.length + 1) > this.mask + 1) this.grow();
    if (this.used === this.pool.length) this.pool.push(new PreparedSlot());
    const slotValues = this.pool[this.used] as PreparedSlot;
    const present = slotValues.fill(raw);
    this.insert(id, present ? this.used++ : -1);
    return present ? slotValues : undefined;
  }

  private insert(id: number, at: number): void {
    let slot = slotOf(id, this.mask);
    while (this.table[2 * slot] !== 0) slot = (slot + 1) & this.mask;
    this.table[2 * slot] = id + 1;
    this.table[2 * slot + 1] = at;
    this.filled.push(slot);
  }

  /** Doubles the table (an event with many keys); keeps this event's entries. */
  private grow(): void {
    const old = this.table;
    const slots = this.filled.data.slice(0, this.filled.length);
    this.mask = this.mask * 2 + 1;
    this.table = new Int32Array(2 * (this.mask + 1));
    this.filled.clear();
    for (const slot of slots) this.insert((old[2 * slot] as number) - 1, old[2 * slot + 1] as number);
  }
}

function slotOf(id: number, mask: number): number {
  return hashId(id) & mask;
}

/** A predicate's test over a present key's values ("any value satisfies it"). */
export type ValuesTest = (pv: PreparedValues) => boolean;

/** Test of one predicate against a present key; absent keys are handled by the caller (always false). */
export function compilePredicateTest(pred: PredicateNode): ValuesTest {
  const lit = pred.value.text.toLowerCase();
  const n = numericValue(pred.value.text);
  const numeric = !Number.isNaN(n);
  switch (pred.op) {
    case '==':
      // Equal iff canonical forms are equal (value-compare.ts), so a numeric literal only equals numbers.
      return numeric ? (pv) => pv.num.includes(n) : (pv) => pv.lower.includes(lit);
    case '!=':
      return numeric ? anyNumber((x) => x !== n) : anyLower((x) => x !== lit);
    case '>':
    case '<':
    case '>=':
    case '<=':
      return ordered(ACCEPT[pred.op], numeric, n, lit);
    case 'contains':
      return anyLower((x) => x.includes(lit));
    case 'startswith':
      return anyLower((x) => x.startsWith(lit));
    case 'endswith':
      return anyLower((x) => x.endsWith(lit));
    case 'matcheswords': {
      const words = wordMatcher(lit);
      return words === undefined ? () => false : anyLower((x) => words.test(x));
    }
    case 'matchesregex': {
      // Compiled on first use: the parser has already validated the pattern, and most regex rules
      // are answered by the index (regex set or literal set) without ever running this closure.
      let re: RE2 | undefined;
      const compile = (): RE2 => {
        const compiled = compileRegex(pred.value.text, pred.valuePos);
        if ('error' in compiled) throw new Error(compiled.error.message);
        return compiled.re;
      };
      const literal = requiredLiteral(pred.value.text);
      return anyRaw((x) => (literal === undefined || x.includes(literal)) && (re ??= compile()).test(x));
    }
  }
}

/*
 * "Some value satisfies it", with the per-value test made once at compile time: `pv.lower.some((x)
 * => …)` inside the closure would allocate a function on every evaluation.
 */

function anyLower(test: (x: string) => boolean): ValuesTest {
  return (pv) => {
    for (let i = 0; i < pv.lower.length; i++) if (test(pv.lower[i] as string)) return true;
    return false;
  };
}

function anyRaw(test: (x: string) => boolean): ValuesTest {
  return (pv) => {
    for (let i = 0; i < pv.raw.length; i++) if (test(pv.raw[i] as string)) return true;
    return false;
  };
}

function anyNumber(test: (x: number) => boolean): ValuesTest {
  return (pv) => {
    for (let i = 0; i < pv.num.length; i++) if (test(pv.num[i] as number)) return true;
    return false;
  };
}

/** Accepted signs of `compare(value, literal)` as a bit mask over `sign + 1` (no per-call callbacks on the hot path). */
export const ACCEPT = { '>': 0b100, '<': 0b001, '>=': 0b110, '<=': 0b011 } as const;

function ordered(accept: number, numeric: boolean, n: number, lit: string): ValuesTest {
  const number = numeric ? n : Number.NaN;
  return (pv) => someOrdered(pv, accept, number, lit);
}

/**
 * `>`, `<`, `>=`, `<=` ("some value satisfies it"): numerically when both sides are numbers (`n`
 * not NaN and the value a number), else as lower-cased text. `accept`: bit mask over `sign + 1`.
 */
export function someOrdered(pv: PreparedValues, accept: number, n: number, lit: string): boolean {
  const numeric = !Number.isNaN(n);
  for (let i = 0; i < pv.num.length; i++) {
    const x = pv.num[i] as number;
    let sign: number;
    if (numeric && !Number.isNaN(x)) sign = x < n ? 0 : x > n ? 2 : 1;
    else {
      const s = pv.lower[i] as string;
      sign = s < lit ? 0 : s > lit ? 2 : 1;
    }
    if ((accept & (1 << sign)) !== 0) return true;
  }
  return false;
}
