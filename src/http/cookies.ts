/**
 * The DCS's few fixed cookies, read and written by hand: @fastify/cookie costs ~12 µs a request
 * (reference/measurements.md §2), more than the rest of header handling together.
 */

/** Returns the value of cookie `name` from a `Cookie` header, or undefined. No decoding (ids are digits). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let at = 0;
  while (at < header.length) {
    const found = header.indexOf(name, at);
    if (found === -1) return undefined;
    const before = found === 0 ? ';' : header[found - 1];
    const eq = found + name.length;
    if ((before === ';' || before === ' ') && header[eq] === '=') {
      const end = header.indexOf(';', eq);
      return header.slice(eq + 1, end === -1 ? header.length : end).trim();
    }
    at = found + name.length;
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  domain: string;
  secure: boolean;
}

/** The visitor cookie's options from the DCS configuration (lifetime renewed on every call). */
export function visitorCookieOptions(config: {
  cookieMaxAgeDays: number;
  cookieDomain: string;
  cookieSecure: boolean;
}): CookieOptions {
  return {
    maxAgeSeconds: config.cookieMaxAgeDays * 86_400,
    domain: config.cookieDomain,
    secure: config.cookieSecure,
  };
}

/** Serialises a Set-Cookie value. `SameSite=None; Secure` lets the cross-site iframe send it. */
export function serializeCookie(name: string, value: string, opts: CookieOptions): string {
  let out = `${name}=${value}; Max-Age=${opts.maxAgeSeconds}; Path=/`;
  if (opts.domain !== '') out += `; Domain=${opts.domain}`;
  out += opts.secure ? '; SameSite=None; Secure' : '; SameSite=Lax';
  return out;
}

/** AAM's do-not-target value written on opt-out (§2.13). */
export const OPT_OUT_VALUE = 'NOTARGET';
