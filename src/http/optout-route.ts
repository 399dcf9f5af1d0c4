/**
 * Opt-out (reference/aam-dcs.md §10.1–§10.2): `/demoptout.jpg` and `/demoptout`.
 * - No ids: global opt-out — the visitor cookie becomes `NOTARGET` for 10 years, and the profile
 *   the cookie pointed to is marked opted out and emptied.
 * - `d_uuid`, `d_cid`, `d_cid_ic`, `d_dpid`+`d_dpuuid`: partner-level opt-out of those ids (and the
 *   visitor each maps to) kept server-side.
 * Afterwards `/event` answers 171 instead of a uuid and collects nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DcsConfig } from '../config/config-schema.js';
import { emptyEventParams } from '../signals/event-params.js';
import { parseEventParams } from '../signals/parse-event-params.js';
import { declaredDataSource, type CatalogSnapshot } from '../catalog/snapshot.js';
import type { IdentityStore, ProfileStore } from '../storage/ports.js';
import { isVisitorId } from '../identity/visitor-id.js';
import { OPT_OUT_VALUE, readCookie, serializeCookie, visitorCookieOptions } from './cookies.js';
import { PIXEL_GIF } from './pixel.js';
import { applyCors } from './cors.js';

export interface OptOutRouteOptions {
  config: DcsConfig;
  profiles: ProfileStore;
  identity: IdentityStore;
  catalog: () => CatalogSnapshot;
  now: () => number;
}

const TEN_YEARS_S = 10 * 365 * 86_400;

export function registerOptOutRoutes(app: FastifyInstance, opts: OptOutRouteOptions): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { config, profiles, identity } = opts;
    const now = opts.now();
    const q = request.url.indexOf('?');
    const params = emptyEventParams();
    parseEventParams(q === -1 ? '' : request.url.slice(q + 1), config, params);
    if (params.fatal !== undefined) {
      return reply.code(200).header('X-Error', String(params.fatal.code)).type('image/gif').send(PIXEL_GIF);
    }
    const visitors = new Set<string>();
    const snapshot = opts.catalog();
    for (const d of params.declared) {
      const ds = declaredDataSource(snapshot, d);
      if (ds === undefined) continue;
      await identity.setOptOut(`${ds.dataSourceId}:${d.id}`, now);
      const v = await identity.resolve(ds.dataSourceId, d.id);
      if (v !== undefined) visitors.add(v);
    }
    if (params.uuid !== undefined) visitors.add(params.uuid);
    const global = params.uuid === undefined && params.declared.length === 0;
    if (global) {
      const cookie = request.headers.cookie;
      const current = readCookie(cookie, config.cookieName);
      if (current !== undefined && isVisitorId(current)) visitors.add(current);
      reply.header(
        'Set-Cookie',
        serializeCookie(config.cookieName, OPT_OUT_VALUE, {
          ...visitorCookieOptions(config),
          maxAgeSeconds: TEN_YEARS_S,
        }),
      );
    }
    for (const v of visitors) {
      await identity.setOptOut(v, now);
      await profiles.merge(v, { optOut: true }, now);
    }
    applyCors(request, reply, config.allowedOrigins);
    reply.header('Cache-Control', 'no-store');
    if (params.rtbd) return reply.type('application/json').send({ optedOut: true, ids: visitors.size });
    return reply.type('image/gif').send(PIXEL_GIF);
  };
  app.get('/demoptout.jpg', handler);
  app.get('/demoptout', handler);
}
