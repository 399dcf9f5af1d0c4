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

export async function runPipeline(
  ctx: EventContext,
  stages: readonly Stage[],
  hooks: RunnerHooks = {},
): Promise<void> {
  let skipping = false;
  const last = stages[stages.length - 1];
  for (const stage of stages) {
    if (skipping && stage !== last) continue;
    const t0 = performance.now();
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
    const ms = performance.now() - t0;
    ctx.stageMs[stage.name] = ms;
    hooks.onStage?.(stage.name, ms / 1000);
  }
}
