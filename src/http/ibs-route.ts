/**
 * ID synchronisation (reference/aam-dcs.md §3.3): `/ibs:dpid=<dpid>&dpuuid=<id>[&redir=<url>]`
 * (also `/ibs?…` and `d_cid=<dpid>%01<id>`). Stores provider id ↔ visitor id in the identity store
 * and the provider's id in the visitor's profile, then redirects to `redir` with `${DD_UUID}`
 * replaced by the visitor id, or answers a pixel. Opted-out visitors and GDPR calls without
 * Purpose 1 consent are not synced (AAM §10.4) but still redirected, with an empty id.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DcsConfig } from '../config/config-schema.js';
import type { CatalogSnapshot } from '../catalog/snapshot.js';
import type { IdentityStore, ProfileStore } from '../storage/ports.js';
import { isVisitorId, mintVisitorId } from '../identity/visitor-id.js';
import { decode } from '../signals/parse-event-params.js';
import { OPT_OUT_VALUE, readCookie, serializeCookie, visitorCookieOptions } from './cookies.js';
import { parseConsent } from '../privacy/consent.js';
import { mayStore } from '../privacy/activity-gate.js';
import { PIXEL_GIF } from './pixel.js';

export interface IbsRouteOptions {
  config: DcsConfig;
  profiles: ProfileStore;
  identity: IdentityStore;
  catalog: () => CatalogSnapshot;
  now: () => number;
}

/** Parses the part after `/ibs` (`:k=v&…` or `?k=v&…`); undefined on a malformed escape. */
export function parseIbsParams(rest: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  const raw = rest.startsWith(':') || rest.startsWith('?') ? rest.slice(1) : rest;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) return undefined;
    out.set(key, value);
  }
  return out;
}

export function registerIbsRoute(app: FastifyInstance, opts: IbsRouteOptions): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { config } = opts;
    const now = opts.now();
    reply.header('Cache-Control', 'no-store');
    const params = parseIbsParams(request.url.slice('/ibs'.length));
    if (params === undefined) return reply.header('X-Error', '311').type('image/gif').send(PIXEL_GIF);
    let dpidText = params.get('dpid') ?? params.get('d_dpid');
    let dpuuid = params.get('dpuuid') ?? params.get('d_dpuuid');
    const cid = params.get('d_cid');
    if (cid !== undefined) [dpidText, dpuuid] = cid.split('\u0001');
    const dpid = dpidText !== undefined && /^\d{1,15}$/.test(dpidText) ? Number(dpidText) : undefined;
    const known = dpid !== undefined && opts.catalog().dataSources.has(dpid);
    const validId = dpuuid !== undefined && dpuuid !== '' && dpuuid.length <= 256 && !dpuuid.includes(':');

    const cookie = readCookie(request.headers.cookie, config.cookieName);
    const optedOut = cookie === OPT_OUT_VALUE;
    // The same gate as /event: under GDPR a sync needs a TC string with Purpose 1 (AAM §10.4).
    const gdpr = params.get('gdpr');
    const tc = params.get('gdpr_consent');
    const consent = parseConsent(
      {
        ...(gdpr === '1' || gdpr === '0' ? { gdpr: gdpr === '1' ? 1 : 0 } : {}),
        ...(tc !== undefined && tc !== '' ? { gdprConsent: tc } : {}),
      },
      { gdprDefault: config.gdprDefault },
    );
    const consentMissing = !mayStore(consent);
    let visitorId: string | undefined;
    if (!optedOut && !consentMissing) {
      visitorId = cookie !== undefined && isVisitorId(cookie) ? cookie : mintVisitorId();
      if (visitorId !== cookie) {
        reply.header(
          'Set-Cookie',
          serializeCookie(config.cookieName, visitorId, visitorCookieOptions(config)),
        );
      }
    }
    if (!known || !validId) reply.header('X-Error', '300');
    else if (visitorId !== undefined) {
      await Promise.all([
        opts.identity.link(dpid, dpuuid as string, visitorId, now),
        opts.profiles.merge(
          visitorId,
          { partners: { [dpid]: { uid: dpuuid as string, syncedAt: now } } },
          now,
        ),
      ]);
    }
    const redir = params.get('redir');
    if (redir !== undefined && /^https?:\/\//i.test(redir)) {
      const target = redir.replaceAll('${DD_UUID}', visitorId ?? '');
      return reply.code(302).header('Location', target).send();
    }
    return reply.type('image/gif').send(PIXEL_GIF);
  };
  app.get('/ibs*', handler);
}
