/**
 * JSON Schemas of the `/partners/` resource (PARTNER-PROTOCOL.md): a real-time provider instance.
 * Defaults in descriptions are applied when the catalog compiles (src/partners/runner/compile-partners.ts).
 */
import { body, description, entity, id, name, ruleText, status, type JsonSchema } from './schemas.js';

const int = (minimum: number, maximum: number, text: string): JsonSchema => ({
  type: 'integer',
  minimum,
  maximum,
  description: text,
});

const partnerFields: Record<string, JsonSchema> = {
  name,
  description,
  dataSourceId: { ...id, description: "the provider's third-party data source" },
  adapter: { type: 'string', minLength: 1, maxLength: 64, description: 'audex | http-get | openrtb' },
  endpoint: {
    type: 'string',
    minLength: 8,
    maxLength: 2048,
    description: 'http(s) URL (http-get: URL template)',
  },
  params: {
    type: 'object',
    additionalProperties: true,
    description: "checked against the adapter's params schema",
  },
  mode: { type: 'string', enum: ['sync', 'async', 'browser'], description: 'sync: answer in this reply' },
  tmaxMs: int(1, 10_000, 'default 80; never more than what is left of the event budget'),
  cacheTtlSec: int(0, 31_536_000, 'default 3600'),
  cacheTtlMinSec: int(0, 31_536_000, 'default 60'),
  cacheTtlMaxSec: int(0, 31_536_000, 'default 604800'),
  lateWindowMs: int(0, 60_000, 'default 1000: a late answer is kept for the next event'),
  callRule: {
    ...ruleText,
    description: 'trait-rule language over signals, plus `trait` = realised trait ids',
  },
  needsIdSync: { type: 'boolean', description: "default false: not called until the provider's id is known" },
  idSyncUrl: {
    type: 'string',
    minLength: 8,
    maxLength: 2048,
    description: 'fired by the iframe; ${DCS_IBS} macro',
  },
  tcfVendorId: int(1, 100_000, 'IAB TCF vendor id; required to call under GDPR'),
  samplingPct: { type: 'number', minimum: 0, maximum: 100, description: 'default 100' },
  rateLimitPerSec: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000, description: 'per node' },
  breaker: {
    type: 'object',
    additionalProperties: false,
    properties: {
      errorThresholdPercentage: int(1, 100, 'default 50'),
      volumeThreshold: int(1, 100_000, 'default 20'),
      windowMs: int(100, 600_000, 'default 10000'),
      resetMs: int(100, 600_000, 'default 5000'),
      consecutiveFailures: int(0, 100_000, 'failures in a row that open the breaker; default 20, 0 off'),
      consecutiveSpanMs: int(
        0,
        600_000,
        'how long (ms) the failures in a row must span before they open the breaker; default 250',
      ),
    },
  },
  secrets: {
    type: 'array',
    maxItems: 2,
    items: { type: 'string', minLength: 16, maxLength: 256 },
    description: 'HMAC secrets, the first signs; two while rotating',
  },
  send: {
    type: 'object',
    additionalProperties: false,
    properties: {
      visitorId: { type: 'boolean' },
      pageUrl: { type: 'boolean' },
      ip: { type: 'boolean' },
      userAgent: { type: 'boolean' },
      signalKeys: {
        type: 'array',
        maxItems: 200,
        items: { type: 'string', pattern: '^(?!p_)[A-Za-z0-9_.-]{1,100}$' },
      },
    },
  },
  status,
};

export const partnerSchema = entity('Partner', { partnerId: id, ...partnerFields }, [
  'partnerId',
  'name',
  'dataSourceId',
  'adapter',
  'endpoint',
  'mode',
  'status',
]);

export const partnerBody = body('PartnerBody', 'partnerId', partnerFields, [
  'name',
  'dataSourceId',
  'adapter',
  'endpoint',
  'mode',
]);
