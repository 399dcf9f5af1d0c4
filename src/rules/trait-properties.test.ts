/**
 * Property tests: (1) printer and parser round-trip; (2) the indexed matcher returns exactly what
 * the reference evaluator (every rule's AST interpreted directly) returns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraitMatcher } from './index.js';
import { NAMED_OPERATORS, RELATIONAL_OPERATORS, type PredicateNode, type TraitNode } from './trait-ast.js';
import { parseTraitRule } from './trait-parser.js';
import { printTraitRule } from './trait-printer.js';
import { evaluateTraitAst } from './trait-reference-eval.js';

const KEYS = ['a', 'B', 'c_x', 'p_age', 'h_user-agent', 'c_contextData.a.x', '1k'];
const NUMBERS = ['1', '2', '10', '1.0', '-3', '0.5', '05', '.5', '+2'];
const TEXT_CHARS = ['a', 'A', 'b', '1', '.', ' ', '"', "'", '\\', '-', 'é'];
// Mixed: RE2-only patterns and finite-language ones the index answers without RE2 (regex-literals.ts).
const REGEXES = [
  '^a',
  'b$',
  'a.c',
  '(?i)ab',
  '\\d+',
  'x|y',
  '^$',
  'é',
  '^(a|b)1?$',
  '[ab]-$',
  '(?:1|2)\\.',
  'A',
  'Σ+', // lower-casing "ΑΣ" gives a final sigma: the lower-cased prefilter must not apply
];

const text = fc.oneof(
  fc.constantFrom(...NUMBERS),
  fc.array(fc.constantFrom(...TEXT_CHARS), { maxLength: 4 }).map((cs) => cs.join('')),
);

const predicate: fc.Arbitrary<TraitNode> = fc
  .record({
    key: fc.constantFrom(...KEYS),
    op: fc.constantFrom(...RELATIONAL_OPERATORS, ...NAMED_OPERATORS),
    number: fc.constantFrom(...NUMBERS),
    text,
    regex: fc.constantFrom(...REGEXES),
    quoted: fc.boolean(),
  })
  .map(({ key, op, number, text: t, regex, quoted }) => {
    const value =
      op === 'matchesregex'
        ? { text: regex, quoted: true }
        : quoted
          ? { text: t, quoted: true }
          : { text: number, quoted: false };
    return { type: 'pred', key, op, value, pos: 0, valuePos: 0 };
  });

const rule: fc.Arbitrary<TraitNode> = fc.letrec<{ node: TraitNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'rule' },
    predicate,
    fc.record({
      type: fc.constantFrom('and' as const, 'or' as const),
      children: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('not' as const), child: tie('node') }),
  ),
})).node;

const event = fc
  .dictionary(fc.constantFrom(...KEYS), fc.array(text, { maxLength: 3 }), { maxKeys: 5 })
  .map((d) => new Map(Object.entries(d)));

/** AST without source positions, for structural comparison. */
function strip(node: TraitNode): unknown {
  switch (node.type) {
    case 'pred':
      return { key: node.key, op: node.op, value: node.value };
    case 'not':
      return { not: strip(node.child) };
    default:
      return { [node.type]: node.children.map(strip) };
  }
}

/**
 * Dense rules for the per-key index (key-index.ts): two keys, so ranges merge (`k >= a AND k <= b`),
 * several literals and regexes share a key's automaton / regex set, and values are drawn from the
 * literals' own alphabet so that contains/startswith/endswith and regexes actually fire.
 */
const DENSE_KEYS = ['k', 'n'];
const DENSE_TEXT = fc
  .array(fc.constantFrom('a', 'B', 'b', '1', '-', '.', '2', 'é', 'Α', 'Σ'), { maxLength: 4 })
  .map((cs) => cs.join(''));
const DENSE_NUMBERS = ['0', '1', '1.5', '2', '-1', '10'];
const densePred: fc.Arbitrary<TraitNode> = fc
  .record({
    key: fc.constantFrom(...DENSE_KEYS),
    op: fc.constantFrom<PredicateNode['op']>(...RELATIONAL_OPERATORS, ...NAMED_OPERATORS),
    number: fc.constantFrom(...DENSE_NUMBERS),
    text: DENSE_TEXT,
    regex: fc.constantFrom(...REGEXES),
  })
  .map(({ key, op, number, text: t, regex }) => {
    const numericOp = ['>=', '<=', '>', '<', '==', '!='].includes(op);
    const value =
      op === 'matchesregex'
        ? { text: regex, quoted: true }
        : numericOp && t.length % 2 === 0
          ? { text: number, quoted: false }
          : { text: t, quoted: true };
    return { type: 'pred', key, op: op as PredicateNode['op'], value, pos: 0, valuePos: 0 };
  });
/** `lo <= k <= hi` style conjunctions, alone or with a third child. */
const denseRange: fc.Arbitrary<TraitNode> = fc
  .record({
    key: fc.constantFrom(...DENSE_KEYS),
    lo: fc.constantFrom(...DENSE_NUMBERS),
    hi: fc.constantFrom(...DENSE_NUMBERS),
    loOp: fc.constantFrom('>=' as const, '>' as const),
    hiOp: fc.constantFrom('<=' as const, '<' as const),
    extra: fc.option(densePred, { nil: undefined }),
  })
  .map(({ key, lo, hi, loOp, hiOp, extra }): TraitNode => {
    const pred = (op: PredicateNode['op'], n: string): TraitNode => ({
      type: 'pred',
      key,
      op,
      value: { text: n, quoted: false },
      pos: 0,
      valuePos: 0,
    });
    const children = [pred(loOp, lo), pred(hiOp, hi)];
    return { type: 'and', children: extra === undefined ? children : [...children, extra] };
  });
const denseRule: fc.Arbitrary<TraitNode> = fc.letrec<{ node: TraitNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 2, depthIdentifier: 'dense' },
    densePred,
    denseRange,
    fc.record({
      type: fc.constantFrom('and' as const, 'or' as const),
      children: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('not' as const), child: tie('node') }),
  ),
})).node;
const denseEvent = fc
  .dictionary(
    fc.constantFrom(...DENSE_KEYS),
    fc.array(fc.oneof(fc.constantFrom(...DENSE_NUMBERS), DENSE_TEXT), { maxLength: 3 }),
    { maxKeys: 2 },
  )
  .map((d) => new Map(Object.entries(d)));

function agreesWithReference(rules: TraitNode[], events: Array<Map<string, string[]>>): void {
  const inputs = rules.map((ast, i) => ({ sid: 100 + i, dataSourceId: 1, rule: printTraitRule(ast) }));
  const { matcher, errors } = TraitMatcher.compile(inputs);
  expect(errors).toEqual([]);
  for (const signals of events) {
    const expected = rules.flatMap((ast, i) => (evaluateTraitAst(ast, signals) ? [100 + i] : []));
    expect(matcher.match(signals)).toEqual(expected);
  }
}

describe('trait rule properties', () => {
  it('the indexed matcher agrees with the reference evaluator on dense per-key rules', () => {
    fc.assert(
      fc.property(
        fc.array(denseRule, { minLength: 1, maxLength: 30 }),
        fc.array(denseEvent, { minLength: 1, maxLength: 8 }),
        agreesWithReference,
      ),
      { numRuns: 600 },
    );
  });

  it('parse(print(ast)) gives the same tree', () => {
    fc.assert(
      fc.property(rule, (ast) => {
        const reparsed = parseTraitRule(printTraitRule(ast));
        expect('type' in reparsed ? strip(reparsed) : reparsed).toEqual(strip(ast));
      }),
      { numRuns: 500 },
    );
  });

  it('the indexed matcher agrees with the reference evaluator', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(rule, fc.constantFrom(1, 2)), { minLength: 1, maxLength: 25 }),
        fc.array(event, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(undefined, 1, 2),
        (rules, events, only) => {
          const inputs = rules.map(([ast, ds], i) => ({
            sid: 100 + i,
            dataSourceId: ds,
            rule: printTraitRule(ast),
          }));
          const { matcher, errors } = TraitMatcher.compile(inputs);
          expect(errors).toEqual([]);
          for (const signals of events) {
            const expected = rules
              .map(([ast, ds], i) => ({ sid: 100 + i, ds, hit: evaluateTraitAst(ast, signals) }))
              .filter((r) => r.hit && (only === undefined || r.ds === only))
              .map((r) => r.sid);
            expect(matcher.match(signals, only)).toEqual(expected);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
