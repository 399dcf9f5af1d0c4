/**
 * One `/event` call as AAM page code makes it (reference/measurements.md §5): a credentialed CORS
 * POST with a form body (a "simple" request: no preflight), `d_rtbd=json`, consent, declared ids,
 * the page URL and referrer, and the signals.
 */
import { CONTROL_KEYS, type DcsReply } from '../../src/protocol/dcs-reply.js';
import { PAGE_URL_KEY, REFERRER_KEY } from '../../src/protocol/tag-protocol.js';
import type { DeclaredId, TagConfig } from './config.js';

export type Signals = Record<string, string | number | (string | number)[]>;

const RESERVED = new Set<string>([...CONTROL_KEYS, 'd_debug', 'gdpr', 'gdpr_consent', 'gpp', 'gpp_sid']);

/** Builds the form body. `uuid` is the first-party fallback id (only when the DCS cookie is blocked). */
export function eventBody(
  cfg: TagConfig,
  signals: Signals,
  consent: [string, string][],
  uuid: string | undefined,
): URLSearchParams {
  const body = new URLSearchParams('d_rtbd=json&d_cts=2&d_dst=1&d_jsonv=1');
  if (uuid) body.append('d_uuid', uuid);
  for (const [k, v] of consent) body.append(k, v);
  for (const d of cfg.ids) body.append(...declared(d));
  for (const src of [cfg.signals, signals]) {
    for (const k of Object.keys(src)) {
      if (RESERVED.has(k)) continue;
      const v = src[k] as Signals[string];
      for (const one of Array.isArray(v) ? v : [v]) body.append(k, String(one));
    }
  }
  body.append(PAGE_URL_KEY, location.href);
  if (document.referrer) body.append(REFERRER_KEY, document.referrer);
  return body;
}

function declared(d: DeclaredId): [string, string] {
  const value = [d.dpid ?? d.ic, d.id, ...(d.authState !== undefined ? [d.authState] : [])].join('\u0001');
  return [d.dpid !== undefined ? 'd_cid' : 'd_cid_ic', value];
}

/** Sends the call; never rejects (a failure is a reply with an error, so pages need no catch). */
export async function sendEvent(cfg: TagConfig, body: URLSearchParams): Promise<DcsReply> {
  try {
    const debug = cfg.debugToken !== '';
    const res = await fetch(`${cfg.dcs}/event${debug ? '?d_debug=1' : ''}`, {
      method: 'POST',
      body,
      credentials: 'include',
      ...(debug ? { headers: { Authorization: `Bearer ${cfg.debugToken}` } } : {}),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as DcsReply;
  } catch (err) {
    return failedReply(String(err));
  }
}

/** A reply-shaped failure: code 0 is AAM's "unspecified error". */
export function failedReply(msg: string, code = 0): DcsReply {
  return { dcs_region: 0, tid: '', stuff: [], dests: [], errors: [{ code, msg }] };
}
