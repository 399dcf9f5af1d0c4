/**
 * The Audex real-time protocol v1 (docs/partner-protocol.md): one JSON POST per event, answered
 * with `{ segments, ttl, user: { id } }` or `204`. This is the reference shape; the partner
 * simulator in `src/partners/sim/` implements its provider side.
 */
import type { PartnerAdapter, PartnerCallInput, PartnerRegs } from '../../adapter.js';
import {
  acceptUserId,
  decodeJsonAnswer,
  finishAnswer,
  invalid,
  isObject,
  isTtl,
  maxAgeFrom,
} from '../shared/answer.js';
import { HEADERS_PARAM_SCHEMA, buildHeaders } from '../shared/request.js';
import { CodeCollector } from '../shared/segment-codes.js';

/** Params of an `audex` partner instance. */
export interface AudexParams {
  /** Static extra headers (e.g. an API key). Default none. */
  headers?: Record<string, string>;
}

/** Wire version sent as `v`; a provider may reject versions it does not know. */
export const AUDEX_PROTOCOL_VERSION = 1;

/** The request body, exactly as `docs/schemas/partner-request.schema.json` describes it. */
export function audexRequestBody(input: PartnerCallInput): Record<string, unknown> {
  const { user, page, device, regs } = input;
  // Each field is copied only when present (never `undefined`, which JSON would drop anyway but a
  // deep-equality check would not); plain assignments, not conditional spreads, which allocate a
  // throwaway object per present field on every call.
  const u: Record<string, string> = {};
  if (user.partnerUid !== undefined) u['id'] = user.partnerUid;
  if (user.visitorId !== undefined) u['visitor'] = user.visitorId;
  const pg: Record<string, string> = {};
  if (page.url !== undefined) pg['url'] = page.url;
  if (page.ref !== undefined) pg['ref'] = page.ref;
  const dev: Record<string, string> = {};
  if (device.ua !== undefined) dev['ua'] = device.ua;
  if (device.ip !== undefined) dev['ip'] = device.ip;
  if (device.lang !== undefined) dev['lang'] = device.lang;
  return {
    v: AUDEX_PROTOCOL_VERSION,
    id: input.requestId,
    tmax: input.tmaxMs,
    user: u,
    signals: input.signals,
    page: pg,
    device: dev,
    regs: wireRegs(regs),
  };
}

/** `regs` with the wire's names. */
function wireRegs(regs: PartnerRegs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (regs.gdpr !== undefined) out['gdpr'] = regs.gdpr;
  if (regs.gdprConsent !== undefined) out['gdpr_consent'] = regs.gdprConsent;
  if (regs.gpp !== undefined) out['gpp'] = regs.gpp;
  if (regs.gppSid !== undefined) out['gpp_sid'] = regs.gppSid;
  if (regs.usPrivacy !== undefined) out['us_privacy'] = regs.usPrivacy;
  if (regs.coppa !== undefined) out['coppa'] = regs.coppa;
  return out;
}

export const audex: PartnerAdapter<AudexParams> = {
  name: 'audex',
  paramsSchema: {
    type: 'object',
    properties: { headers: HEADERS_PARAM_SCHEMA },
    additionalProperties: false,
  },

  buildRequest(input, params, endpoint) {
    return {
      method: 'POST',
      url: endpoint,
      headers: buildHeaders(input, { 'content-type': 'application/json' }, params.headers),
      body: JSON.stringify(audexRequestBody(input)),
    };
  },

  parseResponse(res) {
    const decoded = decodeJsonAnswer(res);
    if (!decoded.ok) return decoded.answer;
    const body = decoded.value;
    if (!isObject(body)) return invalid('body is not a JSON object');
    const { segments, ttl, user } = body;
    // Shape (JSON types) is strict; values inside a right-typed field are lenient (dropped, counted).
    if (segments !== undefined && !Array.isArray(segments)) return invalid('segments is not an array');
    if (ttl !== undefined && typeof ttl !== 'number') return invalid('ttl is not a number');
    if (user !== undefined && !isObject(user)) return invalid('user is not an object');
    if (user?.['id'] !== undefined && typeof user['id'] !== 'string')
      return invalid('user.id is not a string');

    const codes = new CodeCollector();
    for (const entry of segments ?? []) {
      if (isObject(entry)) {
        const entryTtl = entry['ttl'];
        if (entryTtl !== undefined && !isTtl(entryTtl)) codes.drop();
        else codes.add(entry['id'], entryTtl);
      } else {
        codes.add(entry);
      }
    }
    // The body's ttl wins; `Cache-Control: max-age` is the fallback every shape honours.
    let ttlSec: number | undefined;
    if (isTtl(ttl)) ttlSec = ttl;
    else {
      if (ttl !== undefined) codes.drop();
      ttlSec = maxAgeFrom(res.headers);
    }
    const rawUid = user?.['id'];
    const userId = typeof rawUid === 'string' ? acceptUserId(rawUid, codes) : undefined;
    return finishAnswer(codes, { ttlSec, userId });
  },
};
