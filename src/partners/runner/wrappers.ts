/**
 * Cross-cutting wrappers around the call function (STYLE.md §5), each `(next) => call`:
 * - {@link withSigning}: request id, timestamp and `X-Audex-Signature` (PARTNER-PROTOCOL.md);
 * - {@link withMetrics}: per-partner calls, outcomes by cause and latency.
 * The breaker is in `breaker.ts`; the hard deadline (`hardTimeoutMs`: tmax + late window) is
 * enforced by the transport itself, with one timer per call that aborts the request directly.
 */
import { signRequest } from '../signing.js';
import type { Call, CallWrapper } from './call.js';
import type { PartnerMetrics } from './partner-metrics.js';

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
    (req, signal) =>
      next(req, signal).then((result) => {
        metrics.observeCall(req.partner, result);
        return result;
      });
}
