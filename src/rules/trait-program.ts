/**
 * Trait rules compiled to flat programs in one `Float64Array`, run by one interpreter over the
 * event's prepared values. Only candidates whose trigger does not prove them run here (a
 * conjunction posted under one child, `matcheswords`, an OR with a NOT branch…), a few per event.
 *
 * Why not closures: each candidate is a random rule of the catalog, cold in cache, and a closure
 * tree costs a function object and a context per node — about twenty cache lines for
 * `(a == "x" OR n > 90) AND NOT b contains "gold"`, which profiling showed as the largest part of
 * the candidates' cost. A program is a few consecutive slots; literals are in one shared table.
 *
 * Every node is `[op, size, …]` (`size` in slots, so AND/OR skip a child in O(1)):
 *   PRED [op, size, key id, kind, a, b, c]   one predicate; its operands depend on `kind`
 *   NOT  [op, size, child]
 *   AND / OR  [op, size, child…]
 * Predicate kinds and operands:
 *   EQ_NUMBER, NE_NUMBER   a = the number
 *   EQ_TEXT, NE_TEXT, CONTAINS, STARTS, ENDS   a = index of the lower-cased literal in `strings`
 *   ORDER    a = accepted signs (bit mask over sign + 1), b = the number or NaN, c = literal index
 *   TEST     a = index of a compiled test in `tests` (`matcheswords`, `matchesregex`)
 * Semantics: docs/rules.md "Semantics", as in `compilePredicateTest` (trait-compiler.ts).
 */
import type { PredicateNode, TraitNode } from './trait-ast.js';
import {
  ACCEPT,
  compilePredicateTest,
  someOrdered,
  type EventValues,
  type KeyTable,
  type ValuesTest,
} from './trait-compiler.js';
import { numericValue, type PreparedValues } from './value-compare.js';

const PRED = 1;
const NOT = 2;
const AND = 3;
const OR = 4;

const EQ_NUMBER = 1;
const NE_NUMBER = 2;
const EQ_TEXT = 3;
const NE_TEXT = 4;
const CONTAINS = 5;
const STARTS = 6;
const ENDS = 7;
const ORDER = 8;
const TEST = 9;

/** Appends rule programs; {@link TraitProgramBuilder.build} freezes them. */
export class TraitProgramBuilder {
  private readonly code: number[] = [];
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly tests: ValuesTest[] = [];

  constructor(private readonly keys: KeyTable) {}

  /** Compiles a rule (regexes already validated by the parser); returns its program's offset. */
  add(node: TraitNode): number {
    const pc = this.code.length;
    this.emit(node);
    return pc;
  }

  build(): TraitPrograms {
    return new TraitPrograms(Float64Array.from(this.code), this.strings, this.tests);
  }

  private emit(node: TraitNode): void {
    const code = this.code;
    const pc = code.length;
    switch (node.type) {
      case 'pred':
        code.push(PRED, 0, this.keys.idOf(node.key), ...this.operands(node));
        break;
      case 'not':
        code.push(NOT, 0);
        this.emit(node.child);
        break;
      case 'and':
      case 'or':
        code.push(node.type === 'and' ? AND : OR, 0);
        for (const child of node.children) this.emit(child);
        break;
    }
    code[pc + 1] = code.length - pc;
  }

  /** `[kind, a, b, c]` of a predicate. */
  private operands(pred: PredicateNode): [number, number, number, number] {
    const lit = pred.value.text.toLowerCase();
    const n = numericValue(pred.value.text);
    const numeric = !Number.isNaN(n);
    switch (pred.op) {
      case '==':
        // Equal iff canonical forms are equal (value-compare.ts), so a numeric literal only equals numbers.
        return numeric ? [EQ_NUMBER, n, 0, 0] : [EQ_TEXT, this.string(lit), 0, 0];
      case '!=':
        return numeric ? [NE_NUMBER, n, 0, 0] : [NE_TEXT, this.string(lit), 0, 0];
      case '>':
      case '<':
      case '>=':
      case '<=':
        return [ORDER, ACCEPT[pred.op], n, this.string(lit)];
      case 'contains':
        return [CONTAINS, this.string(lit), 0, 0];
      case 'startswith':
        return [STARTS, this.string(lit), 0, 0];
      case 'endswith':
        return [ENDS, this.string(lit), 0, 0];
      case 'matcheswords':
      case 'matchesregex':
        this.tests.push(compilePredicateTest(pred));
        return [TEST, this.tests.length - 1, 0, 0];
    }
  }

  private string(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }
}

/** Frozen rule programs; {@link TraitPrograms.evaluate} runs one over an event's values. */
export class TraitPrograms {
  constructor(
    private readonly code: Float64Array,
    private readonly strings: readonly string[],
    private readonly tests: readonly ValuesTest[],
  ) {}

  /** Whether the rule (or node) at `pc` holds for the event. */
  /** Reads the first slot of the program at `pc` (see `TraitMatcher.collect`). */
  warm(pc: number): number {
    return this.code[pc] as number;
  }

  evaluate(pc: number, ev: EventValues): boolean {
    const code = this.code;
    const end = pc + (code[pc + 1] as number);
    switch (code[pc]) {
      case PRED: {
        // Every predicate is false on an absent key (docs/rules.md "Semantics"), `!=` included.
        const pv = ev.get(code[pc + 2] as number);
        return pv !== undefined && this.test(pc, pv);
      }
      case NOT:
        return !this.evaluate(pc + 2, ev);
      case AND:
        for (let at = pc + 2; at < end; at += code[at + 1] as number)
          if (!this.evaluate(at, ev)) return false;
        return true;
      default: // OR
        for (let at = pc + 2; at < end; at += code[at + 1] as number) if (this.evaluate(at, ev)) return true;
        return false;
    }
  }

  /** The predicate at `pc` on a present key: some value satisfies it. */
  private test(pc: number, pv: PreparedValues): boolean {
    const code = this.code;
    const kind = code[pc + 3] as number;
    const a = code[pc + 4] as number;
    switch (kind) {
      case EQ_NUMBER:
        return pv.num.includes(a);
      case NE_NUMBER:
        for (let i = 0; i < pv.num.length; i++) if (pv.num[i] !== a) return true;
        return false;
      case TEST:
        return (this.tests[a] as ValuesTest)(pv);
      case ORDER:
        return someOrdered(pv, a, code[pc + 5] as number, this.strings[code[pc + 6] as number] as string);
      default:
        return textTest(kind, pv, this.strings[a] as string);
    }
  }
}

/** EQ_TEXT, NE_TEXT, CONTAINS, STARTS, ENDS over the lower-cased values. */
function textTest(kind: number, pv: PreparedValues, lit: string): boolean {
  for (let i = 0; i < pv.lower.length; i++) {
    const x = pv.lower[i] as string;
    const hit =
      kind === EQ_TEXT
        ? x === lit
        : kind === NE_TEXT
          ? x !== lit
          : kind === CONTAINS
            ? x.includes(lit)
            : kind === STARTS
              ? x.startsWith(lit)
              : x.endsWith(lit);
    if (hit) return true;
  }
  return false;
}
