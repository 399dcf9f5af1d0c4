/**
 * Property tests: (1) printer and parser round-trip; (2) the indexed matcher returns exactly what
 * the reference evaluator (every rule's AST interpreted directly) returns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraitMatcher } from './index.js';
import { NAMED_OPERATORS, RELATIONAL_OPERATORS, type TraitNode } from './trait-ast.js';
import { parseTraitRule } from './trait-parser.js';
import { printTraitRule } from './trait-printer.js';
import { evaluateTraitAst } from './trait-reference-eval.js';

const KEYS = ['a', 'B', 'c_x', 'p_age', 'h_user-agent', 'c_contextData.a.x', '1k'];
const NUMBERS = ['1', '2', '10', '1.0', '-3', '0.5', '05', '.5', '+2'];
const TEXT_CHARS = ['a', 'A', 'b', '1', '.', ' ', '"', "'", '\\', '-', 'é'];
const REGEXES = ['^a', 'b$', 'a.c', '(?i)ab', '\\d+', 'x|y', '^$', 'é'];

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

describe('trait rule properties', () => {
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
