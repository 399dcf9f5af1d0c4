/**
 * The three evaluators the benchmark compares, behind one shape: Audex's compiled index and
 * incremental segment evaluator, a naive loop (every trait AST and every segment AST interpreted
 * on every event), and json-rules-engine with the same rules and semantics.
 */
import { Engine, type NestedCondition, type TopLevelCondition } from 'json-rules-engine';
import { isLive } from '../../src/profiles/profile.js';
import { SegmentEvaluator, TraitMatcher, type TraitView } from '../../src/rules/index.js';
import type { SegmentNode } from '../../src/rules/segment-ast.js';
import { expandTrait, frequencyCount } from '../../src/rules/segment-semantics.js';
import { parseSegmentRule } from '../../src/rules/segment-parser.js';
import { evaluateSegmentAst } from '../../src/rules/segment-reference-eval.js';
import { compareCount } from '../../src/rules/segment-validate.js';
import type { TraitNode, TraitOperator } from '../../src/rules/trait-ast.js';
import { parseTraitRule } from '../../src/rules/trait-parser.js';
import { evaluatePredicate, evaluateTraitAst } from '../../src/rules/trait-reference-eval.js';
import type { SignalMap } from '../../src/signals/signal-map.js';
import type { BenchCatalog } from './bench-catalog.js';

export interface Qualified {
  members: number[];
  added: number[];
  removed: number[];
}

export interface RulesImpl {
  name: string;
  match(signals: SignalMap): number[] | Promise<number[]>;
  qualify(
    view: TraitView,
    current: ReadonlySet<number>,
    changed: ReadonlySet<number>,
    last: number,
    now: number,
  ): Qualified | Promise<Qualified>;
}

export function audexImpl(catalog: BenchCatalog): RulesImpl & { compileMs: number } {
  const t0 = performance.now();
  const { matcher } = TraitMatcher.compile(catalog.traits);
  const { evaluator } = SegmentEvaluator.compile(catalog.segments, catalog.folders);
  const compileMs = performance.now() - t0;
  return {
    name: 'audex (index + incremental)',
    compileMs,
    match: (signals) => matcher.match(signals),
    qualify: (view, current, changed, last, now) => evaluator.qualify(view, current, changed, last, now),
  };
}

function traitAsts(catalog: BenchCatalog): Array<[number, TraitNode]> {
  return catalog.traits.map((t) => [t.sid, parseTraitRule(t.rule) as TraitNode]);
}

function segmentAsts(catalog: BenchCatalog): Array<{ sid: number; active: boolean; ast: SegmentNode }> {
  return catalog.segments.map((s) => ({
    sid: s.sid,
    active: s.status === 'ACTIVE',
    ast: parseSegmentRule(s.rule) as SegmentNode,
  }));
}

/** Full membership from per-segment truth, with AAM §6.4 status rules (paused keeps, adds none). */
function membership(
  segs: Array<{ sid: number; active: boolean }>,
  truth: (i: number) => boolean,
  current: ReadonlySet<number>,
): Qualified {
  const members: number[] = [];
  segs.forEach((s, i) => {
    if (s.active ? truth(i) : current.has(s.sid)) members.push(s.sid);
  });
  members.sort((a, b) => a - b);
  const set = new Set(members);
  return {
    members,
    added: members.filter((m) => !current.has(m)),
    removed: [...current].filter((m) => !set.has(m)).sort((a, b) => a - b),
  };
}

export function naiveImpl(catalog: BenchCatalog): RulesImpl {
  const traits = traitAsts(catalog);
  const segs = segmentAsts(catalog);
  return {
    name: 'naive loop (interpret every AST)',
    match: (signals) => traits.filter(([, ast]) => evaluateTraitAst(ast, signals)).map(([sid]) => sid),
    qualify: (view, current, _changed, _last, now) =>
      membership(
        segs,
        (i) => evaluateSegmentAst((segs[i] as (typeof segs)[number]).ast, view, now, catalog.folders),
        current,
      ),
  };
}

const OPS: readonly TraitOperator[] = [
  '==',
  '!=',
  '>',
  '<',
  '>=',
  '<=',
  'contains',
  'matcheswords',
  'startswith',
  'endswith',
  'matchesregex',
];

function traitCondition(node: TraitNode): NestedCondition {
  switch (node.type) {
    case 'pred':
      return { fact: node.key, operator: `aam${node.op}`, value: node.value.text };
    case 'not':
      return { not: traitCondition(node.child) };
    case 'and':
      return { all: node.children.map(traitCondition) };
    case 'or':
      return { any: node.children.map(traitCondition) };
  }
}

function segmentCondition(node: SegmentNode, folders: BenchCatalog['folders']): NestedCondition {
  switch (node.type) {
    case 'ref':
      return {
        fact: 'live',
        params: { sids: expandTrait(node.sid, folders) },
        operator: 'equal',
        value: true,
      };
    case 'freq': {
      const sids = [...new Set(node.traits.flatMap((t) => expandTrait(t.sid, folders)))];
      return {
        fact: 'frequency',
        params: { sids, recency: node.recency },
        operator: `count${node.op}`,
        value: node.count,
      };
    }
    case 'not':
      return { not: segmentCondition(node.child, folders) };
    case 'and':
      return { all: node.children.map((c) => segmentCondition(c, folders)) };
    case 'or':
      return { any: node.children.map((c) => segmentCondition(c, folders)) };
  }
}

const top = (c: NestedCondition): TopLevelCondition => ({ all: [c] });

/** json-rules-engine: one engine for traits (facts = signal keys), one for segments (dynamic facts over the view). */
export function jsonRulesEngineImpl(catalog: BenchCatalog): RulesImpl {
  const traitEngine = new Engine([], { allowUndefinedFacts: true });
  for (const op of OPS) {
    traitEngine.addOperator<string[] | undefined, string>(`aam${op}`, (values, text) =>
      values === undefined
        ? false
        : evaluatePredicate(
            { type: 'pred', key: '', op, value: { text, quoted: true }, pos: 0, valuePos: 0 },
            values,
          ),
    );
  }
  for (const [sid, ast] of traitAsts(catalog))
    traitEngine.addRule({ conditions: top(traitCondition(ast)), event: { type: String(sid) } });

  let view: TraitView = () => undefined;
  let now = 0;
  const segEngine = new Engine([], { allowUndefinedFacts: true });
  for (const op of ['>=', '<=', '=='] as const) {
    segEngine.addOperator<number, number>(`count${op}`, (count, m) => compareCount(count, op, m));
  }
  segEngine.addFact<boolean>('live', (params) =>
    (params as { sids: number[] }).sids.some((sid) => {
      const r = view(sid);
      return r !== undefined && isLive(r, now);
    }),
  );
  segEngine.addFact<number>('frequency', (raw) => {
    const params = raw as { sids: number[]; recency?: { op: '<=' | '>='; days: number; pos: number } };
    let total = 0;
    for (const sid of params.sids) {
      const r = view(sid);
      if (r !== undefined && isLive(r, now)) total += frequencyCount(r, params.recency, now);
    }
    return total;
  });
  const segs = segmentAsts(catalog);
  for (const s of segs) {
    if (s.active)
      segEngine.addRule({
        conditions: top(segmentCondition(s.ast, catalog.folders)),
        event: { type: String(s.sid) },
      });
  }
  return {
    name: 'json-rules-engine 7',
    async match(signals) {
      const { events } = await traitEngine.run(Object.fromEntries(signals));
      return events.map((e) => Number(e.type)).sort((a, b) => a - b);
    },
    async qualify(v, current, _changed, _last, at) {
      view = v;
      now = at;
      const { events } = await segEngine.run({});
      const hit = new Set(events.map((e) => Number(e.type)));
      return membership(segs, (i) => hit.has((segs[i] as (typeof segs)[number]).sid), current);
    },
  };
}
