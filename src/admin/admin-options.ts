/**
 * Options of the admin plugin. The rule validators are injected rather than imported so the admin
 * API depends only on the rules module's contract (`src/rules/index.ts` types); `src/app.ts`
 * passes the real ones and tests pass small fakes.
 */
import type { DataSource } from '../catalog/model.js';
import type { Partner } from '../catalog/partner-model.js';
import type { RuleError, TraitInfo } from '../rules/index.js';
import type { SignalMap } from '../signals/signal-map.js';
import type { CatalogStore, TokenStore } from '../storage/ports.js';

/** The three rule checks the admin API needs. */
export interface AdminValidators {
  /** Parses and checks a trait rule; undefined when valid. */
  trait(text: string): RuleError | undefined;
  /** Parses and checks a segment rule; `lookup` answers for the traits it mentions. */
  segment(text: string, lookup: (sid: number) => TraitInfo | undefined): RuleError | undefined;
  /** Evaluates a trait rule against one call's signals; a `RuleError` when the rule is invalid. */
  testTrait(text: string, signals: SignalMap): boolean | RuleError;
  /** Problems with a partner instance (adapter, params, endpoint, call rule); empty when valid. */
  partner?(partner: Partner, dataSources: ReadonlyMap<number, DataSource>): string[];
}

/** Options of `adminPlugin`; register it with `{ prefix: '/api/v1', ...options }`. */
export interface AdminOptions {
  catalog: CatalogStore;
  tokens: TokenStore;
  validators: AdminValidators;
  /** Clock for create/update times, unix ms. Default `Date.now`. */
  now?: () => number;
}
