/**
 * TraitMatcher: the compiled trait catalog plus its index (ARCHITECTURE.md "Hot-path rules").
 * Per event the cost is one key-table lookup per signal key, then per value a lookup in that
 * key's index (key-index.ts: hash, interval, literal automaton, regex set), and the programs of
 * the candidates whose trigger does not prove them (trait-program.ts) — not a pass over the
 * catalog, nor over the rules of a key. Choice of index: docs/rules.md "Index".
 */
import type { SignalMap } from '../signals/signal-map.js';
import type { RuleError, TraitRuleInput } from './index.js';
import { hashString } from './hash.js';
import { KeyIndexesBuilder } from './key-index.js';
import { RefBuffer } from './ref-buffer.js';
import { EventValues, KeyTable } from './trait-compiler.js';
import type { TraitNode } from './trait-ast.js';
import { parseTraitRule } from './trait-parser.js';
import { TraitProgramBuilder } from './trait-program.js';
import { triggersOf } from './trait-trigger.js';
import type { PreparedValues } from './value-compare.js';

const NO_VALUES: readonly string[] = [];
/** Where the matcher stores the sum of the words `warm` read, so that the loads are not optimised away. */
const warmed = { sum: 0 };

/** Compiled trait rules and the key → candidate index over them. */
export class TraitMatcher {
  /** Every key a rule reads, numbered; programs and indexes address keys by these ids. */
  private readonly keys = new KeyTable();
  private indexes = new KeyIndexesBuilder().build([]);
  /** Rules that can hold without any indexed key (only NOT, or OR with a NOT branch), ascending. */
  private alwaysCheck = new Int32Array(0);
  /** Per rule, in ascending sid order (so ascending rule numbers give ascending sids). */
  private sids = new Float64Array(0);
  private readonly dataSources: number[] = [];
  /** Per rule, the offset of its program in `programs`. */
  private pcs = new Int32Array(0);
  private programs = new TraitProgramBuilder(new KeyTable()).build();
  private readonly values = new EventValues(this.keys);
  /** Refs fired by the event's keys, and the rules that matched: reused across events. */
  private readonly fired = new RefBuffer(256);
  private readonly matched = new RefBuffer(64);
  /** This event's keys (their hashes, then their key-table slots) and values, reused across events. */
  private located = 0;
  private ats = new Int32Array(64);
  private readonly keysSeen: string[] = [];
  private readonly raws: Array<readonly string[]> = [];
  private readonly prepared: Array<PreparedValues | undefined> = [];
  /** Lists one signal key and its hash (a bound field: `signals.forEach` allocates nothing). */
  private readonly listSignal = (raw: readonly string[], key: string): void => {
    if (this.located === this.ats.length) {
      const grown = new Int32Array(2 * this.ats.length);
      grown.set(this.ats);
      this.ats = grown;
    }
    this.ats[this.located] = hashString(key);
    this.keysSeen[this.located] = key;
    this.raws[this.located++] = raw;
  };

  private constructor() {}

  /** Compiles every rule; rules that fail to compile are reported in `errors` and left out. */
  static compile(traits: readonly TraitRuleInput[]): {
    matcher: TraitMatcher;
    errors: Array<{ sid: number; error: RuleError }>;
  } {
    const matcher = new TraitMatcher();
    const errors: Array<{ sid: number; error: RuleError }> = [];
    const parsed: Array<{ trait: TraitRuleInput; ast: TraitNode }> = [];
    for (const trait of traits) {
      const ast = parseTraitRule(trait.rule);
      if ('type' in ast) parsed.push({ trait, ast });
      else errors.push({ sid: trait.sid, error: ast });
    }
    parsed.sort((a, b) => a.trait.sid - b.trait.sid);
    const indexes = new KeyIndexesBuilder();
    const alwaysCheck: number[] = [];
    const programs = new TraitProgramBuilder(matcher.keys);
    const pcs: number[] = [];
    parsed.forEach(({ trait, ast }, rule) => {
      matcher.dataSources.push(trait.dataSourceId);
      pcs.push(programs.add(ast));
      const triggers = triggersOf(ast);
      if (triggers === undefined) alwaysCheck.push(rule);
      else for (const t of triggers) indexes.add(matcher.keys.idOf(t.key), t, rule * 2 + (t.exact ? 1 : 0));
    });
    matcher.sids = Float64Array.from(parsed, (p) => p.trait.sid);
    matcher.pcs = Int32Array.from(pcs);
    matcher.programs = programs.build();
    matcher.indexes = indexes.build(matcher.keys.names);
    matcher.alwaysCheck = Int32Array.from(alwaysCheck);
    return { matcher, errors };
  }

  /** Number of compiled rules. */
  get size(): number {
    return this.sids.length;
  }

  /** Trait sids whose rule holds for these signals (ascending); only traits of `onlyDataSourceId` when given (d_tdpid). */
  match(signals: SignalMap, onlyDataSourceId?: number): number[] {
    const ev = this.values.reset(signals);
    const only = onlyDataSourceId ?? -1;
    const fired = this.fired;
    fired.clear();
    this.collect(signals);
    // Sorting the fired refs puts a rule's refs side by side (inexact `2r` before exact `2r + 1`)
    // and the rules in ascending order: each is considered once, with no per-rule "seen" array
    // to read cold, and the output needs no sort.
    fired.sortAscending();
    // The candidates' sids, and the programs of those their trigger does not prove, are cold too:
    // start those misses together (see `collect`).
    let warmth = 0;
    for (let i = 0; i < fired.length; i++) {
      const ref = fired.data[i] as number;
      warmth += this.sids[ref >>> 1] as number;
      if ((ref & 1) === 0) warmth += this.programs.warm(this.pcs[ref >>> 1] as number);
    }
    warmed.sum += warmth;
    const matched = this.matched;
    matched.clear();
    const always = this.alwaysCheck;
    let a = 0;
    for (let i = 0; i < fired.length;) {
      const rule = (fired.data[i] as number) >>> 1;
      let exact = false;
      for (; i < fired.length && (fired.data[i] as number) >>> 1 === rule; i++)
        exact ||= ((fired.data[i] as number) & 1) === 1;
      for (; a < always.length && (always[a] as number) < rule; a++)
        this.consider(always[a] as number, false, ev, only);
      this.consider(rule, exact, ev, only);
    }
    for (; a < always.length; a++) this.consider(always[a] as number, false, ev, only);
    // One array of the final size: pushing onto an empty one regrows it several times.
    const out = new Array<number>(matched.length);
    for (let i = 0; i < matched.length; i++) out[i] = this.sids[matched.data[i] as number] as number;
    return out;
  }

  /**
   * Pushes onto `fired` the refs whose trigger fires, key by key, in phases: find every key's
   * slot; read the first word of each key's structures, then (values prepared) the first line a
   * lookup of its value reads, in short loops over all keys; then collect. The structures are cold
   * (the rest of the request has run since the last event) and each key's lie on a page of their
   * own: in the short loops the CPU overlaps the misses of many keys, where collecting key after
   * key took them one at a time (docs/rules.md "Performance").
   */
  private collect(signals: SignalMap): void {
    this.located = 0;
    signals.forEach(this.listSignal);
    const ats = this.ats;
    const indexes = this.indexes;
    const prepared = this.prepared;
    const keys = this.keysSeen;
    const raws = this.raws;
    let warmth = 0;
    for (let k = 0; k < this.located; k++) warmth += indexes.warmSlot(ats[k] as number);
    // Hash → slot; a key no trigger is on is dropped here (only rule programs read it, and they
    // prepare it when they first ask for it).
    let n = 0;
    for (let k = 0; k < this.located; k++) {
      const at = indexes.findHashed(keys[k] as string, ats[k] as number);
      keys[k] = '';
      if (at < 0) continue;
      ats[n] = at;
      raws[n++] = raws[k] as readonly string[];
    }
    for (let k = n; k < this.located; k++) raws[k] = NO_VALUES;
    this.located = n;
    for (let k = 0; k < n; k++) warmth += indexes.warm(ats[k] as number);
    for (let k = 0; k < n; k++) {
      const at = ats[k] as number;
      prepared[k] = this.values.prepare(indexes.keyIdAt(at), this.raws[k] as readonly string[]);
      this.raws[k] = NO_VALUES; // hold no reference to the event's signals after it
    }
    for (let k = 0; k < n; k++) {
      const pv = prepared[k];
      if (pv !== undefined) warmth += indexes.warmValue(ats[k] as number, pv);
    }
    warmed.sum = warmth;
    for (let k = 0; k < n; k++) {
      const pv = prepared[k];
      if (pv !== undefined) indexes.collect(ats[k] as number, pv, this.fired);
    }
  }

  /** A candidate rule: `exact` (its trigger proves it) skips its program. `only` -1 = any data source. */
  private consider(rule: number, exact: boolean, ev: EventValues, only: number): void {
    if (only !== -1 && this.dataSources[rule] !== only) return;
    if (exact || this.programs.evaluate(this.pcs[rule] as number, ev)) this.matched.push(rule);
  }
}
