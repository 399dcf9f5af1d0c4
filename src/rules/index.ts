/**
 * Public API of the rules module (trait rules and segment expressions). Everything else in
 * `src/rules/` is internal. Compile at catalog load; nothing is parsed per event (STYLE.md §11).
 *
 * CONTRACT (implemented by the rules work; signatures are fixed, bodies are filled in there).
 */
import type { SignalMap } from '../signals/signal-map.js';
import type { TraitRealization } from '../profiles/profile.js';

/** A parse or validation error, pointing at the offending position (0-based character offset). */
export interface RuleError {
  message: string;
  position: number;
  /** Tokens that would have been accepted at `position`, when known. */
  expected?: string[];
}

/** What the segment validator needs to know about a referenced trait. */
export interface TraitInfo {
  kind: 'RULE_BASED' | 'ON_BOARDED' | 'FOLDER';
  /** First-party (the customer's own data source) — recency/frequency allowed only then. */
  firstParty: boolean;
}

export interface TraitRuleInput {
  sid: number;
  dataSourceId: number;
  rule: string;
}

export interface SegmentInput {
  sid: number;
  rule: string;
  status: 'ACTIVE' | 'INACTIVE';
}

/** Live realisation of a trait for the current visitor, or undefined. */
export type TraitView = (sid: number) => TraitRealization | undefined;

/** Signals of one event (re-exported for callers of {@link TraitMatcher.match}). */
export type { SignalMap };

/**
 * A {@link TraitView} that can also list the trait sids the visitor holds. Optional: when the view
 * passed to {@link SegmentEvaluator.qualify} has `sids`, expiry and day-change checks walk the
 * visitor's traits; otherwise they probe every trait any segment references (exact, but slower).
 */
export type ListableTraitView = TraitView & { readonly sids: () => Iterable<number> };

export { validateTraitRule, testTraitRule } from './trait-api.js';
export { TraitMatcher } from './trait-index.js';
export { validateSegmentRule } from './segment-validate.js';
export { SegmentEvaluator } from './segment-evaluator.js';
export {
  mapSegmentSet,
  mapTraitView,
  type EnumerableTraitView,
  type TraitViewHints,
} from './segment-view.js';
export type { SegmentCompileOptions } from './segment-evaluator.js';
