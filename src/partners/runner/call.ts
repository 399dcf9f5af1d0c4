/**
 * The one call function every cross-cutting concern wraps (STYLE.md §5): deadline, signing,
 * metrics and the breaker are `(next) => call` wrappers around the undici transport. A call never
 * rejects: failures are values with a cause, so the collector settles every partner exactly once.
 */
import type { OutboundRequest, PartnerResponse } from '../adapter.js';

export type FailureCause =
  'timeout' | 'network' | 'reset' | 'body-too-large' | 'bad-encoding' | 'breaker-open' | 'aborted';

export interface CallRequest {
  /** Partner instance key (for metrics, breaker and logs). */
  readonly partner: string;
  readonly request: OutboundRequest;
  /** Id sent as X-Audex-Request-Id. */
  readonly requestId: string;
  /**
   * The partner's tmax, ms: an answer slower than this counts as a failure for the breaker, unless
   * the collector took it in time ({@link CallWatch}).
   */
  readonly tmaxMs: number;
  /** Hard limit for the whole call, ms (tmax + late-answer window). */
  readonly hardTimeoutMs: number;
  /** Partner secrets for HMAC signing; the first signs (rotation: the provider accepts either). */
  readonly secrets?: readonly string[];
  /** The collector's verdict on this call, when a collector made it. */
  readonly watch?: CallWatch;
}

/**
 * What the collector decided about a call, shared with the wrappers under it. `missed` turns true
 * when the collector gave up waiting (the soft deadline passed with no answer, after the answers
 * already received were read). An answer it took in time is not the partner's fault even if its
 * `ms` is over tmax: that time then holds a stall of the DCS's own event loop, not the partner's.
 */
export interface CallWatch {
  missed: boolean;
  /**
   * Set by a wrapper that wants to know at once when the collector gives up at the partner's own
   * tmax (not at a shorter event budget): the breaker counts the failure then, rather than when
   * the call ends at its hard deadline, a late-answer window later. Called with no argument.
   */
  onMissedTmax: (() => void) | undefined;
}

export type CallResult =
  | { readonly ok: true; readonly response: PartnerResponse; readonly ms: number }
  | { readonly ok: false; readonly cause: FailureCause; readonly detail?: string; readonly ms: number };

/**
 * `signal` aborts the call from outside (cause `aborted`, or `timeout` when aborted with reason
 * `'timeout'`). Most callers have nothing to abort with: they omit it or pass {@link NEVER_ABORTED},
 * which costs no listener.
 */
export type Call = (req: CallRequest, signal?: AbortSignal) => Promise<CallResult>;

/** A signal that never aborts, shared by every call that has no outer abort. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
export type CallWrapper = (next: Call) => Call;

/** Composes wrappers outermost-first: `compose(base, a, b)` calls a → b → base. */
export function compose(base: Call, ...wrappers: CallWrapper[]): Call {
  return wrappers.reduceRight<Call>((next, wrap) => wrap(next), base);
}
