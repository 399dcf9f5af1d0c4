/**
 * One stage of the event pipeline: a plain function over the {@link EventContext}. A stage never
 * throws for an expected condition; it records errors on the context and returns an outcome
 * (STYLE.md §2). The runner applies outcomes, times stages and turns unexpected throws into error 0.
 */
import type { EventContext } from './event-context.js';
import type { StageName } from './stage-list.js';

/** `next`: go on; `respond`: skip to the respond stage (nothing more is applied). */
export type StageOutcome = 'next' | 'respond';

export interface Stage {
  readonly name: StageName;
  run(ctx: EventContext): StageOutcome | Promise<StageOutcome>;
}
