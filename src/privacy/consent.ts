/**
 * Consent, parsed once per event (STYLE.md §12 "Privacy is an argument"): the `/event` handler
 * calls {@link parseConsent} on the already-validated `gdpr`, `gdpr_consent`, `gpp`, `gpp_sid` and
 * `us_privacy` parameters, and the resulting {@link Consent} value is passed to every stage,
 * partner call and destination, which ask the activity gate (`activity-gate.ts`) what may leave.
 */
import type { PartnerRegs } from '../partners/adapter.js';
import type { ConsentParams } from '../signals/event-params.js';
import { createTcfDecoder } from './tcf-decode.js';
import type { TcfDecoder, TcfSignals } from './tcf-decode.js';

/**
 * What the DCS does when a call carries no `gdpr` parameter.
 *
 * - `'not-applies'` (default): in the TCF URL convention (`gdpr`/`gdpr_consent`, IAB TCF v2
 *   "Consent string and vendor list formats") only `gdpr=1` asserts that GDPR applies; an absent
 *   parameter is treated like `gdpr=0`, as AAM's TCF plug-in does (aam-dcs.md §10.4: "gdpr
 *   absent/0 ⇒ store").
 * - `'applies'`: an operator serving EU traffic without a reliable CMP signal treats an absent
 *   `gdpr` as `gdpr=1`, so a partner is called only with a valid TC string (fail closed).
 *
 * An explicit `gdpr=0` or `gdpr=1` always wins.
 */
export type GdprDefault = 'applies' | 'not-applies';

/** The consent state of one event. Immutable; never re-parsed downstream. */
export interface Consent {
  /** Whether GDPR rules gate this event: `gdpr=1`, or `gdpr` absent with `gdprDefault: 'applies'`. */
  readonly gdprApplies: boolean;
  /**
   * A TC string was present and decoded as TCF v2. Only computed when {@link gdprApplies} (the
   * decoder is not run otherwise, see `tcf-decode.ts` for its cost); false when GDPR does not apply.
   */
  readonly tcfValid: boolean;
  /** The decoded TC string; present exactly when {@link tcfValid}. */
  readonly tcf?: TcfSignals;
  /**
   * Regulatory signals to forward to partners unchanged (`gdpr`, `gdpr_consent`, `gpp`,
   * `gpp_sid`, `us_privacy`). `gdpr` is the value the page sent, or `1` when it sent none and
   * `gdprDefault` is `'applies'`, so a provider sees the rule the DCS applied.
   */
  readonly regs: PartnerRegs;
}

/** Options of {@link parseConsent}; the operator's privacy configuration slice. */
export interface ParseConsentOptions {
  /** Meaning of an absent `gdpr` parameter. Default `'not-applies'`. */
  readonly gdprDefault?: GdprDefault;
  /** TC string decoder. Default: a process-wide decoder with a 1,000-entry LRU cache. */
  readonly decoder?: TcfDecoder;
}

const sharedDecoder: TcfDecoder = createTcfDecoder();

/**
 * Parses the consent parameters of one event. Never throws: a missing or undecodable TC string
 * is a value (`tcfValid: false`) that makes the gate refuse under GDPR.
 */
export function parseConsent(params: ConsentParams, options: ParseConsentOptions = {}): Consent {
  const gdprApplies = params.gdpr === undefined ? options.gdprDefault === 'applies' : params.gdpr === 1;
  const regs = forwardedRegs(params, gdprApplies);
  if (!gdprApplies) return { gdprApplies, tcfValid: false, regs };
  const tcString = params.gdprConsent;
  const tcf = tcString === undefined ? undefined : (options.decoder ?? sharedDecoder)(tcString);
  return tcf === undefined
    ? { gdprApplies, tcfValid: false, regs }
    : { gdprApplies, tcfValid: true, tcf, regs };
}

/** Copies the signals to forward, omitting absent ones (`exactOptionalPropertyTypes`). */
function forwardedRegs(params: ConsentParams, gdprApplies: boolean): PartnerRegs {
  const gdpr: 0 | 1 | undefined = params.gdpr ?? (gdprApplies ? 1 : undefined);
  return {
    ...(gdpr !== undefined && { gdpr }),
    ...(params.gdprConsent !== undefined && { gdprConsent: params.gdprConsent }),
    ...(params.gpp !== undefined && { gpp: params.gpp }),
    ...(params.gppSid !== undefined && { gppSid: Object.freeze([...params.gppSid]) }),
    ...(params.usPrivacy !== undefined && { usPrivacy: params.usPrivacy }),
  };
}
