/**
 * Cross-cutting wrappers around the call function (STYLE.md §5), each `(next) => call`:
 * - {@link withHardDeadline}: aborts the call at `hardTimeoutMs` (tmax + late window) with one
 *   AbortController and a cleared timer per call (cheaper than `AbortSignal.timeout`, measurements §3);
 * - {@link withSigning}: request id, timestamp and `X-Audex-Signature` (PARTNER-PROTOCOL.md);
 * - {@link withMetrics}: per-partner calls, outcomes by cause and latency.
 * The breaker is in `breaker.ts`.
 */
import { signRequest } from '../signing.js';
import type { Call, CallWrapper } from './call.js';
import type { PartnerMetrics } from './partner-metrics.js';

export function withHardDeadline(): CallWrapper {
  return (next) => async (req, outer) => {
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(outer.reason);
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener('abort', onOuterAbort, { once: true });
    const timer = setTimeout(() => controller.abort('timeout'), req.hardTimeoutMs);
    try {
      return await next(req, controller.signal);
    } finally {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuterAbort);
    }
  };
}

export function withSigning(now: () => number = Date.now): CallWrapper {
  return (next) => (req, signal) => {
    const ts = now();
    const headers: Record<string, string> = {
      ...req.request.headers,
      'x-audex-request-id': req.requestId,
      'x-audex-timestamp': String(ts),
    };
    const secret = req.secrets?.[0];
    if (secret !== undefined) headers['x-audex-signature'] = signRequest(secret, ts, req.request.body ?? '');
    return next({ ...req, request: { ...req.request, headers } }, signal);
  };
}

export function withMetrics(metrics: PartnerMetrics): CallWrapper {
  return (next): Call =>
    async (req, signal) => {
      const result = await next(req, signal);
      metrics.observeCall(req.partner, result);
      return result;
    };
}
