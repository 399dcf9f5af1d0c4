/**
 * resolve-identity: who is this visitor? Priority: `d_uuid` (server-to-server) > visitor cookie >
 * a declared id's most recent mapping (AAM §3.2) > a newly minted id. Opt-out (cookie `NOTARGET`
 * or a server-side mark on a declared id) stops the event with 171 and nothing is collected.
 * On failure (identity store unreachable): declared ids are ignored and a cookie/minted id is used.
 */
import { wireError } from '../../errors/registry.js';
import { OPT_OUT_VALUE, readCookie } from '../../http/cookies.js';
import { isVisitorId, mintVisitorId } from '../../identity/visitor-id.js';
import { declaredDataSource } from '../../catalog/snapshot.js';
import type { EventContext } from '../event-context.js';
import type { Stage } from '../stage.js';

export const resolveIdentityStage: Stage = {
  name: 'resolve-identity',
  run(ctx) {
    const cookieHeader = ctx.req.headers['cookie'];
    const cookie = readCookie(
      typeof cookieHeader === 'string' ? cookieHeader : undefined,
      ctx.services.config.cookieName,
    );
    if (cookie === OPT_OUT_VALUE) return ctx.stopOptedOut();
    if (ctx.params.uuid !== undefined) {
      ctx.visitorId = ctx.params.uuid;
      ctx.identitySource = 'd_uuid';
    } else if (cookie !== undefined && isVisitorId(cookie)) {
      ctx.visitorId = cookie;
      ctx.identitySource = 'cookie';
    } else if (cookie !== undefined) {
      ctx.errors.push(wireError('BAD_COOKIE'));
    }
    resolveDeclaredDataSources(ctx);
    if (ctx.links.length === 0) return finish(ctx);
    return resolveDeclared(ctx);
  },
};

function resolveDeclaredDataSources(ctx: EventContext): void {
  const declared = ctx.params.declared;
  if (declared.length === 0) return;
  for (const d of declared) {
    const ds = declaredDataSource(ctx.snapshot, d);
    if (ds === undefined) ctx.errors.push(wireError('INVALID_CUSTOMER_ID', d.ic ?? String(d.dpid)));
    else ctx.links.push({ dpid: ds.dataSourceId, id: d.id });
  }
  if (ctx.links.length === 0) ctx.errors.push(wireError('ALL_CUSTOMER_IDS_INVALID'));
}

async function resolveDeclared(ctx: EventContext): Promise<'next' | 'respond'> {
  const identity = ctx.services.identity;
  try {
    const optedOut = await Promise.all(ctx.links.map((l) => identity.isOptedOut(`${l.dpid}:${l.id}`)));
    if (optedOut.includes(true)) return ctx.stopOptedOut();
    if (ctx.visitorId === undefined) {
      const mapped = await Promise.all(ctx.links.map((l) => identity.resolve(l.dpid, l.id)));
      const found = mapped.find((v) => v !== undefined);
      if (found !== undefined) {
        ctx.visitorId = found;
        ctx.identitySource = 'declared';
      }
    }
  } catch {
    ctx.links.length = 0;
    ctx.errors.push(wireError('PROFILE_READ_FAILED', 'identity store unavailable'));
  }
  return finish(ctx);
}

function finish(ctx: EventContext): 'next' {
  if (ctx.visitorId === undefined) {
    ctx.visitorId = mintVisitorId();
    ctx.identitySource = 'minted';
  }
  // Server-to-server calls (d_uuid) have no browser to keep a cookie.
  ctx.setCookie = ctx.identitySource !== 'd_uuid';
  return 'next';
}
