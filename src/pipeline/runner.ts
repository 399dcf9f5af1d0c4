/**
 * Runs the stages of `stage-list.ts` over one context: times each stage, applies outcomes, and
 * turns an unexpected throw into error 0 so the caller always gets a reply (ARCHITECTURE.md).
 */
import { performance } from 'node:perf_hooks';
import { wireError } from '../errors/registry.js';
import type { EventContext } from './event-context.js';
import type { Stage } from './stage.js';

export interface RunnerHooks {
  /** Called with each stage's duration in seconds. */
  onStage?: (stage: string, seconds: number) => void;
  /** Called with an unexpected error thrown by a stage. */
  onCrash?: (stage: string, err: unknown) => void;
}

/**
 * Per-stage timing costs two clock reads and a histogram observation per stage; the hot path
 * times one event in {@link STAGE_SAMPLE_EVERY} (a uniform sample keeps the histograms' shape) and
 * every event that asks for `d_debug`.
 */
export const STAGE_SAMPLE_EVERY = 8;
let sampleCounter = 0;

export function shouldTimeStages(debug: boolean): boolean {
  return debug || ++sampleCounter % STAGE_SAMPLE_EVERY === 0;
}

export async function runPipeline(
  ctx: EventContext,
  stages: readonly Stage[],
  hooks: RunnerHooks = {},
  timed = true,
): Promise<void> {
  let skipping = false;
  const last = stages[stages.length - 1];
  // Indexed: resumed after an await, a `for…of` here allocated an iterator result per stage.
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i] as Stage;
    if (skipping && stage !== last) continue;
    const t0 = timed ? performance.now() : 0;
    try {
      let outcome = stage.run(ctx);
      if (typeof outcome !== 'string') outcome = await outcome;
      if (outcome === 'respond') skipping = true;
    } catch (err) {
      hooks.onCrash?.(stage.name, err);
      ctx.errors.push(wireError('UNSPECIFIED'));
      skipping = true;
      if (stage === last) throw err;
    }
    if (!timed) continue;
    const ms = performance.now() - t0;
    ctx.stageMs[stage.name] = ms;
    hooks.onStage?.(stage.name, ms / 1000);
  }
}
