/**
 * OpenRTB 2.6 (docs/partner-protocol.md "OpenRTB"): the event as a `BidRequest` subset for data
 * providers that already speak RTB; the answer is read from `user.data[].segment[].id`, the
 * place RTB puts audience segments, keeping the taxonomy id from `data[].ext.segtax`.
 */
import type { PartnerAdapter, PartnerCallInput } from '../../adapter.js';
import {
  acceptUserId,
  decodeJsonAnswer,
  finishAnswer,
  invalid,
  isObject,
  maxAgeFrom,
  type JsonObject,
} from '../shared/answer.js';
import { HEADERS_PARAM_SCHEMA, buildHeaders } from '../shared/request.js';
import { CodeCollector } from '../shared/segment-codes.js';

/** Params of an `openrtb` partner instance. */
export interface OpenRtbParams {
  /** Keep only `data` blocks whose `ext.segtax` is this IAB taxonomy id. Default: every block. */
  segtax?: number;
  /** Static extra headers (e.g. an API key). Default none. */
  headers?: Record<string, string>;
}

/**
 * The `BidRequest`. `imp` is left out on purpose: there is no ad slot, and data providers key on
 * `user`. Signals travel in `ext.audex.signals` (only when there are any); 2.5-style copies of
 * consent fields sit in `user.ext` / `regs.ext` for providers not yet on 2.6.
 */
export function openRtbRequestBody(input: PartnerCallInput): Record<string, unknown> {
  const { user, page, device, regs } = input;
  const consent = regs.gdprConsent;
  const userExt = { ...(consent !== undefined && { consent }) };
  const regsExt = {
    ...(regs.gdpr !== undefined && { gdpr: regs.gdpr }),
    ...(regs.usPrivacy !== undefined && { us_privacy: regs.usPrivacy }),
  };
  return {
    id: input.requestId,
    tmax: input.tmaxMs,
    user: {
      ...(user.visitorId !== undefined && { id: user.visitorId }),
      ...(user.partnerUid !== undefined && { buyeruid: user.partnerUid }),
      ...(consent !== undefined && { consent }),
      ...(Object.keys(userExt).length > 0 && { ext: userExt }),
    },
    site: {
      ...(page.url !== undefined && { page: page.url }),
      ...(page.ref !== undefined && { ref: page.ref }),
    },
    device: {
      ...(device.ua !== undefined && { ua: device.ua }),
      ...(device.ip !== undefined && (device.ip.includes(':') ? { ipv6: device.ip } : { ip: device.ip })),
      ...(device.lang !== undefined && { language: device.lang }),
    },
    regs: {
      ...(regs.coppa !== undefined && { coppa: regs.coppa }),
      ...(regs.gdpr !== undefined && { gdpr: regs.gdpr }),
      ...(regs.usPrivacy !== undefined && { us_privacy: regs.usPrivacy }),
      ...(regs.gpp !== undefined && { gpp: regs.gpp }),
      ...(regs.gppSid !== undefined && { gpp_sid: regs.gppSid }),
      ...(Object.keys(regsExt).length > 0 && { ext: regsExt }),
    },
    ...(Object.keys(input.signals).length > 0 && { ext: { audex: { signals: input.signals } } }),
  };
}

/** `data[].ext.segtax` if it is a positive integer. */
function segtaxOf(block: JsonObject): number | undefined {
  const ext = block['ext'];
  const segtax = isObject(ext) ? ext['segtax'] : undefined;
  return typeof segtax === 'number' && Number.isSafeInteger(segtax) && segtax > 0 ? segtax : undefined;
}

export const openrtb: PartnerAdapter<OpenRtbParams> = {
  name: 'openrtb',
  paramsSchema: {
    type: 'object',
    properties: {
      segtax: { type: 'integer', minimum: 1 },
      headers: HEADERS_PARAM_SCHEMA,
    },
    additionalProperties: false,
  },

  buildRequest(input, params, endpoint) {
    return {
      method: 'POST',
      url: endpoint,
      headers: buildHeaders(
        input,
        { 'content-type': 'application/json', 'x-openrtb-version': '2.6' },
        params.headers,
      ),
      body: JSON.stringify(openRtbRequestBody(input)),
    };
  },

  parseResponse(res, _input, params) {
    const decoded = decodeJsonAnswer(res);
    if (!decoded.ok) return decoded.answer;
    const body = decoded.value;
    if (!isObject(body)) return invalid('body is not a JSON object');
    const user = body['user'];
    if (user !== undefined && !isObject(user)) return invalid('user is not an object');
    const data = user?.['data'];
    if (data !== undefined && !Array.isArray(data)) return invalid('user.data is not an array');
    const buyeruid = user?.['buyeruid'];
    if (buyeruid !== undefined && typeof buyeruid !== 'string')
      return invalid('user.buyeruid is not a string');

    const codes = new CodeCollector();
    const taxonomies = new Set<number | undefined>();
    for (const block of (data ?? []) as unknown[]) {
      if (!isObject(block)) return invalid('user.data[] is not an object');
      const segments = block['segment'];
      if (segments !== undefined && !Array.isArray(segments))
        return invalid('user.data[].segment is not an array');
      const segtax = segtaxOf(block);
      if (params.segtax !== undefined && segtax !== params.segtax) continue;
      const before = codes.codes.length;
      for (const segment of (segments ?? []) as unknown[])
        codes.add(isObject(segment) ? segment['id'] : segment);
      if (codes.codes.length > before) taxonomies.add(segtax);
    }
    // One answer carries one segtax: reported only when every contributing block agrees.
    const [only] = taxonomies;
    const segtax = taxonomies.size === 1 ? only : undefined;
    const userId = typeof buyeruid === 'string' ? acceptUserId(buyeruid, codes) : undefined;
    return finishAnswer(codes, { ttlSec: maxAgeFrom(res.headers), userId, segtax });
  },
};
