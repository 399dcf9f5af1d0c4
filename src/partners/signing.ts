/**
 * Request signing for the Audex protocol (docs/partner-protocol.md "Signing"):
 * `X-Audex-Signature: v1=<base64 HMAC-SHA256(secret, timestamp + "." + body)>`, with the unix-ms
 * timestamp sent in `X-Audex-Timestamp`, so a provider can reject forgeries and replays older than
 * a window. Verification accepts any of the active secrets, which is how keys rotate without a
 * flag day: add the new secret on the provider, switch the DCS, then retire the old one.
 *
 * Pure apart from `node:crypto`; lives outside `adapters/` because adapters may not import `node:*`.
 * The runner applies {@link signOutboundRequest} as a wrapper around the adapter's request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OutboundRequest } from './adapter.js';

export const SIGNATURE_HEADER = 'x-audex-signature';
export const TIMESTAMP_HEADER = 'x-audex-timestamp';
export const REQUEST_ID_HEADER = 'x-audex-request-id';
const SCHEME = 'v1=';

/** Default replay window: a timestamp more than 5 minutes from the provider's clock is refused. */
export const DEFAULT_SIGNATURE_WINDOW_MS = 300_000;

/** At most two secrets are active at once: the current one and the one being rotated out (or in). */
export const MAX_ACTIVE_SECRETS = 2;

function mac(secret: string, timestamp: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
}

/** `v1=<base64 HMAC-SHA256(secret, timestampMs + "." + body)>`; `body` is `''` for a GET. */
export function signRequest(secret: string, timestampMs: number, body: string): string {
  return SCHEME + mac(secret, String(timestampMs), body).toString('base64');
}

/**
 * Adds `X-Audex-Timestamp` and `X-Audex-Signature` to a described request. The timestamp the
 * adapter set (from `input.now`) is kept, so both headers always agree.
 */
export function signOutboundRequest(req: OutboundRequest, secret: string, now: number): OutboundRequest {
  const timestamp = req.headers[TIMESTAMP_HEADER] ?? String(now);
  const ts = Number(timestamp);
  return {
    ...req,
    headers: {
      ...req.headers,
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signRequest(secret, ts, req.body ?? ''),
    },
  };
}

export type VerifyResult =
  | { ok: true; /** Index into `secrets` of the key that matched. */ secretIndex: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' | 'no-secret' };

/**
 * Checks a signature header against the active secrets.
 * @param secrets the active secrets (1 or 2; more are refused as a configuration smell)
 * @param header the `X-Audex-Signature` value; a comma-separated list of `v1=` entries is allowed
 * @param timestamp the `X-Audex-Timestamp` value (unix ms, as sent)
 * @param windowMs largest accepted |now − timestamp|. Default {@link DEFAULT_SIGNATURE_WINDOW_MS}.
 */
export function verifySignature(
  secrets: readonly string[],
  header: string | undefined,
  timestamp: string | number | undefined,
  body: string,
  now: number,
  windowMs: number = DEFAULT_SIGNATURE_WINDOW_MS,
): VerifyResult {
  const active = secrets.filter((s) => s.length > 0);
  if (active.length === 0 || active.length > MAX_ACTIVE_SECRETS) return { ok: false, reason: 'no-secret' };
  if (header === undefined || header === '' || timestamp === undefined || timestamp === '') {
    return { ok: false, reason: 'missing' };
  }
  const ts = String(timestamp);
  if (!/^\d{1,16}$/.test(ts)) return { ok: false, reason: 'malformed' };
  const given = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(SCHEME))
    .map((part) => Buffer.from(part.slice(SCHEME.length), 'base64'));
  if (given.length === 0) return { ok: false, reason: 'malformed' };
  // Freshness before the MAC: a stale request is refused however well it is signed.
  if (Math.abs(now - Number(ts)) > windowMs) return { ok: false, reason: 'stale' };
  for (const [secretIndex, secret] of active.entries()) {
    const expected = mac(secret, ts, body);
    // timingSafeEqual needs equal lengths; a length mismatch is simply not a match.
    if (given.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected))) {
      return { ok: true, secretIndex };
    }
  }
  return { ok: false, reason: 'mismatch' };
}
