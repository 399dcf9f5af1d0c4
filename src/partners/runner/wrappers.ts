/**
 * Cross-cutting wrappers around the call function (STYLE.md §5), each `(next) => call`:
 * - {@link withSigning}: request id, timestamp and `X-Audex-Signature` (PARTNER-PROTOCOL.md);
 * - {@link withMetrics}: per-partner calls, outcomes by cause and latency.
 * The breaker is in `breaker.ts`; the hard deadline (`hardTimeoutMs`: tmax + late window) is
 * enforced by the transport itself, with one timer per call that aborts the request directly.
 */
import { REQUEST_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signRequest } from '../signing.js';
import type { Call, CallWrapper } from './call.js';
import type { PartnerMetrics } from './partner-metrics.js';

/**
 * Adds `X-Audex-Request-Id` and `X-Audex-Timestamp` where the adapter's request lacks them, and
 * `X-Audex-Signature` when the partner has a secret. The adapters already send both headers (the
 * timestamp is `input.now`, when the call was planned): then an unsigned call goes through as it
 * is, with no copy of its headers, and a signed one is signed over the timestamp it carries.
 */
export function withSigning(now: () => number = Date.now): CallWrapper {
  return (next) => (req, signal) => {
    const given = req.request.headers;
    const secret = req.secrets?.[0];
    const stamped = given[TIMESTAMP_HEADER];
    if (secret === undefined && stamped !== undefined && given[REQUEST_ID_HEADER] === req.requestId)
      return next(req, signal);
    const timestamp = stamped ?? String(now());
    const headers: Record<string, string> = {
      ...given,
      [REQUEST_ID_HEADER]: req.requestId,
      [TIMESTAMP_HEADER]: timestamp,
    };
    if (secret !== undefined)
      headers[SIGNATURE_HEADER] = signRequest(secret, Number(timestamp), req.request.body ?? '');
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
