/**
 * The equality triggers of one key — `k == "text"` (lower-cased), `k == 5` (by number) and finite
 * regexes whose language is a set of whole raw values (`^(red|blue)-2[0-9]$`, case-sensitive) — as
 * a small open-addressing table laid out in the key's stretch of the shared arena (key-index.ts),
 * next to its automaton and ranges.
 *
 * Why: per event each key's structures are read cold, and on this kind of machine (a VM, small
 * pages) a read on a page not touched recently costs a TLB walk as well as a cache miss. A `Map`
 * per key read its object, table, entry, key string and posting array; one catalog-wide table
 * still read a page of its own, the array of stored values and the value's string. Here a lookup
 * reads the key's table and entry, stored values included (their UTF-16 units, two per int), in
 * the same few lines as the rest of the key.
 *
 * Layout at `base`: [mask, then `mask + 1` slots of (hash, entry offset or 0)], then the entries:
 * [kind, length, count, refs…, value], the value being a string's units or a number's two 32-bit
 * halves (-0 stored as 0, since `-0 == 0`).
 */
import type { ArenaBuilder } from './arena.js';
import { hashString, mix } from './hash.js';
import type { RefBuffer } from './ref-buffer.js';

/** How a stored value is compared with the event's value. */
export const EqKind = { text: 0, raw: 1, number: 2 } as const;
export type EqKind = (typeof EqKind)[keyof typeof EqKind];

/** Scratch for reading a number's bits. */
const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/** One key's equality triggers, collected at compile time. */
export class EqualityTableBuilder {
  private readonly entries = new Map<string, { kind: EqKind; value: string | number; refs: number[] }>();

  get size(): number {
    return this.entries.size;
  }

  /** Posts `ref` under `key == value`. */
  add(kind: EqKind, value: string | number, ref: number): void {
    const id = `${kind}\u0000${String(value)}`;
    const entry = this.entries.get(id);
    if (entry === undefined) this.entries.set(id, { kind, value, refs: [ref] });
    else entry.refs.push(ref);
  }

  /** Lays the table out at the end of `arena`; returns its base. */
  write(arena: ArenaBuilder): number {
    const data = arena.data;
    const base = data.length;
    let capacity = 4;
    while (capacity * 2 < this.entries.size * 3) capacity *= 2; // load factor ≤ 2/3
    data.push(capacity - 1);
    for (let i = 0; i < 2 * capacity; i++) data.push(0);
    for (const e of this.entries.values()) {
      const hash = typeof e.value === 'number' ? hashNumber(e.value) : hashString(e.value);
      let slot = hash & (capacity - 1);
      while (data[base + 2 + 2 * slot] !== 0) slot = (slot + 1) & (capacity - 1);
      data[base + 1 + 2 * slot] = hash;
      data[base + 2 + 2 * slot] = data.length;
      const length = typeof e.value === 'string' ? e.value.length : 0;
      data.push(e.kind, length, e.refs.length, ...e.refs);
      if (typeof e.value === 'number') {
        f64[0] = e.value + 0;
        data.push(i32[0] as number, i32[1] as number);
      } else for (let i = 0; i < length; i += 2) data.push(units(e.value, i));
    }
    return base;
  }
}

/** Every key's equality tables, over the frozen arena. */
export class EqualityTables {
  constructor(private readonly data: Int32Array) {}

  /**
   * Pushes the refs posted under `key == lower` (text entries, when `text`) and `key == raw` (raw
   * entries, when `raw`) for the table at `base`. Both kinds hash the string alone, so when the
   * value is already lower case — the usual case — one probe answers both.
   */
  collectStrings(
    base: number,
    lower: string,
    rawValue: string,
    text: boolean,
    raw: boolean,
    out: RefBuffer,
  ): void {
    if (lower === rawValue) {
      this.probeString(base, lower, text, raw, out);
      return;
    }
    if (text) this.probeString(base, lower, true, false, out);
    if (raw) this.probeString(base, rawValue, false, true, out);
  }

  /** Pushes the refs posted under `key == x` for a number `x` (not NaN). */
  collectNumber(base: number, x: number, out: RefBuffer): void {
    const data = this.data;
    const hash = hashNumber(x); // leaves x's halves in i32
    const mask = data[base] as number;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = data[base + 2 + 2 * slot] as number;
      if (entry === 0) return;
      if (data[base + 1 + 2 * slot] !== hash || data[entry] !== EqKind.number) continue;
      const value = entry + 3 + (data[entry + 2] as number);
      if (data[value] === i32[0] && data[value + 1] === i32[1]) {
        this.push(entry, out);
        return;
      }
    }
  }

  /** Reads the slot where a lookup of `x` (a number, else NaN) or else of `text` starts (see `KeyIndexes.warm`). */
  warm(base: number, x: number, text: string): number {
    const data = this.data;
    const hash = Number.isNaN(x) ? hashString(text) : hashNumber(x);
    return data[base + 2 + 2 * (hash & (data[base] as number))] as number;
  }

  /** Walks the probe run of `value`, pushing the text and/or raw entries equal to it. */
  private probeString(base: number, value: string, text: boolean, raw: boolean, out: RefBuffer): void {
    const data = this.data;
    const hash = hashString(value);
    const mask = data[base] as number;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = data[base + 2 + 2 * slot] as number;
      if (entry === 0) return;
      if (data[base + 1 + 2 * slot] !== hash) continue;
      const kind = data[entry] as number;
      if (((kind === EqKind.text && text) || (kind === EqKind.raw && raw)) && this.equals(entry, value))
        this.push(entry, out);
    }
  }

  /** Whether the string entry at `entry` holds `value`. */
  private equals(entry: number, value: string): boolean {
    const data = this.data;
    if (data[entry + 1] !== value.length) return false;
    const at = entry + 3 + (data[entry + 2] as number);
    for (let i = 0; i < value.length; i += 2) if (data[at + (i >> 1)] !== units(value, i)) return false;
    return true;
  }

  private push(entry: number, out: RefBuffer): void {
    out.pushRange(this.data, entry + 3, entry + 3 + (this.data[entry + 2] as number));
  }
}

/** UTF-16 units `i` and `i + 1` of `s` as one int (the second 0 past the end). */
function units(s: string, i: number): number {
  return s.charCodeAt(i) | (i + 1 < s.length ? s.charCodeAt(i + 1) << 16 : 0);
}

/** Hash of a number by its bits; leaves them in `i32` for the comparison. */
function hashNumber(x: number): number {
  f64[0] = x + 0; // -0 + 0 is +0: equal numbers, equal bits
  return mix(Math.imul(i32[0] as number, 0x85ebca6b) ^ (i32[1] as number));
}
