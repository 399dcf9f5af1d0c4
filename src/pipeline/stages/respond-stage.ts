/**
 * respond: builds the AAM reply object (§2.7). The HTTP layer chooses the encoding (JSON, JSONP
 * or pixel) and writes cookies. On failure: none — it only reads the context.
 */
import type { DcsReply } from '../../protocol/dcs-reply.js';
import { mayTarget } from '../../privacy/activity-gate.js';
import type { Stage } from '../stage.js';

export const respondStage: Stage = {
  name: 'respond',
  run(ctx) {
    const reply: DcsReply = {
      dcs_region: ctx.services.config.region,
      tid: ctx.tid,
      stuff: [],
      dests: [],
    };
    if (ctx.visitorId !== undefined && !ctx.optedOut && ctx.params.fatal === undefined)
      reply.uuid = ctx.visitorId;
    // TCF: segments go to the page for targeting only with Purpose 4 (privacy/activity-gate.ts).
    const targeting = ctx.consent === undefined || mayTarget(ctx.consent, ctx.optedOut);
    if (ctx.params.cts !== 0 && ctx.params.fatal === undefined && !ctx.optedOut && targeting) {
      reply.traits = [...ctx.realized];
      reply.segments = ctx.segments;
    }
    if (ctx.pixels.length > 0 && !ctx.optedOut) reply.ibs = ctx.pixels;
    if (ctx.errors.length > 0) reply.errors = ctx.errors;
    if (ctx.params.debug) reply.debug = { stages: { ...ctx.stageMs }, partners: { ...ctx.partnerOutcomes } };
    ctx.reply = reply;
    return 'next';
  },
};
