/**
 * The provider side of the ID-sync round trip (docs/partner-protocol.md "ID sync"):
 *
 * `GET /sync?redir=<url>` reads the simulator's own uid cookie (minting `p-<16 hex>` when there
 * is none), sets it again for 400 days, and answers `302` to `redir` with the macro replaced by
 * the URL-encoded uid. Macros: `${DD_UUID}` (AAM's name) and `$UID`, also percent-encoded
 * (`%24%7BDD_UUID%7D`, `%24UID`). `redir` must be an absolute http(s) URL containing a macro;
 * otherwise `400`. Typically `redir` is the DCS's `https://dcs.example/ibs:dpid=<dpid>&dpuuid=${DD_UUID}`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const UID_RE = /^p-[0-9a-f]{16}$/;
const MACRO_RE = /\$\{DD_UUID\}|%24%7BDD_UUID%7D|\$UID\b|%24UID\b/gi;
const COOKIE_MAX_AGE_S = 400 * 24 * 3600;

export interface SyncResult {
  status: number;
  uid?: string;
  minted?: boolean;
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Handles one `/sync` request and reports what it did (for `/stats`). */
export function handleSync(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  cookieName: string,
): SyncResult {
  const redir = query.get('redir');
  const problem =
    redir === null || !/^https?:\/\/[^/?#]+/i.test(redir)
      ? 'redir must be an absolute http(s) URL'
      : redir.search(MACRO_RE) < 0
        ? 'redir must contain ${DD_UUID} or $UID'
        : undefined;
  if (problem !== undefined || redir === null) {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: problem }));
    return { status: 400 };
  }
  const existing = readCookie(req, cookieName);
  const minted = existing === undefined || !UID_RE.test(existing);
  const uid = minted ? `p-${randomBytes(8).toString('hex')}` : existing;
  // SameSite=None needs Secure, which a plain-HTTP demo host cannot set; Lax still works when the
  // DCS and the sim share a site (e.g. both on localhost), which is the local demo's case.
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  const attrs = secure ? 'SameSite=None; Secure' : 'SameSite=Lax';
  res.writeHead(302, {
    location: redir.replace(MACRO_RE, encodeURIComponent(uid)),
    'set-cookie': `${cookieName}=${uid}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; ${attrs}`,
    'cache-control': 'no-store',
  });
  res.end();
  return { status: 302, uid, minted };
}
