/**
 * URL templates for the `http-get` adapter: `{macro}` tokens replaced by URL-encoded values from
 * the call input. Unknown tokens are left verbatim (and reported by {@link checkUrlTemplate} at
 * catalog load) so a literal brace in a provider's URL survives.
 */
import type { PartnerCallInput } from '../../adapter.js';

/**
 * Macro → value. A value the DCS does not have (or may not send) becomes the empty string, so
 * the parameter is still present and a provider can tell "unknown" from "not templated".
 */
const MACROS: Readonly<Record<string, (input: PartnerCallInput) => string | undefined>> = {
  'user.id': (i) => i.user.partnerUid,
  visitor: (i) => i.user.visitorId,
  gdpr: (i) => (i.regs.gdpr === undefined ? undefined : String(i.regs.gdpr)),
  gdpr_consent: (i) => i.regs.gdprConsent,
  gpp: (i) => i.regs.gpp,
  gpp_sid: (i) => i.regs.gppSid?.join(','),
  us_privacy: (i) => i.regs.usPrivacy,
  coppa: (i) => (i.regs.coppa === undefined ? undefined : String(i.regs.coppa)),
  request_id: (i) => i.requestId,
  tmax: (i) => String(i.tmaxMs),
  rand: (i) => String(fnv1a32(i.requestId)),
  'page.url': (i) => i.page.url,
  'page.ref': (i) => i.page.ref,
};

/** `{signal.<key>}` takes the key's first value; keys use the AAM key alphabet. */
const SIGNAL_PREFIX = 'signal.';
const TOKEN = /\{([^{}\s]{1,128})\}/g;

/**
 * Cache-buster derived from the request id (FNV-1a, 32-bit, decimal): differs per call because
 * request ids are unique, yet the adapter stays pure and its fixtures stay exact.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function resolve(name: string, input: PartnerCallInput): string | undefined | null {
  if (name.startsWith(SIGNAL_PREFIX)) return input.signals[name.slice(SIGNAL_PREFIX.length)]?.[0];
  const macro = MACROS[name];
  // null = not a macro at all (left verbatim), undefined = a macro with no value (empty string).
  return macro === undefined ? null : macro(input);
}

function isMacro(name: string): boolean {
  return (name.startsWith(SIGNAL_PREFIX) && name.length > SIGNAL_PREFIX.length) || name in MACROS;
}

/** Expands every known macro with its URL-encoded value. */
export function expandUrlTemplate(template: string, input: PartnerCallInput): string {
  return template.replace(TOKEN, (token, name: string) => {
    const value = resolve(name, input);
    return value === null ? token : encodeURIComponent(value ?? '');
  });
}

/**
 * Problems with a template: not an absolute http(s) URL, unknown macros, or macros before the
 * path (a signal must never choose the host the DCS calls).
 */
export function checkUrlTemplate(template: string): string[] {
  const problems: string[] = [];
  const origin = /^https?:\/\/[^/?#]+/i.exec(template);
  if (origin === null) return ['endpoint must be an absolute http(s) URL'];
  if (origin[0].includes('{')) problems.push('macros are not allowed in the scheme, host or port');
  for (const [, name] of template.matchAll(TOKEN)) {
    if (name !== undefined && !isMacro(name)) problems.push(`unknown macro {${name}}`);
  }
  return problems;
}

/** The macro names, for docs and error messages. */
export const URL_MACROS: readonly string[] = [...Object.keys(MACROS), 'signal.<key>'];
