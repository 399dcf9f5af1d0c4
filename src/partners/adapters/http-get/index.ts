/**
 * Templated GET (docs/partner-protocol.md "Templated GET"): for providers with an existing simple
 * segment API. The partner instance's endpoint is a URL template (`url-template.ts`); the answer
 * is mapped to codes by a small JSON path (`json-path.ts`).
 */
import type { PartnerAdapter } from '../../adapter.js';
import { decodeJsonAnswer, finishAnswer, invalid, isTtl, maxAgeFrom } from '../shared/answer.js';
import { HEADERS_PARAM_SCHEMA, buildHeaders } from '../shared/request.js';
import { CodeCollector } from '../shared/segment-codes.js';
import { JSON_PATH_PATTERN, selectJsonPath } from './json-path.js';
import { checkUrlTemplate, expandUrlTemplate } from './url-template.js';

/** Params of an `http-get` partner instance. */
export interface HttpGetParams {
  /** Where the codes are in the answer. Default `segments`. */
  path?: string;
  /** Where a TTL in seconds is; absent = `Cache-Control: max-age`, if any. */
  ttlPath?: string;
  /** Static extra headers (e.g. an API key). Default none. */
  headers?: Record<string, string>;
}

export const DEFAULT_SEGMENTS_PATH = 'segments';

/**
 * A reached value becomes codes: a string is a code, a non-negative integer is its decimal text
 * (simple APIs often number their segments), an array contributes each element; anything else
 * is dropped.
 */
function collect(value: unknown, codes: CodeCollector, nested = false): void {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) codes.add(String(value));
  else if (Array.isArray(value) && !nested) for (const item of value) collect(item, codes, true);
  else codes.add(value);
}

export const httpGet: PartnerAdapter<HttpGetParams> = {
  name: 'http-get',
  paramsSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', pattern: JSON_PATH_PATTERN, maxLength: 256 },
      ttlPath: { type: 'string', pattern: JSON_PATH_PATTERN, maxLength: 256 },
      headers: HEADERS_PARAM_SCHEMA,
    },
    additionalProperties: false,
  },

  checkEndpoint: checkUrlTemplate,

  buildRequest(input, params, endpoint) {
    return {
      method: 'GET',
      url: expandUrlTemplate(endpoint, input),
      headers: buildHeaders(input, { accept: 'application/json' }, params.headers),
    };
  },

  parseResponse(res, _input, params) {
    const decoded = decodeJsonAnswer(res);
    if (!decoded.ok) return decoded.answer;
    const selected = selectJsonPath(decoded.value, params.path ?? DEFAULT_SEGMENTS_PATH);
    if (!selected.ok) return invalid(selected.reason);
    const codes = new CodeCollector();
    for (const value of selected.values) collect(value, codes);

    // The body's TTL wins; the headers are read (and decoded) only when it has none.
    let ttlSec: number | undefined;
    if (params.ttlPath !== undefined) {
      const ttl = selectJsonPath(decoded.value, params.ttlPath);
      if (!ttl.ok) return invalid(ttl.reason);
      const [first] = ttl.values;
      if (first !== undefined && typeof first !== 'number')
        return invalid(`${params.ttlPath} is not a number`);
      if (isTtl(first)) ttlSec = first;
      else if (first !== undefined) codes.drop();
    }
    return finishAnswer(codes, { ttlSec: ttlSec ?? maxAgeFrom(res.headers) });
  },
};
