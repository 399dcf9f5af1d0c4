/**
 * The compiled catalog: an immutable in-memory view the hot path reads instead of storage
 * (ARCHITECTURE.md "Hot-path rules"). Built at load and on every change, then swapped atomically
 * by {@link CatalogService}. Rules are compiled to closures and indexed here, never per event.
 */
import { SegmentEvaluator, TraitMatcher } from '../rules/index.js';
import type { RuleError } from '../rules/index.js';
import type { CatalogData, DataSource, Segment, Trait } from './model.js';
import { compilePartners } from '../partners/runner/compile-partners.js';
import type { CompiledPartner } from '../partners/runner/compiled-partner.js';

export type CompileProblem =
  | { kind: 'traits' | 'segments'; sid: number; error: RuleError }
  | { kind: 'partners'; partnerId: number; message: string };

export interface CatalogSnapshot {
  readonly version: number;
  readonly builtAt: number;
  readonly dataSources: ReadonlyMap<number, DataSource>;
  readonly dataSourcesByCode: ReadonlyMap<string, DataSource>;
  readonly traits: ReadonlyMap<number, Trait>;
  readonly segments: ReadonlyMap<number, Segment>;
  /** Folder-trait sid → sids of every trait in that folder's subtree. */
  readonly folderTraits: ReadonlyMap<number, readonly number[]>;
  /** Rules of first-party data sources, evaluated over an event's signals. */
  readonly matcher: TraitMatcher;
  /**
   * Rules of third-party (provider) data sources, evaluated only over that provider's answer
   * (`ic` = its segment codes) — a page cannot realise a provider's traits by sending `ic=…`.
   */
  readonly onboardMatcher: TraitMatcher;
  readonly segmentEvaluator: SegmentEvaluator;
  /** Active real-time partners, compiled (adapter, params, call rule, defaults). */
  readonly partners: readonly CompiledPartner[];
  /** `h_` keys some rule reads: only these request headers become signals (cheaper, and less data kept). */
  readonly headerKeys: ReadonlySet<string>;
  /** Rules that failed to compile (kept out of the snapshot, reported by `/readyz` and logs). */
  readonly problems: readonly CompileProblem[];
}

/** The data source a declared id names, by integration code (`d_cid_ic`) or by id (`d_cid`). */
export function declaredDataSource(
  snapshot: CatalogSnapshot,
  declared: { dpid?: number; ic?: string },
): DataSource | undefined {
  return declared.ic !== undefined
    ? snapshot.dataSourcesByCode.get(declared.ic)
    : declared.dpid !== undefined
      ? snapshot.dataSources.get(declared.dpid)
      : undefined;
}

export function compileSnapshot(data: CatalogData, version: number, now: number): CatalogSnapshot {
  const dataSources = new Map(data.dataSources.map((d) => [d.dataSourceId, d]));
  const dataSourcesByCode = new Map<string, DataSource>();
  for (const d of data.dataSources) if (d.integrationCode) dataSourcesByCode.set(d.integrationCode, d);
  const traits = new Map(data.traits.map((t) => [t.sid, t]));
  const segments = new Map(data.segments.map((s) => [s.sid, s]));

  const ruleInputs = data.traits
    .filter((t) => t.status === 'ACTIVE' && t.traitType !== 'FOLDER_TRAIT' && t.traitRule !== undefined)
    .map((t) => ({ sid: t.sid, dataSourceId: t.dataSourceId, rule: t.traitRule as string }));
  const isThirdParty = (dsId: number) => dataSources.get(dsId)?.thirdParty === true;
  const firstParty = ruleInputs.filter((r) => !isThirdParty(r.dataSourceId));
  const { matcher, errors: firstPartyErrors } = TraitMatcher.compile(firstParty);
  const { matcher: onboardMatcher, errors: thirdPartyErrors } = TraitMatcher.compile(
    ruleInputs.filter((r) => isThirdParty(r.dataSourceId)),
  );
  const traitErrors = [...firstPartyErrors, ...thirdPartyErrors];

  const folderTraits = buildFolderTraits(data);
  const { evaluator, errors: segmentErrors } = SegmentEvaluator.compile(
    data.segments.map((s) => ({ sid: s.sid, rule: s.segmentRule, status: s.status })),
    folderTraits,
    // A visitor last evaluated before this snapshot took effect is re-evaluated in full, so new or
    // edited segments pick up existing visitors on their next event.
    { compiledAt: now },
  );

  const compiledPartners = compilePartners(data.partners, dataSources);

  const headerKeys = new Set<string>();
  for (const r of firstParty) for (const m of r.rule.matchAll(/\bh_[A-Za-z0-9_.-]+/g)) headerKeys.add(m[0]);

  return Object.freeze({
    version,
    builtAt: now,
    dataSources,
    dataSourcesByCode,
    traits,
    segments,
    folderTraits,
    matcher,
    onboardMatcher,
    segmentEvaluator: evaluator,
    partners: compiledPartners.partners,
    headerKeys,
    problems: [
      ...compiledPartners.problems.map((p) => ({ kind: 'partners' as const, ...p })),
      ...traitErrors.map((e) => ({ kind: 'traits' as const, ...e })),
      ...segmentErrors.map((e) => ({ kind: 'segments' as const, ...e })),
    ],
  });
}

/** AAM §5.6: a folder trait is the OR of every trait in its folder and the folders below. */
function buildFolderTraits(data: CatalogData): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const f of data.traitFolders) {
    const list = children.get(f.parentFolderId) ?? [];
    list.push(f.folderId);
    children.set(f.parentFolderId, list);
  }
  const traitsByFolder = new Map<number, number[]>();
  for (const t of data.traits) {
    if (t.traitType === 'FOLDER_TRAIT') continue;
    const list = traitsByFolder.get(t.folderId) ?? [];
    list.push(t.sid);
    traitsByFolder.set(t.folderId, list);
  }
  const out = new Map<number, number[]>();
  for (const ft of data.traits) {
    if (ft.traitType !== 'FOLDER_TRAIT') continue;
    const members: number[] = [];
    const stack = [ft.folderId];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const folder = stack.pop() as number;
      if (seen.has(folder)) continue;
      seen.add(folder);
      members.push(...(traitsByFolder.get(folder) ?? []));
      stack.push(...(children.get(folder) ?? []));
    }
    out.set(ft.sid, members);
  }
  return out;
}
