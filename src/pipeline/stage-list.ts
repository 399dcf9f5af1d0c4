/**
 * THE pipeline, drawn once (STYLE.md §1). The order here is the order of execution, and the
 * source of the lifecycle diagram in docs/lifecycle.md. What each stage does on failure is in its
 * own file's header and in that document.
 */
import type { Stage } from './stage.js';
import { parseSignalsStage } from './stages/parse-signals-stage.js';
import { resolveIdentityStage } from './stages/resolve-identity-stage.js';
import { loadProfileStage } from './stages/load-profile-stage.js';
import { realizeTraitsStage } from './stages/realize-traits-stage.js';
import { planPartnersStage } from './stages/plan-partners-stage.js';
import { callPartnersStage } from './stages/call-partners-stage.js';
import { onboardStage } from './stages/onboard-stage.js';
import { qualifySegmentsStage } from './stages/qualify-segments-stage.js';
import { writeProfileStage } from './stages/write-profile-stage.js';
import { respondStage } from './stages/respond-stage.js';

export const STAGES: readonly Stage[] = [
  parseSignalsStage,
  resolveIdentityStage,
  loadProfileStage,
  realizeTraitsStage,
  planPartnersStage,
  callPartnersStage,
  onboardStage,
  qualifySegmentsStage,
  writeProfileStage,
  respondStage,
];

export type StageName =
  | 'parse-signals'
  | 'resolve-identity'
  | 'load-profile'
  | 'realize-traits'
  | 'plan-partners'
  | 'call-partners'
  | 'onboard'
  | 'qualify-segments'
  | 'write-profile'
  | 'respond';
