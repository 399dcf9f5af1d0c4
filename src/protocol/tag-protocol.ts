/**
 * The contract between the site tag (`tag/`), the DCS iframe page (`/dest.html`) and the server:
 * URLs, query keys, postMessage shapes and first-party cookie names. Shared by both sides so a
 * rename cannot drift. No Node imports (the tag bundles this file).
 */
import type { DestItem } from './dcs-reply.js';

/** Major version of the tag's public API; part of the bundle URL `/tag/v1/audex.js`. */
export const TAG_API_VERSION = 1;
/** Path of the versioned, long-cached tag bundle on the DCS origin. */
export const TAG_PATH = `/tag/v${TAG_API_VERSION}/audex.js`;
/** Path of the destination-publishing iframe page. `dest5.html` is an alias for AAM page code. */
export const IFRAME_PATH = '/dest.html';

/** Query keys the tag fills from the page itself (AAM DIL sends `h_referer` = page URL). */
export const PAGE_URL_KEY = 'h_referer';
/** Query key for the page's referrer (read by plan-partners for `page.ref`). */
export const REFERRER_KEY = 'h_referrer';

/** Site (first-party) cookie where the tag keeps the visitor id: the third-party-cookie fallback. */
export const FIRST_PARTY_ID_COOKIE = 'audex_fpid';
/** Value of {@link FIRST_PARTY_ID_COOKIE} after `audex.optOut()`: the tag makes no more calls. */
export const OPTED_OUT_MARK = 'NOTARGET';
/** Default ad-server key carrying the visitor's segment ids. */
export const DEFAULT_TARGETING_KEY = 'audex';

/** Every postMessage between tag and iframe is an object carrying this marker. */
export const MESSAGE_MARK = 'audex';

/**
 * iframe → tag, once loaded: whether the iframe can keep cookies in this (third-party) context,
 * which decides if the tag must send its first-party id as `d_uuid` on later page views.
 */
export interface ReadyMessage {
  m: typeof MESSAGE_MARK;
  t: 'ready';
  /** A test cookie could be written and read back in the iframe. */
  cookies: boolean;
}

/** tag → iframe: pixels of one reply to fire (`dests` then `ibs`), sequentially and rate-limited. */
export interface FireMessage {
  m: typeof MESSAGE_MARK;
  t: 'fire';
  /** URL destinations (`DcsReply.dests`). */
  dests: DestItem[];
  /** ID-sync and browser-side provider pixels (`DcsReply.ibs`). */
  ibs: DestItem[];
  /** The tag runs in fallback mode: the iframe skips `ibs`, which need the iframe's own cookie. */
  fallback: boolean;
}

/** iframe → tag: what became of a {@link FireMessage} (for the page's debug panel and tests). */
export interface FiredMessage {
  m: typeof MESSAGE_MARK;
  t: 'fired';
  /** Pixel keys (`d<id>` for dests, `i<id>` for ibs) fired now. */
  fired: string[];
  /** Keys skipped: fired within the rate-limit interval, or an `ibs` pixel in fallback mode. */
  skipped: string[];
}

export type TagMessage = ReadyMessage | FireMessage | FiredMessage;

/** Narrows an untrusted `MessageEvent.data` to a tag message (shape only; origins are checked by the caller). */
export function asTagMessage(data: unknown): TagMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as { m?: unknown; t?: unknown };
  return m.m === MESSAGE_MARK && typeof m.t === 'string' ? (data as TagMessage) : undefined;
}

/** Whether `origin` is in an allow-list where `*` allows any origin (same rule as the DCS's CORS). */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes('*') || allowed.includes(origin);
}
