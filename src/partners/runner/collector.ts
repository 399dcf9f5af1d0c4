/**
 * Starts the planned partner calls in parallel and settles each exactly once: answered (parsed by
 * its adapter), invalid, failed (with cause) or timeout at its soft deadline — min(tmax, what is
 * left of the event budget). The event never waits past that. A call past its soft deadline keeps
 * running until its hard deadline (tmax + late window); a late answer is handed to `onLate` so it
 * is stored for the next event, not lost (PARTNER-PROTOCOL.md "late-answer window").
 */
import type { PartnerAdapter, PartnerAnswer, PartnerCallInput } from '../adapter.js';
import type { Call, CallResult } from './call.js';

export interface CallPlan {
  /** Partner instance key. */
  readonly key: string;
  readonly adapter: PartnerAdapter<unknown>;
  readonly params: unknown;
  readonly endpoint: string;
  readonly input: PartnerCallInput;
  readonly tmaxMs: number;
  readonly lateWindowMs: number;
  readonly secrets?: readonly string[];
}

export type Settlement =
  | {
      readonly status: 'answered';
      readonly answer: Exclude<PartnerAnswer, { kind: 'invalid' }>;
      readonly ms: number;
    }
  | { readonly status: 'invalid'; readonly reason: string; readonly ms: number }
  | { readonly status: 'failed'; readonly reason: string; readonly ms: number }
  | { readonly status: 'timeout'; readonly ms: number };

export type LateHandler = (plan: CallPlan, settlement: Settlement) => void;

/**
 * Starts every call now and returns a promise of their settlements (same order as `plans`) that
 * resolves when all have settled or their soft deadlines passed. `budgetMs` caps every soft deadline.
 */
export function collect(
  call: Call,
  plans: readonly CallPlan[],
  budgetMs: number,
  onLate: LateHandler,
): Promise<Settlement[]> {
  if (plans.length === 0) return Promise.resolve([]);
  const t0 = performance.now();
  const settlements: Array<Settlement | undefined> = new Array(plans.length);
  let pending = plans.length;
  return new Promise((resolve) => {
    const settle = (i: number, s: Settlement) => {
      if (settlements[i] !== undefined) return false;
      settlements[i] = s;
      if (--pending === 0) resolve(settlements as Settlement[]);
      return true;
    };
    plans.forEach((plan, i) => {
      const soft = Math.max(0, Math.min(plan.tmaxMs, budgetMs));
      const timer = setTimeout(() => settle(i, { status: 'timeout', ms: performance.now() - t0 }), soft);
      const request = safeBuild(plan);
      if (request instanceof Error) {
        clearTimeout(timer);
        settle(i, { status: 'failed', reason: `build: ${request.message}`, ms: 0 });
        return;
      }
      const controller = new AbortController();
      void call(
        {
          partner: plan.key,
          request,
          requestId: plan.input.requestId,
          tmaxMs: plan.tmaxMs,
          hardTimeoutMs: plan.tmaxMs + plan.lateWindowMs,
          ...(plan.secrets !== undefined ? { secrets: plan.secrets } : {}),
        },
        controller.signal,
      ).then((result) => {
        clearTimeout(timer);
        const s = toSettlement(plan, result);
        if (!settle(i, s)) onLate(plan, s);
      });
    });
  });
}

function safeBuild(plan: CallPlan) {
  try {
    return plan.adapter.buildRequest(plan.input, plan.params, plan.endpoint);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function toSettlement(plan: CallPlan, result: CallResult): Settlement {
  if (!result.ok) {
    if (result.cause === 'timeout') return { status: 'timeout', ms: result.ms };
    const reason = result.detail === undefined ? result.cause : `${result.cause}: ${result.detail}`;
    return { status: 'failed', reason, ms: result.ms };
  }
  let answer: PartnerAnswer;
  try {
    answer = plan.adapter.parseResponse(result.response, plan.input, plan.params);
  } catch (err) {
    answer = { kind: 'invalid', reason: `adapter threw: ${(err as Error).message}` };
  }
  if (answer.kind === 'invalid') return { status: 'invalid', reason: answer.reason, ms: result.ms };
  return { status: 'answered', answer, ms: result.ms };
}
