/**
 * plan-partners: which providers to ask about this visitor, and how (PRODUCT.md step 3). Uses the
 * consent parse-signals parsed, asks the planner for one decision per partner, and builds each call's input
 * through the privacy gate (only the fields that partner may receive). Also lists the ID-sync
 * pixels the iframe should fire for partners that need the provider's id and have none.
 * On failure: none expected; a partner whose request cannot be built fails alone in call-partners.
 */
import {
  mayCallPartner,
  partnerFields,
  type EventPrivacyInput,
  type PartnerPrivacySettings,
} from '../../privacy/activity-gate.js';
import { planPartners, type SkipReason } from '../../partners/runner/planner.js';
import type { PartnerState } from '../../profiles/profile.js';
import type { CompiledPartner } from '../../partners/runner/compiled-partner.js';
import type { CallPlan } from '../../partners/runner/collector.js';
import type { EventContext } from '../event-context.js';
import type { Stage } from '../stage.js';

/** A provider's ID-sync pixel is fired at most once a week per visitor (VisitorAPI's id_sync_ttl). */
export const ID_SYNC_INTERVAL_MS = 7 * 86_400_000;

export const planPartnersStage: Stage = {
  name: 'plan-partners',
  run(ctx) {
    const partners = ctx.snapshot.partners;
    const svc = ctx.services.partners;
    const consent = ctx.consent;
    if (partners.length === 0 || ctx.visitorId === undefined || consent === undefined) return 'next';
    const states = ctx.profile?.partners ?? NO_STATES;
    const decisions = planPartners(partners, {
      signals: ctx.params.signals,
      traitIds: () => liveTraitIds(ctx),
      partnerStates: states,
      optedOut: ctx.optedOut,
      now: ctx.now,
      gate: (p) => mayCallPartner(consent, p, false),
      breakerOpen: (key) => svc.breakers.isOpen(key),
      takeRate: (key, perSec) => svc.rateLimiter.take(key, perSec, ctx.now),
      random: svc.random,
    });
    const budgetLeft =
      ctx.services.config.eventBudgetMs - (performance.now() - ctx.startedAt) - svc.reserveMs;
    let event: EventPrivacyInput | undefined; // built once per event, for the first call
    for (const d of decisions) {
      const p = d.partner;
      switch (d.action) {
        case 'skip':
          ctx.partnerOutcomes[p.key] = skipped(d.reason);
          if (d.reason === 'no-id-sync') addIdSync(ctx, p);
          break;
        case 'cached':
          ctx.partnerOutcomes[p.key] = CACHED;
          break;
        case 'browser':
          addBrowserPixel(ctx, p);
          break;
        case 'call': {
          const call = {
            partner: p,
            plan: callPlan(
              ctx,
              p,
              p.mode === 'sync' ? Math.max(0, Math.min(p.tmaxMs, budgetLeft)) : p.tmaxMs,
              (event ??= eventInput(ctx)),
            ),
          };
          if (p.mode === 'sync') ctx.syncCalls.push(call);
          else {
            ctx.asyncCalls.push(call);
            ctx.partnerOutcomes[p.key] = ASYNC;
          }
          break;
        }
      }
    }
    return 'next';
  },
};

const NO_STATES: Readonly<Record<string, PartnerState>> = Object.freeze({});

/**
 * Outcomes that carry nothing of the event are one frozen record each, shared by every event: a
 * cached or skipped partner then costs no object (and no `skipped:<reason>` string) per event.
 */
const CACHED = Object.freeze({ outcome: 'cached' });
const ASYNC = Object.freeze({ outcome: 'async' });
const SKIPPED = new Map<SkipReason, { readonly outcome: string }>();
function skipped(reason: SkipReason): { readonly outcome: string } {
  let o = SKIPPED.get(reason);
  if (o === undefined) {
    o = Object.freeze({ outcome: `skipped:${reason}` });
    SKIPPED.set(reason, o);
  }
  return o;
}

/** What the privacy gate filters per partner: the event's side, the same for every partner. */
function eventInput(ctx: EventContext): EventPrivacyInput {
  const headers = ctx.req.headers;
  const signals = ctx.params.signals;
  const event: Mutable<EventPrivacyInput> = { signals, ip: ctx.req.ip };
  if (ctx.visitorId !== undefined) event.visitorId = ctx.visitorId;
  const pageUrl = signals.get('h_referer')?.[0] ?? stringHeader(headers['referer']);
  if (pageUrl !== undefined) event.pageUrl = pageUrl;
  const referrer = signals.get('h_referrer')?.[0];
  if (referrer !== undefined) event.referrer = referrer;
  const ua = stringHeader(headers['user-agent']);
  if (ua !== undefined) event.ua = ua;
  const lang = stringHeader(headers['accept-language']);
  if (lang !== undefined) event.acceptLanguage = lang;
  return event;
}

function stringHeader(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A partner's privacy settings, built once per compiled partner (catalog snapshot). */
const privacyOf = new WeakMap<CompiledPartner, PartnerPrivacySettings>();
function privacySettings(p: CompiledPartner): PartnerPrivacySettings {
  let s = privacyOf.get(p);
  if (s === undefined) {
    s = {
      ...(p.tcfVendorId !== undefined ? { tcfVendorId: p.tcfVendorId } : {}),
      sendVisitorId: p.send.visitorId,
      sendPageUrl: p.send.pageUrl,
      sendIp: p.send.ip,
      sendUserAgent: p.send.userAgent,
      signalKeys: p.send.signalKeys,
    };
    privacyOf.set(p, s);
  }
  return s;
}

function callPlan(ctx: EventContext, p: CompiledPartner, tmaxMs: number, event: EventPrivacyInput): CallPlan {
  const uid = ctx.profile?.partners[String(p.dataSourceId)]?.uid;
  const fields = partnerFields(
    ctx.consent!,
    privacySettings(p),
    uid === undefined ? event : { ...event, partnerUid: uid },
  );
  const plan: Mutable<CallPlan> = {
    key: p.key,
    adapter: p.adapter,
    params: p.params,
    endpoint: p.endpoint,
    input: {
      requestId: `${ctx.tid}.${p.partnerId}`,
      tmaxMs,
      now: ctx.now,
      user: fields.user,
      signals: fields.signals,
      page: fields.page,
      device: fields.device,
      regs: fields.regs,
    },
    tmaxMs,
    lateWindowMs: p.lateWindowMs,
  };
  if (p.secrets !== undefined) plan.secrets = p.secrets;
  return plan;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function liveTraitIds(ctx: EventContext): string[] {
  const ids = new Set<string>();
  for (const sid of ctx.realized) ids.add(String(sid));
  const traits = ctx.profile?.traits;
  if (traits !== undefined)
    for (const [sid, r] of traits) if (r.expires === 0 || r.expires > ctx.now) ids.add(String(sid));
  return [...ids];
}

/** The provider's sync URL with `${DCS_IBS}` = our encoded `/ibs` URL, at most once per interval. */
function addIdSync(ctx: EventContext, p: CompiledPartner): void {
  if (p.idSyncUrl === undefined || ctx.params.jsonv === 0) return;
  const state = ctx.profile?.partners[String(p.dataSourceId)];
  if (state?.syncTriedAt !== undefined && ctx.now - state.syncTriedAt < ID_SYNC_INTERVAL_MS) return;
  const host = ctx.req.headers['host'];
  const proto = ctx.req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  const ibs = `${proto}://${typeof host === 'string' ? host : 'localhost'}/ibs:dpid=${p.dataSourceId}&dpuuid=$UID`;
  ctx.pixels.push({
    c: p.idSyncUrl.replaceAll('${DCS_IBS}', encodeURIComponent(ibs)),
    id: p.partnerId,
    y: 'img',
  });
  ctx.delta.partners = { ...ctx.delta.partners, [p.dataSourceId]: { syncTriedAt: ctx.now } };
}

/** Browser-side transfer: the iframe fires the provider's pixel, built by its adapter (a GET). */
function addBrowserPixel(ctx: EventContext, p: CompiledPartner): void {
  try {
    const req = p.adapter.buildRequest(
      callPlan(ctx, p, p.tmaxMs, eventInput(ctx)).input,
      p.params,
      p.endpoint,
    );
    if (req.method !== 'GET') throw new Error('browser-side partners need a GET adapter');
    ctx.pixels.push({ c: req.url, id: p.partnerId, y: 'img' });
    ctx.partnerOutcomes[p.key] = { outcome: 'browser' };
  } catch (err) {
    ctx.partnerOutcomes[p.key] = { outcome: 'failed', detail: (err as Error).message };
  }
}
