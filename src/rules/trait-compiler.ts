/**
 * Compiles a trait AST into closures once, at catalog load (STYLE.md §11). Predicates read the
 * event's values through {@link EventValues}, which lower-cases and parses each key's values at
 * most once per event however many rules look at that key.
 */
import type { SignalMap } from '../signals/signal-map.js';
import type { PredicateNode, TraitNode } from './trait-ast.js';
import { requiredLiteral } from './regex-prefilter.js';
import { compileRegex } from './trait-regex.js';
import type RE2 from 're2';
import { numericValue, prepareValues, wordMatcher, type PreparedValues } from './value-compare.js';

/** Per-event cache of prepared values; reset with {@link EventValues.reset} for each event. */
export class EventValues {
  private signals: SignalMap = new Map();
  private readonly cache = new Map<string, PreparedValues | null>();

  reset(signals: SignalMap): this {
    this.signals = signals;
    this.cache.clear();
    return this;
  }

  get(key: string): PreparedValues | undefined {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const prepared = prepareValues(this.signals.get(key));
    this.cache.set(key, prepared ?? null);
    return prepared;
  }
}

export type RuleFn = (ev: EventValues) => boolean;
/** A predicate's test over a present key's values ("any value satisfies it"). */
export type ValuesTest = (pv: PreparedValues) => boolean;

/** Compiles a whole rule; the regexes in it must already have been validated by the parser. */
export function compileTraitNode(node: TraitNode): RuleFn {
  switch (node.type) {
    case 'pred': {
      const key = node.key;
      const test = compilePredicateTest(node);
      return (ev) => {
        const pv = ev.get(key);
        return pv !== undefined && test(pv);
      };
    }
    case 'not': {
      const child = compileTraitNode(node.child);
      return (ev) => !child(ev);
    }
    case 'and': {
      const children = node.children.map(compileTraitNode);
      return (ev) => {
        for (const child of children) if (!child(ev)) return false;
        return true;
      };
    }
    case 'or': {
      const children = node.children.map(compileTraitNode);
      return (ev) => {
        for (const child of children) if (child(ev)) return true;
        return false;
      };
    }
  }
}

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
      return numeric ? (pv) => pv.num.some((x) => x !== n) : (pv) => pv.lower.some((x) => x !== lit);
    case '>':
    case '<':
    case '>=':
    case '<=':
      return ordered(ACCEPT[pred.op], numeric, n, lit);
    case 'contains':
      return (pv) => pv.lower.some((x) => x.includes(lit));
    case 'startswith':
      return (pv) => pv.lower.some((x) => x.startsWith(lit));
    case 'endswith':
      return (pv) => pv.lower.some((x) => x.endsWith(lit));
    case 'matcheswords': {
      const words = wordMatcher(lit);
      return words === undefined ? () => false : (pv) => pv.lower.some((x) => words.test(x));
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
      return (pv) =>
        pv.raw.some((x) => (literal === undefined || x.includes(literal)) && (re ??= compile()).test(x));
    }
  }
}

/** Accepted signs of `compare(value, literal)` as a bit mask over `sign + 1` (no per-call callbacks on the hot path). */
const ACCEPT = { '>': 0b100, '<': 0b001, '>=': 0b110, '<=': 0b011 } as const;

function ordered(accept: number, numeric: boolean, n: number, lit: string): ValuesTest {
  return (pv) => {
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
  };
}
