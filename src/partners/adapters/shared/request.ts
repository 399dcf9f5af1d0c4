/**
 * Request-side helpers shared by the adapters: the optional static `headers` param and the
 * headers every Audex call carries.
 */
import type { PartnerCallInput } from '../../adapter.js';

/**
 * JSON Schema of the optional `headers` param: static headers for a provider (an API key, say).
 * Names are lower-case tokens; protocol headers (`content-type`, `x-audex-*`) cannot be overridden.
 */
export const HEADERS_PARAM_SCHEMA = {
  type: 'object',
  propertyNames: { pattern: '^(?!x-audex-|content-type$|content-length$|host$)[a-z0-9][a-z0-9-]{0,63}$' },
  additionalProperties: { type: 'string', maxLength: 1024, pattern: '^[\\x20-\\x7e]*$' },
  maxProperties: 20,
} as const;

/** Static headers first, then the protocol's own (which therefore always win). */
export function buildHeaders(
  input: PartnerCallInput,
  own: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  return {
    ...extra,
    ...own,
    'x-audex-request-id': input.requestId,
    'x-audex-timestamp': String(input.now),
  };
}
