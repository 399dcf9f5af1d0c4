/**
 * parse-signals: AAM key-values → typed signals and control keys (reference/aam-dcs.md §2.3–§2.6).
 * On failure: a malformed escape (311) ignores the whole request — the reply carries only the
 * error and nothing is applied; other bad keys/values are dropped with their codes. Under GDPR
 * without Purpose 1 consent the call is dropped with 315: no cookie, no profile, no partner call.
 */
import { parseEventParams } from '../../signals/parse-event-params.js';
import { addSignal } from '../../signals/signal-map.js';
import { mintTid } from '../../identity/visitor-id.js';
import { parseConsent } from '../../privacy/consent.js';
import { mayStore } from '../../privacy/activity-gate.js';
import { wireError } from '../../errors/registry.js';
import type { Stage } from '../stage.js';

export const parseSignalsStage: Stage = {
  name: 'parse-signals',
  run(ctx) {
    ctx.tid = mintTid();
    const limits = ctx.services.config;
    const params = ctx.params;
    parseEventParams(ctx.req.query, limits, params);
    if (ctx.req.body !== undefined && params.fatal === undefined)
      parseEventParams(ctx.req.body, limits, params);
    if (params.fatal !== undefined) {
      ctx.errors.push(params.fatal);
      return 'respond';
    }
    // Only the h_ keys some rule reads become signals (the snapshot lists them): less work, less data kept.
    for (const key of ctx.snapshot.headerKeys) {
      const value = ctx.req.headers[key.slice(2).toLowerCase()];
      if (typeof value === 'string') addSignal(params.signals, key, value);
      else if (Array.isArray(value)) for (const v of value) addSignal(params.signals, key, v);
    }
    if (!ctx.req.admin) params.debug = false;
    // Consent is parsed once, here, and passed to every gate after (STYLE.md §12).
    ctx.consent = parseConsent(params.consent, { gdprDefault: ctx.services.partners.gdprDefault });
    if (!mayStore(ctx.consent)) {
      ctx.errors.push(...params.errors, wireError('NO_CONSENT'));
      ctx.noConsent = true;
      return 'respond';
    }
    ctx.errors.push(...params.errors);
    return 'next';
  },
};
