/**
 * Starts the planned partner calls in parallel and settles each exactly once: answered (parsed by
 * its adapter), invalid, failed (with cause) or timeout at its soft deadline — min(tmax, what is
 * left of the event budget). The event never waits past that. A call past its soft deadline keeps
 * running until its hard deadline (tmax + late window); a late answer is handed to `onLate` so it
 * is stored for the next event, not lost (PARTNER-PROTOCOL.md "late-answer window").
 *
 * A soft deadline is judged after one more look at the sockets. Node runs the timers that are due
 * before it polls for I/O, so after a stall of the DCS's own event loop (a long task, a GC pause, the
 * process waiting for a CPU) the timer would fire while answers that arrived in time still sit
 * unread in their sockets. The timer therefore only schedules the verdict with `setImmediate`,
 * which runs after that poll: answers already received are taken, and only the calls still
 * unanswered time out. Each call's {@link CallWatch} carries the verdict to the breaker, so a stall
 * of ours is not counted against a partner.
 *
 * Cost per event: one timer for all its calls (one per distinct soft deadline, normally one), no
 * `AbortController` (the transport enforces each call's hard deadline itself), and the promise
 * resolves in the same tick as the last settlement, so the event goes on at once.
 */
import type { PartnerAdapter, PartnerAnswer, PartnerCallInput } from '../adapter.js';
import { NEVER_ABORTED, type Call, type CallRequest, type CallResult, type CallWatch } from './call.js';

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

/** Called with a settlement that arrived after its call's soft deadline, and the plan's index. */
export type LateHandler = (plan: CallPlan, settlement: Settlement, index: number) => void;

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
  const n = plans.length;
  if (n === 0) return Promise.resolve([]);
  const t0 = performance.now();
  const settlements: Array<Settlement | undefined> = new Array(n);
  const watches: CallWatch[] = new Array(n);
  const soft = (i: number) => Math.max(0, Math.min(plans[i]!.tmaxMs, budgetMs));
  let pending = n;
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    const settle = (i: number, s: Settlement) => {
      if (settlements[i] !== undefined) return false;
      settlements[i] = s;
      if (--pending === 0) {
        clearTimeout(timer);
        resolve(settlements as Settlement[]);
      }
      return true;
    };
    /** Arms the one timer for the earliest soft deadline after `after` that still has a call pending. */
    const arm = (after: number) => {
      let next = Infinity;
      for (let i = 0; i < n; i++)
        if (settlements[i] === undefined && soft(i) > after) next = Math.min(next, soft(i));
      if (next === Infinity) return;
      // The delay is rounded up: Node's timers have whole-millisecond clocks, and a soft deadline
      // must never come early (a provider answering just inside its tmax is waited for).
      timer = setTimeout(
        () => setImmediate(expire, next),
        Math.ceil(next - Math.max(after, performance.now() - t0)),
      );
    };
    /** The soft deadline `deadline` has passed and the sockets were read: the rest time out. */
    const expire = (deadline: number) => {
      if (pending === 0) return;
      const ms = performance.now() - t0;
      for (let i = 0; i < n && pending > 0; i++)
        if (soft(i) <= deadline && settle(i, { status: 'timeout', ms })) {
          const watch = watches[i]!;
          watch.missed = true;
          if (soft(i) >= plans[i]!.tmaxMs) watch.onMissedTmax?.();
        }
      if (pending > 0) arm(deadline);
    };
    for (let i = 0; i < n; i++) {
      const plan = plans[i]!;
      const request = safeBuild(plan);
      if (request instanceof Error) {
        settle(i, { status: 'failed', reason: `build: ${request.message}`, ms: 0 });
        continue;
      }
      const watch: CallWatch = { missed: false, onMissedTmax: undefined };
      watches[i] = watch;
      const req: Mutable<CallRequest> = {
        partner: plan.key,
        request,
        requestId: plan.input.requestId,
        tmaxMs: plan.tmaxMs,
        hardTimeoutMs: plan.tmaxMs + plan.lateWindowMs,
        watch,
      };
      if (plan.secrets !== undefined) req.secrets = plan.secrets;
      void call(req, NEVER_ABORTED).then((result) => {
        const s = toSettlement(plan, result);
        if (!settle(i, s)) onLate(plan, s, i);
      });
    }
    if (pending > 0) arm(-1);
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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
