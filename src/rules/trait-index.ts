/**
 * TraitMatcher: the compiled trait catalog plus its index (ARCHITECTURE.md "Hot-path rules").
 * Per event the cost is one map lookup per signal key, then per value a lookup in that key's
 * index (key-index.ts: hash, interval, literal automaton, regex set), and the closures of the
 * candidates that fire — not a pass over the catalog, nor over the rules of a key. Choice of
 * index: docs/rules.md "Index".
 */
import type { SignalMap } from '../signals/signal-map.js';
import type { RuleError, TraitRuleInput } from './index.js';
import { KeyIndexBuilder, type KeyIndex } from './key-index.js';
import { EventValues, compileTraitNode, type RuleFn } from './trait-compiler.js';
import { parseTraitRule } from './trait-parser.js';
import { triggersOf } from './trait-trigger.js';

/** Compiled trait rules and the key → candidate index over them. */
export class TraitMatcher {
  private readonly postings = new Map<string, KeyIndex>();
  /** Rules that can hold without any indexed key (only NOT, or OR with a NOT branch). */
  private readonly alwaysCheck: number[] = [];
  private readonly sids: number[] = [];
  private readonly dataSources: number[] = [];
  private readonly fns: RuleFn[] = [];
  private seen = new Uint32Array(0);
  private stamp = 0;
  private readonly values = new EventValues();
  /** Refs fired by the event's keys, reused across events. */
  private readonly fired: number[] = [];

  private constructor() {}

  /** Compiles every rule; rules that fail to compile are reported in `errors` and left out. */
  static compile(traits: readonly TraitRuleInput[]): {
    matcher: TraitMatcher;
    errors: Array<{ sid: number; error: RuleError }>;
  } {
    const matcher = new TraitMatcher();
    const errors: Array<{ sid: number; error: RuleError }> = [];
    const builders = new Map<string, KeyIndexBuilder>();
    for (const trait of traits) {
      const ast = parseTraitRule(trait.rule);
      if (!('type' in ast)) {
        errors.push({ sid: trait.sid, error: ast });
        continue;
      }
      const rule = matcher.sids.length;
      matcher.sids.push(trait.sid);
      matcher.dataSources.push(trait.dataSourceId);
      matcher.fns.push(compileTraitNode(ast));
      const triggers = triggersOf(ast);
      if (triggers === undefined) {
        matcher.alwaysCheck.push(rule);
        continue;
      }
      for (const t of triggers) {
        let builder = builders.get(t.key);
        if (builder === undefined) builders.set(t.key, (builder = new KeyIndexBuilder()));
        builder.add(t, rule * 2 + (t.exact ? 1 : 0));
      }
    }
    for (const [key, builder] of builders) matcher.postings.set(key, builder.build());
    matcher.seen = new Uint32Array(matcher.sids.length);
    return { matcher, errors };
  }

  /** Number of compiled rules. */
  get size(): number {
    return this.sids.length;
  }

  /** Trait sids whose rule holds for these signals (ascending); only traits of `onlyDataSourceId` when given (d_tdpid). */
  match(signals: SignalMap, onlyDataSourceId?: number): number[] {
    const stamp = this.nextStamp();
    const ev = this.values.reset(signals);
    const out: number[] = [];
    const only = onlyDataSourceId ?? -1;
    const fired = this.fired;
    fired.length = 0;
    for (const key of signals.keys()) {
      const index = this.postings.get(key);
      if (index === undefined) continue;
      const pv = ev.get(key);
      if (pv !== undefined) index.collect(pv, fired);
    }
    for (let i = 0; i < fired.length; i++) this.consider(fired[i] as number, stamp, ev, only, out);
    for (const rule of this.alwaysCheck) this.consider(rule * 2, stamp, ev, only, out);
    return out.sort((a, b) => a - b);
  }

  /** A candidate: evaluated once per event; `exact` refs skip the closure. `only` -1 = any data source. */
  private consider(ref: number, stamp: number, ev: EventValues, only: number, out: number[]): void {
    const rule = ref >>> 1;
    if (this.seen[rule] === stamp) return;
    this.seen[rule] = stamp;
    if (only !== -1 && this.dataSources[rule] !== only) return;
    if ((ref & 1) === 1 || (this.fns[rule] as RuleFn)(ev)) out.push(this.sids[rule] as number);
  }

  private nextStamp(): number {
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      // Wrapped after 2^32 events: clear so no stale stamp can collide.
      this.seen.fill(0);
      this.stamp = 1;
    }
    return this.stamp;
  }
}
