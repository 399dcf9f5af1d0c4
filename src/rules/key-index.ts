/**
 * The trigger index of every signal key, answered by value (docs/rules.md "Index"): per event a
 * key's values find their triggers through hash lookups (`==`, and finite regexes that are a set of
 * whole values), interval stabbing (numeric ranges), one Aho-Corasick pass (`contains`/
 * `startswith`/`endswith`, and the literals that prefilter regexes) and at most one `RE2.Set` call
 * per value — not one test per rule.
 *
 * Layout, and why: per event each of the ~20 keys is looked up once and its structures are cold
 * in cache (the rest of the request has run since), so the cost is the number of cache lines —
 * and pages — read. So the key table (each key's slot holds its flags and offsets) is one typed
 * array, and each key's common structures — its automata (literal-automaton.ts), equality table
 * (equality-index.ts) and materialised ranges (range-index.ts) — are laid out one after the other
 * in one shared arena (arena.ts), found by offset, not through objects. What is rare (regex
 * sets, `!=` and text-order tests, several values on a range key, ranges too overlapping to
 * materialise) stays in a per-key {@link RareTriggers} object.
 */
import RE2 from 're2';
import { ArenaBuilder } from './arena.js';
import { EqKind, EqualityTableBuilder, EqualityTables } from './equality-index.js';
import { hashString } from './hash.js';
import { AutomatonPackBuilder, Place, type AutomatonPack, type LiteralPosting } from './literal-automaton.js';
import { RangeIndex, RangePackBuilder, type RangeEntry, type RangePack } from './range-index.js';
import type { RefBuffer } from './ref-buffer.js';
import type { ValuesTest } from './trait-compiler.js';
import type { Trigger } from './trait-trigger.js';
import type { PreparedValues } from './value-compare.js';

/**
 * The key table: one 64-byte slot per key with triggers, found by hashing the key's characters —
 * the lookup and the key's header in one cache line, where a `Map` from key to id and a header
 * array read four. Slot fields (int32): the hash, key id + 1 (0 = empty slot), the key's length,
 * the flags, the offsets of the text automaton, the raw automaton, the materialised ranges and the
 * equality table, and the key's first {@link INLINE_UNITS} UTF-16 units, two per int, to compare
 * the key in place (a longer key is compared with its name).
 */
const SLOT = 16;
const HASH = 0;
const ID = 1;
const LENGTH = 2;
const FLAGS = 3;
const TEXT_AC = 4;
const RAW_AC = 5;
const RANGES = 6;
const EQUALS = 7;
const UNITS = 8;
const INLINE_UNITS = 16;

/** Key flags. */
const EQ_TEXT = 1;
const EQ_NUMBER = 2;
const EQ_RAW = 4;
const HAS_TEXT_AC = 8;
const HAS_RAW_AC = 16;
const HAS_RANGES = 32;
const HAS_REGEX_SET = 64;
const HAS_TESTS = 128;

/** Triggers of one key as compiled; {@link KeyIndexesBuilder.build} lays them out. */
interface KeyTriggers {
  eqKinds: Set<EqKind>;
  equalities: EqualityTableBuilder;
  ranges: Array<RangeEntry & { test: ValuesTest }>;
  /** `contains`/`startswith`/`endswith` on lower-cased values. */
  literals: LiteralPosting[];
  /** Regexes the index cannot expand, by pattern, with a literal every match contains. */
  regexes: Map<string, { literal: string | undefined; refs: number[] }>;
  /** Finite-language regexes other than whole values (regex-literals.ts), on raw values. */
  rawLiterals: LiteralPosting[];
  tests: Array<{ ref: number; test: ValuesTest }>;
}

/** Collects every key's triggers at compile time. */
export class KeyIndexesBuilder {
  private readonly keys = new Map<number, KeyTriggers>();

  /** Posts `ref` (packed `rule * 2 + exact`) under the trigger, on key `keyId`. */
  add(keyId: number, t: Trigger, ref: number): void {
    const key = this.triggersOf(keyId);
    switch (t.kind) {
      case 'eq': {
        const kind = typeof t.value === 'number' ? EqKind.number : EqKind.text;
        key.eqKinds.add(kind);
        key.equalities.add(kind, t.value, ref);
        break;
      }
      case 'range':
        key.ranges.push({ ref, lo: t.lo, hi: t.hi, test: t.test });
        break;
      case 'literal':
        key.literals.push({ literal: t.literal, place: Place[t.mode], ref });
        break;
      case 'regex': {
        if (t.finite !== undefined) {
          const mode = t.finite.mode;
          for (const literal of t.finite.strings) {
            if (mode === 'equals') {
              key.eqKinds.add(EqKind.raw);
              key.equalities.add(EqKind.raw, literal, ref);
            } else key.rawLiterals.push({ literal, place: Place[mode], ref });
          }
          break;
        }
        const entry = key.regexes.get(t.pattern);
        if (entry === undefined) key.regexes.set(t.pattern, { literal: t.literal, refs: [ref] });
        else entry.refs.push(ref);
        break;
      }
      case 'test':
        key.tests.push({ ref, test: t.test });
        break;
    }
  }

  /** Lays out the index; `names[id]` is the key of id `id`. */
  build(names: readonly string[]): KeyIndexes {
    let capacity = 16;
    while (capacity < this.keys.size * 2) capacity *= 2; // load factor ≤ 1/2: short probe runs
    const slots = new Int32Array(capacity * SLOT);
    const arena = new ArenaBuilder();
    const layout = { arena, automata: new AutomatonPackBuilder(arena), ranges: new RangePackBuilder(arena) };
    const rare: Array<RareTriggers | undefined> = new Array<RareTriggers | undefined>(names.length);
    for (const [keyId, key] of this.keys) {
      const at = placeKey(slots, names[keyId] as string, keyId);
      rare[keyId] = layOut(key, slots, at, layout);
    }
    const data = arena.freeze();
    const automata = layout.automata.build(data);
    return new KeyIndexes(slots, names, new EqualityTables(data), automata, layout.ranges.build(data), rare);
  }

  private triggersOf(keyId: number): KeyTriggers {
    let key = this.keys.get(keyId);
    if (key === undefined) {
      key = {
        eqKinds: new Set(),
        equalities: new EqualityTableBuilder(),
        ranges: [],
        literals: [],
        regexes: new Map(),
        rawLiterals: [],
        tests: [],
      };
      this.keys.set(keyId, key);
    }
    return key;
  }
}

/** Takes a free slot of the key table for key `name`; returns its offset. */
function placeKey(slots: Int32Array, name: string, keyId: number): number {
  const mask = slots.length / SLOT - 1;
  const hash = hashString(name);
  let slot = hash & mask;
  while (slots[slot * SLOT + ID] !== 0) slot = (slot + 1) & mask;
  const at = slot * SLOT;
  slots[at + HASH] = hash;
  slots[at + ID] = keyId + 1;
  slots[at + LENGTH] = name.length;
  for (let i = 0; i < Math.min(name.length, INLINE_UNITS); i++)
    slots[at + UNITS + (i >> 1)] =
      (slots[at + UNITS + (i >> 1)] as number) | (name.charCodeAt(i) << ((i & 1) * 16));
  return at;
}

/**
 * Lays a key's structures out one after the other in the arena and fills its slot's flags and
 * offsets; returns its rare triggers, if any.
 */
function layOut(
  key: KeyTriggers,
  slots: Int32Array,
  at: number,
  layout: { arena: ArenaBuilder; automata: AutomatonPackBuilder; ranges: RangePackBuilder },
): RareTriggers | undefined {
  let flags = 0;
  if (key.eqKinds.has(EqKind.text)) flags |= EQ_TEXT;
  if (key.eqKinds.has(EqKind.number)) flags |= EQ_NUMBER;
  if (key.eqKinds.has(EqKind.raw)) flags |= EQ_RAW;
  if (key.equalities.size > 0) slots[at + EQUALS] = key.equalities.write(layout.arena);
  const regexes = key.regexes.size > 0 ? new RegexSet(key.regexes) : undefined;
  const textPostings = [...key.literals, ...(regexes?.prefilterPostings() ?? [])];
  if (textPostings.length > 0) {
    flags |= HAS_TEXT_AC;
    slots[at + TEXT_AC] = layout.automata.add(textPostings);
  }
  if (key.rawLiterals.length > 0) {
    flags |= HAS_RAW_AC;
    slots[at + RAW_AC] = layout.automata.add(key.rawLiterals);
  }
  let tree: RangeIndex | undefined;
  if (key.ranges.length > 0) {
    flags |= HAS_RANGES;
    slots[at + RANGES] = layout.ranges.add(key.ranges);
    if (slots[at + RANGES] === -1) tree = new RangeIndex(key.ranges); // too overlapping to materialise
  }
  if (regexes !== undefined) flags |= HAS_REGEX_SET;
  if (key.tests.length > 0) flags |= HAS_TESTS;
  slots[at + FLAGS] = flags;
  const rare = key.ranges.length > 0 || regexes !== undefined || key.tests.length > 0;
  return rare ? new RareTriggers(key.ranges, tree, regexes, key.tests) : undefined;
}

/** The frozen index of every key; {@link KeyIndexes.collect} pushes the refs whose trigger fires. */
export class KeyIndexes {
  private readonly mask: number;

  constructor(
    private readonly slots: Int32Array,
    private readonly names: readonly string[],
    private readonly equality: EqualityTables,
    private readonly automata: AutomatonPack,
    private readonly ranges: RangePack,
    private readonly rare: ReadonlyArray<RareTriggers | undefined>,
  ) {
    this.mask = slots.length / SLOT - 1;
  }

  /** The slot of `key`, or -1 when no trigger is on that key (a key only rule programs read has none). */
  find(key: string): number {
    return this.findHashed(key, hashString(key));
  }

  /** Reads the slot where a lookup of a key of hash `hash` starts (see {@link warm}). */
  warmSlot(hash: number): number {
    return this.slots[(hash & this.mask) * SLOT + HASH] as number;
  }

  /** {@link find} with the key's {@link hashString} already computed. */
  findHashed(key: string, hash: number): number {
    const slots = this.slots;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * SLOT;
      if (slots[at + ID] === 0) return -1;
      if (slots[at + HASH] === hash && slots[at + LENGTH] === key.length && this.sameKey(at, key)) return at;
    }
  }

  /** The key id of the slot at `at`. */
  keyIdAt(at: number): number {
    return (this.slots[at + ID] as number) - 1;
  }

  /** Pushes onto `out` every ref whose trigger on the key of slot `at` fires for its values (duplicates allowed). */
  collect(at: number, pv: PreparedValues, out: RefBuffer): void {
    const slots = this.slots;
    const flags = slots[at + FLAGS] as number;
    const keyId = (slots[at + ID] as number) - 1;
    const count = pv.num.length;
    if ((flags & (EQ_TEXT | EQ_NUMBER | EQ_RAW)) !== 0)
      this.collectEquals(slots[at + EQUALS] as number, flags, pv, out);
    if ((flags & HAS_RANGES) !== 0) {
      const x = pv.num[0] as number;
      const base = slots[at + RANGES] as number;
      // One numeric value: a range's bounds hold iff the value is inside it. Otherwise (several
      // values, or text compared as text) each bound may be met by a different value: test them.
      if (count !== 1 || Number.isNaN(x)) (this.rare[keyId] as RareTriggers).testRanges(pv, out);
      else if (base >= 0) this.ranges.stab(base, x, out);
      else (this.rare[keyId] as RareTriggers).stabTree(x, out);
    }
    if ((flags & HAS_TEXT_AC) !== 0) {
      const base = slots[at + TEXT_AC] as number;
      for (let i = 0; i < count; i++) {
        const prefiltered = this.automata.scan(base, pv.lower[i] as string, out);
        if ((flags & HAS_REGEX_SET) !== 0)
          (this.rare[keyId] as RareTriggers).matchRegexes(pv.raw[i] as string, prefiltered, out);
      }
    } else if ((flags & HAS_REGEX_SET) !== 0) {
      for (let i = 0; i < count; i++)
        (this.rare[keyId] as RareTriggers).matchRegexes(pv.raw[i] as string, false, out);
    }
    if ((flags & HAS_RAW_AC) !== 0) {
      const base = slots[at + RAW_AC] as number;
      for (let i = 0; i < count; i++) this.automata.scan(base, pv.raw[i] as string, out);
    }
    if ((flags & HAS_TESTS) !== 0) (this.rare[keyId] as RareTriggers).runTests(pv, out);
  }

  /**
   * Reads the first word of each of the key's structures, and returns a sum of what it read (a
   * caller stores it, so the loads stay). The matcher runs this over all of an event's keys in
   * one tight loop before collecting any of them: the keys' structures are cold, each on a page
   * the TLB has usually dropped since the last event, and a loop this short lets the CPU have the
   * misses of many keys in flight at once instead of taking them one key after the other
   * (docs/rules.md "Performance").
   */
  warm(at: number): number {
    const slots = this.slots;
    const data = this.automata.arena;
    return (
      (data[slots[at + EQUALS] as number] as number) +
      (data[slots[at + TEXT_AC] as number] as number) +
      (data[(slots[at + RANGES] as number) & 0x7fffffff] as number)
    );
  }

  /**
   * The same for the lines {@link collect} reads first for the key's first value: its equality
   * slot, its range list and its automaton's root row and first column.
   */
  warmValue(at: number, pv: PreparedValues): number {
    const slots = this.slots;
    const flags = slots[at + FLAGS] as number;
    const x = pv.num[0] as number;
    const lower = pv.lower[0] as string;
    let sum = 0;
    if ((flags & (EQ_TEXT | EQ_NUMBER | EQ_RAW)) !== 0)
      sum += this.equality.warm(slots[at + EQUALS] as number, x, lower);
    if ((flags & HAS_RANGES) !== 0 && !Number.isNaN(x)) {
      const base = slots[at + RANGES] as number;
      if (base >= 0) sum += this.ranges.warm(base, x);
    }
    if ((flags & HAS_TEXT_AC) !== 0) sum += this.automata.warm(slots[at + TEXT_AC] as number, lower);
    return sum;
  }

  /** Whether the slot at `at` holds `key` (same hash and length already checked). */
  private sameKey(at: number, key: string): boolean {
    if (key.length > INLINE_UNITS) return this.names[(this.slots[at + ID] as number) - 1] === key;
    const slots = this.slots;
    for (let i = 0; i < key.length; i += 2) {
      const high = i + 1 < key.length ? key.charCodeAt(i + 1) << 16 : 0;
      if ((slots[at + UNITS + (i >> 1)] as number) !== (key.charCodeAt(i) | high)) return false;
    }
    return true;
  }

  /** `==`: numbers by value, other text lower-cased (value-compare.ts); finite regexes by raw value. */
  private collectEquals(base: number, flags: number, pv: PreparedValues, out: RefBuffer): void {
    const raw = (flags & EQ_RAW) !== 0;
    for (let i = 0; i < pv.num.length; i++) {
      const x = pv.num[i] as number;
      const numeric = !Number.isNaN(x);
      if (numeric && (flags & EQ_NUMBER) !== 0) this.equality.collectNumber(base, x, out);
      // A number never equals a text literal; the raw entries (finite regexes) see every value.
      const text = !numeric && (flags & EQ_TEXT) !== 0;
      if (text || raw)
        this.equality.collectStrings(base, pv.lower[i] as string, pv.raw[i] as string, text, raw, out);
    }
  }
}

/** The triggers of a key that are rare on the hot path, kept out of the shared arrays. */
class RareTriggers {
  constructor(
    private readonly ranges: ReadonlyArray<RangeEntry & { test: ValuesTest }>,
    private readonly tree: RangeIndex | undefined,
    private readonly regexes: RegexSet | undefined,
    private readonly tests: ReadonlyArray<{ ref: number; test: ValuesTest }>,
  ) {}

  /** Ranges on several values or on text: each range's own test. */
  testRanges(pv: PreparedValues, out: RefBuffer): void {
    for (const r of this.ranges) if (r.test(pv)) out.push(r.ref);
  }

  /** Ranges that overlap too much to be materialised. */
  stabTree(x: number, out: RefBuffer): void {
    (this.tree as RangeIndex).stab(x, out);
  }

  matchRegexes(raw: string, prefiltered: boolean, out: RefBuffer): void {
    this.regexes?.match(raw, prefiltered, out);
  }

  runTests(pv: PreparedValues, out: RefBuffer): void {
    for (const { ref, test } of this.tests) if (test(pv)) out.push(ref);
  }
}

/**
 * The regexes of a key that the index cannot expand to literals, in one `RE2.Set`: one native call
 * answers all of them for a value. It is called only for values that contain one of the regexes'
 * required literals (found by the key's text automaton), unless some regex has none.
 */
class RegexSet {
  private readonly set: ReturnType<typeof RE2.Set>;
  private readonly refs: Int32Array[];
  /** Lower-cased required literals, one per regex, or `undefined` where a regex has none usable. */
  private readonly required: Array<string | undefined>;
  /** Some regex has no usable required literal, so every value must go to the set. */
  private readonly unfiltered: boolean;

  constructor(regexes: ReadonlyMap<string, { literal: string | undefined; refs: number[] }>) {
    // Same flags as each rule's own RE2 (trait-regex.ts); unanchored = search semantics.
    this.set = new RE2.Set([...regexes.keys()], 'u');
    this.refs = [...regexes.values()].map((r) => Int32Array.from(r.refs));
    // Only ASCII literals: lower-casing is not always character by character (final sigma:
    // "ΑΣ" becomes "ας", so "Σ" in the raw value would not be found as "σ"). A raw value containing
    // an ASCII literal L has a lower-cased form containing lower(L): a conservative prefilter.
    this.required = [...regexes.values()].map((r) =>
      r.literal !== undefined && /^[\x20-\x7e]+$/.test(r.literal) ? r.literal.toLowerCase() : undefined,
    );
    this.unfiltered = this.required.some((l) => l === undefined);
  }

  /** Prefilter postings for the key's text automaton (none when some regex is unfiltered). */
  prefilterPostings(): LiteralPosting[] {
    if (this.unfiltered) return [];
    return [...new Set(this.required as string[])].map((literal) => ({
      literal,
      place: Place.prefilter,
      ref: 0,
    }));
  }

  /** Pushes the refs of the regexes matching `raw`; `prefiltered`: the value contains a required literal. */
  match(raw: string, prefiltered: boolean, out: RefBuffer): void {
    if (!prefiltered && !this.unfiltered) return;
    for (const p of this.set.match(raw)) out.pushAll(this.refs[p] as Int32Array);
  }
}
