/**
 * The Audex real-time protocol v1 (docs/partner-protocol.md): one JSON POST per event, answered
 * with `{ segments, ttl, user: { id } }` or `204`. This is the reference shape; the partner
 * simulator in `src/partners/sim/` implements its provider side.
 */
import type { PartnerAdapter, PartnerCallInput } from '../../adapter.js';
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
  return {
    v: AUDEX_PROTOCOL_VERSION,
    id: input.requestId,
    tmax: input.tmaxMs,
    user: {
      ...(user.partnerUid !== undefined && { id: user.partnerUid }),
      ...(user.visitorId !== undefined && { visitor: user.visitorId }),
    },
    signals: input.signals,
    page: {
      ...(page.url !== undefined && { url: page.url }),
      ...(page.ref !== undefined && { ref: page.ref }),
    },
    device: {
      ...(device.ua !== undefined && { ua: device.ua }),
      ...(device.ip !== undefined && { ip: device.ip }),
      ...(device.lang !== undefined && { lang: device.lang }),
    },
    regs: {
      ...(regs.gdpr !== undefined && { gdpr: regs.gdpr }),
      ...(regs.gdprConsent !== undefined && { gdpr_consent: regs.gdprConsent }),
      ...(regs.gpp !== undefined && { gpp: regs.gpp }),
      ...(regs.gppSid !== undefined && { gpp_sid: regs.gppSid }),
      ...(regs.usPrivacy !== undefined && { us_privacy: regs.usPrivacy }),
      ...(regs.coppa !== undefined && { coppa: regs.coppa }),
    },
  };
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
    let ttlSec = maxAgeFrom(res.headers);
    if (ttl !== undefined) {
      if (isTtl(ttl)) ttlSec = ttl;
      else codes.drop();
    }
    const rawUid = user?.['id'];
    const userId = typeof rawUid === 'string' ? acceptUserId(rawUid, codes) : undefined;
    return finishAnswer(codes, { ttlSec, userId });
  },
};
