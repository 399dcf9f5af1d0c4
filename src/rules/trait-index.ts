/**
 * TraitMatcher: the compiled trait catalog plus its index (ARCHITECTURE.md "Hot-path rules").
 * Per event the cost is one map lookup per signal key, one per value for equality postings, the
 * key tests of rules indexed under the event's keys, and the closures of the candidates those
 * fire — not a pass over the catalog. Choice of index: docs/rules.md "Index".
 */
import type { SignalMap } from '../signals/signal-map.js';
import type { RuleError, TraitRuleInput } from './index.js';
import { EventValues, compileTraitNode, type RuleFn, type ValuesTest } from './trait-compiler.js';
import { parseTraitRule } from './trait-parser.js';
import { triggersOf } from './trait-trigger.js';

/** Postings of one key. Rule references are packed as `rule * 2 + exact`. */
interface KeyPostings {
  /** `==` postings: numeric literals by number, others by lower-cased text (a number never equals a non-number). */
  eqNum: Map<number, number[]>;
  eqText: Map<string, number[]>;
  tests: Array<{ ref: number; test: ValuesTest }>;
}

/** Compiled trait rules and the key → candidate index over them. */
export class TraitMatcher {
  private readonly postings = new Map<string, KeyPostings>();
  /** Rules that can hold without any indexed key (only NOT, or OR with a NOT branch). */
  private readonly alwaysCheck: number[] = [];
  private readonly sids: number[] = [];
  private readonly dataSources: number[] = [];
  private readonly fns: RuleFn[] = [];
  private seen = new Uint32Array(0);
  private stamp = 0;
  private readonly values = new EventValues();

  private constructor() {}

  /** Compiles every rule; rules that fail to compile are reported in `errors` and left out. */
  static compile(traits: readonly TraitRuleInput[]): {
    matcher: TraitMatcher;
    errors: Array<{ sid: number; error: RuleError }>;
  } {
    const matcher = new TraitMatcher();
    const errors: Array<{ sid: number; error: RuleError }> = [];
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
        const ref = rule * 2 + (t.exact ? 1 : 0);
        const posting = matcher.postingsFor(t.key);
        if (t.kind === 'test') {
          posting.tests.push({ ref, test: t.test });
        } else if (typeof t.value === 'number') {
          addPosting(posting.eqNum, t.value, ref);
        } else {
          addPosting(posting.eqText, t.value, ref);
        }
      }
    }
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
    for (const key of signals.keys()) {
      const posting = this.postings.get(key);
      if (posting === undefined) continue;
      const pv = ev.get(key);
      if (pv === undefined) continue;
      if (posting.eqNum.size + posting.eqText.size > 0) {
        for (let i = 0; i < pv.num.length; i++) {
          const x = pv.num[i] as number;
          const refs = Number.isNaN(x) ? posting.eqText.get(pv.lower[i] as string) : posting.eqNum.get(x);
          if (refs !== undefined) for (const ref of refs) this.consider(ref, stamp, ev, only, out);
        }
      }
      for (const { ref, test } of posting.tests) {
        if (this.seen[ref >>> 1] !== stamp && test(pv)) this.consider(ref, stamp, ev, only, out);
      }
    }
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

  private postingsFor(key: string): KeyPostings {
    let posting = this.postings.get(key);
    if (posting === undefined) {
      posting = { eqNum: new Map(), eqText: new Map(), tests: [] };
      this.postings.set(key, posting);
    }
    return posting;
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

function addPosting<K>(map: Map<K, number[]>, key: K, ref: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [ref]);
  else list.push(ref);
}
