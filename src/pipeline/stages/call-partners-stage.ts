/**
 * call-partners: starts every synchronous partner call now, in parallel, each under its own soft
 * deadline (min(tmax, what is left of the event budget)); does not wait — `onboard` collects them
 * as late as possible, so the calls overlap the rest of the pipeline. A late answer is stored for
 * the next event. On failure: none — the collector turns every problem into a settlement.
 */
import { collect, type Settlement } from '../../partners/runner/collector.js';
import type { EventContext } from '../event-context.js';
import type { Stage } from '../stage.js';

export const callPartnersStage: Stage = {
  name: 'call-partners',
  run(ctx) {
    if (ctx.syncCalls.length === 0) return 'next';
    const svc = ctx.services.partners;
    const budgetLeft =
      ctx.services.config.eventBudgetMs - (performance.now() - ctx.startedAt) - svc.reserveMs;
    const calls = ctx.syncCalls;
    const visitorId = ctx.visitorId;
    ctx.inFlight = collect(
      svc.call,
      calls.map((c) => c.plan),
      Math.max(0, budgetLeft),
      (plan, settlement, i) => {
        const partner = calls[i]?.partner;
        svc.metrics.outcome(plan.key, `late:${settlement.status}`);
        if (partner !== undefined && visitorId !== undefined) svc.storeLate(visitorId, partner, settlement);
      },
    );
    return 'next';
  },
};

/**
 * Asynchronous partners (mode `async`) are called after the reply is sent: nothing waits for them,
 * and every answer — early or late — is stored for the visitor's next event.
 */
export function startAsyncCalls(ctx: EventContext): void {
  const visitorId = ctx.visitorId;
  if (ctx.asyncCalls.length === 0 || visitorId === undefined) return;
  const svc = ctx.services.partners;
  const calls = ctx.asyncCalls;
  const horizon = Math.max(...calls.map((c) => c.plan.tmaxMs));
  const store = (i: number, s: Settlement) => {
    const call = calls[i];
    if (call === undefined) return;
    svc.metrics.outcome(call.plan.key, `async:${s.status}`);
    svc.storeLate(visitorId, call.partner, s);
  };
  void collect(
    svc.call,
    calls.map((c) => c.plan),
    horizon,
    (_plan, s, i) => store(i, s),
  ).then((settlements) =>
    settlements.forEach((s, i) => {
      if (s.status !== 'timeout') store(i, s);
    }),
  );
}
