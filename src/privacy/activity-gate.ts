/**
 * The activity gate (Prebid.js `src/activities/` idea, STYLE.md §12): pure functions the DCS asks
 * before anything leaves — may this partner be called, may segments be returned for targeting,
 * and which fields may this partner see. Expected refusals are values, never exceptions (§2).
 *
 * TCF v2.2 purposes used here (IAB Europe TCF Policies v2.2, Appendix A):
 * - Purpose 1 "Store and/or access information on a device": reading the Audex visitor cookie
 *   and the partner id synced into it.
 * - Purpose 3 "Create profiles for personalised advertising": calling a data provider to obtain
 *   segments and storing them as traits builds an advertising profile.
 * - Purpose 4 "Use profiles to select personalised advertising": returning segments to the page
 *   for ad targeting.
 * Purposes 3 and 4 are consent-only since TCF v2.2, so legitimate interest never satisfies them;
 * Purpose 1 never allowed legitimate interest. (AAM's own TCF plug-in checks Purposes 1 and 10,
 * reference/aam-dcs.md §10.4; the Audex issue asks for 1 + 3 to call and 4 to target, following
 * the peers.md §5.5 mapping of DMP actions to purposes.)
 */
import type { PartnerCallInput } from '../partners/adapter.js';
import type { Consent } from './consent.js';
import { truncateIp } from './ip-truncate.js';
import { hasBit, vendorHasPurposeConsent } from './tcf-decode.js';

/** TCF v2.2 purpose: store and/or access information on a device. */
export const PURPOSE_DEVICE_ACCESS = 1;
/** TCF v2.2 purpose: create profiles for personalised advertising. */
export const PURPOSE_CREATE_AD_PROFILE = 3;
/** TCF v2.2 purpose: use profiles to select personalised advertising. */
export const PURPOSE_USE_AD_PROFILE = 4;

/** Why a partner call was refused; stable strings for metrics labels and the debug reply. */
export type CallDenialReason =
  | 'opted-out'
  | 'gdpr-no-consent-string'
  | 'gdpr-purpose-1'
  | 'gdpr-purpose-3'
  | 'gdpr-vendor'
  | 'gdpr-no-vendor-id';

/** The gate's answer for one partner call. */
export type CallDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly reason: CallDenialReason };

/** A partner instance's privacy settings (catalog data). Every `send*` flag defaults to false. */
export interface PartnerPrivacySettings {
  /**
   * The provider's IAB Global Vendor List id. Required to call the partner when GDPR applies:
   * without it there is no vendor consent to look up, so the call is refused (`gdpr-no-vendor-id`).
   */
  readonly tcfVendorId?: number;
  /** Send the Audex visitor id (`user.visitorId`, and the `d_mid` signal if allow-listed). Default false. */
  readonly sendVisitorId?: boolean;
  /** Send the page URL and referrer (`page.url`, `page.ref`). Default false. */
  readonly sendPageUrl?: boolean;
  /** Send the visitor's IP address, always truncated (`device.ip`). Default false. */
  readonly sendIp?: boolean;
  /** Send the user agent and the preferred language (`device.ua`, `device.lang`). Default false. */
  readonly sendUserAgent?: boolean;
  /** Signal keys this partner may receive. Default: none. `p_` and `h_` keys never pass. */
  readonly signalKeys?: readonly string[];
}

/** What the DCS knows about the event, before filtering. */
export interface EventPrivacyInput {
  /** The Audex visitor id. */
  readonly visitorId?: string;
  /** This partner's own id for the visitor, known from ID sync. */
  readonly partnerUid?: string;
  readonly signals: ReadonlyMap<string, readonly string[]>;
  readonly pageUrl?: string;
  readonly referrer?: string;
  /** `User-Agent` request header. */
  readonly ua?: string;
  /** The client address as resolved by the HTTP layer (trusted proxies applied), untruncated. */
  readonly ip?: string;
  /** `Accept-Language` request header, as sent. */
  readonly acceptLanguage?: string;
}

/** The privacy-filtered part of a {@link PartnerCallInput}. */
export type PartnerFields = Pick<PartnerCallInput, 'user' | 'signals' | 'page' | 'device' | 'regs'>;

const ALLOWED: CallDecision = Object.freeze({ allowed: true });
const DENIED: Readonly<Record<CallDenialReason, CallDecision>> = Object.freeze({
  'opted-out': Object.freeze({ allowed: false, reason: 'opted-out' }),
  'gdpr-no-consent-string': Object.freeze({ allowed: false, reason: 'gdpr-no-consent-string' }),
  'gdpr-purpose-1': Object.freeze({ allowed: false, reason: 'gdpr-purpose-1' }),
  'gdpr-purpose-3': Object.freeze({ allowed: false, reason: 'gdpr-purpose-3' }),
  'gdpr-vendor': Object.freeze({ allowed: false, reason: 'gdpr-vendor' }),
  'gdpr-no-vendor-id': Object.freeze({ allowed: false, reason: 'gdpr-no-vendor-id' }),
});

/**
 * May the DCS call this partner for this event? Checks, in order: opt-out (AAM §10.1: global
 * opt-out overrides any consent); then, only when GDPR applies, a vendor id configured, a valid TC
 * string, Purpose 1, Purpose 3, and vendor consent for the partner's GVL id. A publisher
 * restriction that takes Purpose 1 or 3 off consent for this vendor is reported as that purpose.
 * When GDPR does not apply (`gdpr=0`, or absent with the default `gdprDefault`), the call is allowed.
 */
export function mayCallPartner(
  consent: Consent,
  partner: { readonly tcfVendorId?: number },
  optedOut: boolean,
): CallDecision {
  if (optedOut) return DENIED['opted-out'];
  if (!consent.gdprApplies) return ALLOWED;
  const vendorId = partner.tcfVendorId;
  if (vendorId === undefined || !Number.isSafeInteger(vendorId) || vendorId < 1)
    return DENIED['gdpr-no-vendor-id'];
  const tcf = consent.tcf;
  if (!consent.tcfValid || tcf === undefined) return DENIED['gdpr-no-consent-string'];
  if (!hasBit(tcf.purposeConsents, PURPOSE_DEVICE_ACCESS)) return DENIED['gdpr-purpose-1'];
  if (!hasBit(tcf.purposeConsents, PURPOSE_CREATE_AD_PROFILE)) return DENIED['gdpr-purpose-3'];
  if (!tcf.vendorConsents.has(vendorId)) return DENIED['gdpr-vendor'];
  if (!vendorHasPurposeConsent(tcf, vendorId, PURPOSE_DEVICE_ACCESS)) return DENIED['gdpr-purpose-1'];
  if (!vendorHasPurposeConsent(tcf, vendorId, PURPOSE_CREATE_AD_PROFILE)) return DENIED['gdpr-purpose-3'];
  return ALLOWED;
}

/**
 * May the DCS store or read anything about this visitor (cookie, profile, ID links)? When GDPR
 * applies this needs a valid TC string with Purpose 1 ("store and/or access information on a
 * device"); otherwise the call is dropped with AAM's error 315 (aam-dcs.md §2.8, §10.4: without
 * consent no new data is stored). Fails closed on a missing or undecodable string.
 */
export function mayStore(consent: Consent): boolean {
  if (!consent.gdprApplies) return true;
  return consent.tcf !== undefined && hasBit(consent.tcf.purposeConsents, PURPOSE_DEVICE_ACCESS);
}

/**
 * May segments be returned to the page for ad targeting? Requires Purpose 4 consent when GDPR
 * applies (a missing or undecodable string fails closed). Opted-out visitors get none.
 * No vendor check: the targeting output goes to the publisher's own ad stack, and Audex, run by
 * the publisher, has no GVL id of its own.
 */
export function mayTarget(consent: Consent, optedOut = false): boolean {
  if (optedOut) return false;
  if (!consent.gdprApplies) return true;
  return consent.tcf !== undefined && hasBit(consent.tcf.purposeConsents, PURPOSE_USE_AD_PROFILE);
}

/**
 * Builds exactly the fields this partner may receive. `regs` is always forwarded. The partner's
 * own id is always sent (it already holds it: it came from an ID sync with this partner); every
 * other field is opt-in per partner ({@link PartnerPrivacySettings}). The IP address is always
 * truncated (IPv4 /24, IPv6 /48; see `ip-truncate.ts`): the full address never leaves.
 *
 * Defence in depth: when the gate would refuse the call on consent grounds, only `regs` is filled,
 * so a caller that forgot {@link mayCallPartner} still sends nothing about the visitor.
 */
export function partnerFields(
  consent: Consent,
  partner: PartnerPrivacySettings,
  event: EventPrivacyInput,
): PartnerFields {
  if (!mayCallPartner(consent, partner, false).allowed) {
    return { user: NOTHING, signals: NOTHING, page: NOTHING, device: NOTHING, regs: consent.regs };
  }
  // Built field by field rather than with conditional spreads (each `...(c && {…})` allocates a
  // throwaway object); a field with nothing allowed in it is one shared frozen empty object.
  let user: { partnerUid?: string; visitorId?: string } = NOTHING;
  if (event.partnerUid !== undefined || (partner.sendVisitorId === true && event.visitorId !== undefined)) {
    user = {};
    if (event.partnerUid !== undefined) user.partnerUid = event.partnerUid;
    if (partner.sendVisitorId === true && event.visitorId !== undefined) user.visitorId = event.visitorId;
  }
  let page: { url?: string; ref?: string } = NOTHING;
  if (partner.sendPageUrl === true && (event.pageUrl !== undefined || event.referrer !== undefined)) {
    page = {};
    if (event.pageUrl !== undefined) page.url = event.pageUrl;
    if (event.referrer !== undefined) page.ref = event.referrer;
  }
  let device: { ua?: string; ip?: string; lang?: string } = NOTHING;
  const ip = partner.sendIp === true && event.ip !== undefined ? truncateIp(event.ip) : undefined;
  const lang =
    partner.sendUserAgent === true && event.acceptLanguage !== undefined
      ? primaryLanguage(event.acceptLanguage)
      : undefined;
  const ua = partner.sendUserAgent === true ? event.ua : undefined;
  if (ua !== undefined || ip !== undefined || lang !== undefined) {
    device = {};
    if (ua !== undefined) device.ua = ua;
    if (ip !== undefined) device.ip = ip;
    if (lang !== undefined) device.lang = lang;
  }
  return { user, signals: allowedSignals(partner, event.signals), page, device, regs: consent.regs };
}

/** The empty field: shared, and frozen so that no holder can fill it for everyone. */
const NOTHING: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Prefixes that never leave through `signals`, whatever the allow-list says (compared
 * case-insensitively): `p_` keys are private and live for one request only (aam-dcs.md §2.3);
 * `h_` keys are request headers (IP, user agent, referrer, cookies…, §2.5), which may leave only
 * through the opt-in `page`/`device` fields where the IP is truncated.
 */
const NEVER_FORWARDED_PREFIXES = ['p_', 'h_'] as const;
/** Signal keys that carry a visitor identifier (`d_mid`: Experience Cloud id), gated like `sendVisitorId`. */
const IDENTIFIER_KEYS: ReadonlySet<string> = new Set(['d_mid']);

function allowedSignals(
  partner: PartnerPrivacySettings,
  signals: ReadonlyMap<string, readonly string[]>,
): Record<string, readonly string[]> {
  const keys = partner.signalKeys;
  if (keys === undefined || keys.length === 0) return NOTHING;
  const entries: [string, readonly string[]][] = [];
  for (const key of keys) {
    const lower = key.toLowerCase();
    if (NEVER_FORWARDED_PREFIXES.some((prefix) => lower.startsWith(prefix))) continue;
    if (IDENTIFIER_KEYS.has(lower) && partner.sendVisitorId !== true) continue;
    const values = signals.get(key);
    if (values !== undefined && values.length > 0) entries.push([key, [...values]]);
  }
  // Object.fromEntries defines own properties, so a key such as `__proto__` cannot touch the prototype.
  return entries.length === 0 ? NOTHING : Object.fromEntries(entries);
}

/** First language tag of an `Accept-Language` header (`pt-BR,pt;q=0.9` → `pt-BR`): less entropy to fingerprint. */
function primaryLanguage(header: string): string | undefined {
  const first = header.split(',', 1)[0]?.split(';', 1)[0]?.trim() ?? '';
  return /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(first) ? first : undefined;
}
