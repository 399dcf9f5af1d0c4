/**
 * First-party cookies on the site: the visitor-id fallback (`audex_fpid`) and cookie destinations
 * (`stuff`, AAM §2.7: `cn=cv` for `ttl` days on `dmn`, empty = the page's own host).
 */
import type { StuffItem } from '../../src/protocol/dcs-reply.js';
import { FIRST_PARTY_ID_COOKIE, OPTED_OUT_MARK } from '../../src/protocol/tag-protocol.js';

const DAY_S = 86_400;
/** The fallback id lives as long as the DCS cookie it stands in for (180 days). */
const ID_TTL_DAYS = 180;
const OPT_OUT_TTL_DAYS = 3650;

/** Reads a cookie of this page (decoded), or undefined. */
export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split('; ')) {
    const eq = part.indexOf('=');
    if (part.slice(0, eq) === name) return decodeURIComponent(part.slice(eq + 1));
  }
  return undefined;
}

/** Writes a cookie of this page; `days <= 0` deletes it. */
export function writeCookie(name: string, value: string, days: number, domain = ''): void {
  document.cookie =
    `${name}=${encodeURIComponent(value)}; max-age=${Math.round(days * DAY_S)}; path=/` +
    (domain ? `; domain=${domain}` : '') +
    '; SameSite=Lax' +
    (location.protocol === 'https:' ? '; Secure' : '');
}

/** The tag's first-party id state: the last visitor id and whether third-party cookies failed. */
export interface FirstPartyId {
  id?: string;
  /** The iframe reported it cannot keep cookies: send `id` as `d_uuid`. */
  fallback: boolean;
  optedOut: boolean;
}

/** Parses `audex_fpid` (`<38 digits>` or `<38 digits>.f` in fallback mode, or `NOTARGET`). */
export function loadFirstPartyId(): FirstPartyId {
  const raw = readCookie(FIRST_PARTY_ID_COOKIE) ?? '';
  if (raw === OPTED_OUT_MARK) return { fallback: false, optedOut: true };
  const m = /^(\d{38})(\.f)?$/.exec(raw);
  return m
    ? { id: m[1] as string, fallback: m[2] !== undefined, optedOut: false }
    : { fallback: false, optedOut: false };
}

export function saveFirstPartyId(state: FirstPartyId): void {
  if (state.optedOut) writeCookie(FIRST_PARTY_ID_COOKIE, OPTED_OUT_MARK, OPT_OUT_TTL_DAYS);
  else if (state.id) writeCookie(FIRST_PARTY_ID_COOKIE, state.id + (state.fallback ? '.f' : ''), ID_TTL_DAYS);
}

/** Cookie destinations: one cookie per item. */
export function writeStuff(stuff: readonly StuffItem[]): void {
  for (const s of stuff) writeCookie(s.cn, s.cv, s.ttl > 0 ? s.ttl : ID_TTL_DAYS, s.dmn);
}
