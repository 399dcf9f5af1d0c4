/**
 * The partner adapter contract (STYLE.md §3, ARCHITECTURE.md "Partners"): an adapter *describes*
 * the call to a real-time data provider and *parses* its answer. It never performs I/O, reads a
 * clock, sets a timer or touches storage; the runner owns HTTP, deadlines, the body cap, signing,
 * metrics, breaking and caching (lint boundary in eslint.config.js for `src/partners/adapters/**`).
 *
 * Everything an adapter may use arrives in {@link PartnerCallInput}, already filtered by the
 * privacy gate: a field that is absent was not allowed to leave (or was not known).
 */

/** What the DCS knows about one event, reduced to what this partner may see. */
export interface PartnerCallInput {
  /** Unique id of this call; sent to the provider and echoed in logs on both sides. */
  readonly requestId: string;
  /** Milliseconds the provider has before the DCS stops waiting (already capped by the event budget). */
  readonly tmaxMs: number;
  /** Unix milliseconds at which the call is built (the runner's clock; adapters never read one). */
  readonly now: number;
  readonly user: {
    /** The provider's own id for this visitor, known from ID sync. */
    readonly partnerUid?: string;
    /** The Audex visitor id; present only if this partner is allowed it. */
    readonly visitorId?: string;
  };
  /** Allow-listed signals (key → values); never contains `p_` (private) keys. */
  readonly signals: Readonly<Record<string, readonly string[]>>;
  readonly page: { readonly url?: string; readonly ref?: string };
  /** `ip` is truncated by the privacy gate unless the partner may see it whole. */
  readonly device: { readonly ua?: string; readonly ip?: string; readonly lang?: string };
  readonly regs: PartnerRegs;
}

/** Regulatory signals, named as in the Audex protocol's `regs` object (camelCase here). */
export interface PartnerRegs {
  readonly gdpr?: 0 | 1;
  readonly gdprConsent?: string;
  readonly gpp?: string;
  readonly gppSid?: readonly number[];
  readonly usPrivacy?: string;
  readonly coppa?: 0 | 1;
}

/** An HTTP request description; the runner adds deadline, signature and connection handling. */
export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute URL. */
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Request body, already serialised (POST only). */
  readonly body?: string;
}

/** An HTTP response as the runner hands it over (body already decompressed and under the cap). */
export interface PartnerResponse {
  readonly status: number;
  /** Lower-case header names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The outcome of parsing one answer. Never thrown: a bad answer is a value (STYLE.md §2).
 *
 * `dropped` counts entries (codes, a user id, a ttl) that were ignored because their *value* was
 * invalid; a wrong JSON *type* anywhere in the expected shape makes the whole answer `invalid`.
 * `ttlSec` is the provider's wish, unclamped: the runner clamps it to the partner's min/max.
 */
export type PartnerAnswer =
  | {
      readonly kind: 'segments';
      /** Provider segment codes, deduplicated, in answer order; see `segment-codes.ts` for the rules. */
      readonly codes: string[];
      /** IAB segment taxonomy id shared by every code (OpenRTB `data[].ext.segtax`). */
      readonly segtax?: number;
      readonly ttlSec?: number;
      /** The provider assigns or rotates its id for this visitor (an implicit ID sync). */
      readonly userId?: string;
      /** Per-code TTL in seconds where the provider gave one. */
      readonly perCodeTtlSec?: Record<string, number>;
      readonly dropped?: number;
    }
  | {
      /** `204`, or a well-formed answer with no (valid) codes. Cached like any answer. */
      readonly kind: 'empty';
      readonly ttlSec?: number;
      readonly userId?: string;
      readonly dropped?: number;
    }
  | {
      /** Wrong status, malformed body or a shape violation; recorded as a partner failure. */
      readonly kind: 'invalid';
      /** Short, stable-ish reason for logs and the debug reply (e.g. `status 503`, `malformed JSON`). */
      readonly reason: string;
    };

/**
 * A partner adapter: one per wire shape, registered in `registry.ts` under {@link name}.
 * `P` is the type of a partner instance's `params`, which the catalog validates against
 * {@link paramsSchema} before the adapter ever sees them.
 */
export interface PartnerAdapter<P> {
  /** Registry key and folder name, e.g. `audex`, `http-get`, `openrtb`. */
  readonly name: string;
  /** JSON Schema (draft 2020-12 subset ajv understands) of a partner instance's `params`. */
  readonly paramsSchema: object;
  /**
   * Problems with a partner instance's endpoint for this adapter (e.g. unknown template macros),
   * checked at catalog load next to the params schema. Absent = any absolute http(s) URL is fine.
   */
  checkEndpoint?(endpoint: string): string[];
  /** Describes the one call for this event. Pure: same input, same request. */
  buildRequest(input: PartnerCallInput, params: P, endpoint: string): OutboundRequest;
  /** Turns the provider's answer into codes. Pure; never throws for any status or body. */
  parseResponse(res: PartnerResponse, input: PartnerCallInput, params: P): PartnerAnswer;
}
