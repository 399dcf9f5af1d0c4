/**
 * `GET|POST /event`: the DCS event call (reference/aam-dcs.md §2). The route only adapts HTTP to
 * the pipeline: raw query/body in, reply encoding (JSON, JSONP, pixel), cookie, CORS and `X-Error`
 * out. Event records are appended to the event log after the reply is built.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AudexError } from '../errors/registry.js';
import { EventContext, type EventServices } from '../pipeline/event-context.js';
import { runPipeline, shouldTimeStages, type RunnerHooks } from '../pipeline/runner.js';
import { STAGES } from '../pipeline/stage-list.js';
import type { AdminTokenHashes } from '../admin/admin-token-hashes.js';
import { hashToken } from '../admin/auth.js';
import { startAsyncCalls } from '../pipeline/stages/call-partners-stage.js';
import type { EventLog, EventRecord } from '../storage/ports.js';
import type { SignalMap } from '../signals/signal-map.js';
import type { Metrics } from '../observability/metrics.js';
import { serializeCookie, visitorCookieOptions } from './cookies.js';
import { applyCors, corsHeaders } from './cors.js';
import { PIXEL_GIF } from './pixel.js';

export interface EventRouteOptions {
  services: EventServices;
  eventLog: EventLog | undefined;
  /** The admin tokens' hashes, in memory: `d_debug` is answered for an admin token only. */
  adminTokens: Pick<AdminTokenHashes, 'has'>;
  metrics: Metrics;
  onCrash: (stage: string, err: unknown) => void;
}

/** One `/event` call as the handler needs it, whatever carried it (fastify or the fast lane). */
export interface EventRequest {
  /** Raw request target: path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
  ip: string;
  /** Form body (POST); undefined for a GET. Always present, so every request has one shape. */
  body: string | undefined;
}

/** The reply: status 200 with these headers and body; `errors` is the `X-Error` header value. */
export interface EventResponse {
  headers: Array<[string, string]>;
  contentType: string;
  body: string | Buffer;
}

/**
 * The `/event` handler without a web framework: request in, reply out. Throws `AudexError` for
 * transport-level faults (413 for an oversized URL); everything else is a 200 with coded errors.
 */
export function createEventHandler(opts: EventRouteOptions): (req: EventRequest) => Promise<EventResponse> {
  const { services, eventLog, metrics } = opts;
  const config = services.config;
  const cookieOpts = visitorCookieOptions(config);
  const stageTimers = new Map(STAGES.map((s) => [s.name, metrics.stageDuration.labels(s.name)]));
  const hooks: RunnerHooks = {
    onStage: (stage, seconds) => stageTimers.get(stage as never)?.observe(seconds),
    onCrash: opts.onCrash,
  };
  const outcomes = {
    ok: metrics.events.labels('ok'),
    ignored: metrics.events.labels('ignored'),
    opted_out: metrics.events.labels('opted_out'),
    error: metrics.events.labels('error'),
    no_consent: metrics.events.labels('no_consent'),
  };

  return async (request) => {
    const url = request.url;
    if (url.length > config.maxUrlBytes)
      throw new AudexError('AUDEX_PAYLOAD_TOO_LARGE', `URL longer than ${config.maxUrlBytes} bytes`);
    const q = url.indexOf('?');
    const query = q === -1 ? '' : url.slice(q + 1);
    const debug = query.includes('d_debug=1');
    const admin = debug && isAdmin(opts.adminTokens, request.headers.authorization);
    // Field by field, not a spread of `request`: a spread's copy took V8's slow define path on
    // every event (docs/benchmarks.md, "/event throughput").
    const ctx = new EventContext(
      { query, body: request.body, headers: request.headers, ip: request.ip, admin },
      services,
    );
    const t0 = performance.now();
    await runPipeline(ctx, STAGES, hooks, shouldTimeStages(debug));
    metrics.eventDuration.observe((performance.now() - t0) / 1000);
    const out = ctx.reply;
    if (out === undefined) throw new AudexError('AUDEX_INTERNAL', 'pipeline produced no reply');

    (ctx.params.fatal !== undefined
      ? outcomes.ignored
      : ctx.noConsent
        ? outcomes.no_consent
        : ctx.optedOut
          ? outcomes.opted_out
          : ctx.written
            ? outcomes.ok
            : outcomes.error
    ).inc();
    const headers: Array<[string, string]> = [['Cache-Control', 'no-store']];
    if (out.errors !== undefined) {
      for (const e of out.errors) metrics.dcsErrors.labels(String(e.code)).inc();
      headers.push(['X-Error', out.errors.map((e) => e.code).join(',')]);
    }
    corsHeaders(request.headers.origin, config.allowedOrigins, headers);
    if (ctx.setCookie && ctx.visitorId !== undefined && !ctx.optedOut && ctx.params.fatal === undefined) {
      headers.push(['Set-Cookie', serializeCookie(config.cookieName, ctx.visitorId, cookieOpts)]);
    }
    if (eventLog !== undefined && ctx.written) eventLog.append(eventRecord(ctx));
    startAsyncCalls(ctx);
    if (!ctx.params.rtbd) return { headers, contentType: 'image/gif', body: PIXEL_GIF };
    const json = JSON.stringify(out);
    const cb = ctx.params.callback;
    if (cb !== undefined)
      return { headers, contentType: 'application/javascript; charset=utf-8', body: `${cb}(${json});` };
    return { headers, contentType: 'application/json; charset=utf-8', body: json };
  };
}

/**
 * `GET|POST /event` on fastify (every POST, and GETs that do not take the fast lane), over the
 * handler the fast lane uses too.
 */
export function registerEventRoute(
  app: FastifyInstance,
  handle: (req: EventRequest) => Promise<EventResponse>,
  config: Pick<EventServices['config'], 'maxBodyBytes' | 'allowedOrigins'>,
): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Only form bodies carry key-values (AAM §2.2); fastify's JSON parser must not sneak one in.
    if (request.body !== undefined && request.body !== null && typeof request.body !== 'string') {
      throw new AudexError(
        'AUDEX_UNSUPPORTED_MEDIA_TYPE',
        'POST /event takes application/x-www-form-urlencoded',
      );
    }
    const body = typeof request.body === 'string' ? request.body : undefined;
    const res = await handle({ url: request.url, headers: request.headers, ip: request.ip, body });
    for (const [name, value] of res.headers) reply.header(name, value);
    return reply.type(res.contentType).send(res.body);
  };

  app.route({ method: ['GET', 'POST'], url: '/event', bodyLimit: config.maxBodyBytes, handler });
  // CORS preflight, for callers that add headers (e.g. the demo's debug panel with a bearer token);
  // DIL's form POST is a simple request and needs none.
  app.options('/event', async (request, reply) => {
    applyCors(request, reply, config.allowedOrigins);
    if (reply.hasHeader('access-control-allow-origin')) {
      reply.header('Access-Control-Allow-Methods', 'GET, POST');
      reply.header('Access-Control-Allow-Headers', 'content-type, authorization');
      reply.header('Access-Control-Max-Age', '600');
    }
    return reply.code(204).send();
  });
}

/**
 * The event-log record: never `p_` keys (AAM §2.3: private, used for this call only). The signal
 * map is handed over as it is (the log serialises it at once) unless it holds a `p_` key: building
 * an object of the signals was ≈ 1.2 KB and a dozen megamorphic stores an event.
 */
function eventRecord(ctx: EventContext): EventRecord {
  let signals: SignalMap = ctx.params.signals;
  for (const k of signals.keys()) {
    if (k.startsWith('p_')) {
      signals = new Map([...signals].filter(([key]) => !key.startsWith('p_')));
      break;
    }
  }
  // One literal of fixed shape (visitorId may be undefined, which the log leaves out): a spread of
  // a conditional object here went through V8's runtime on every event.
  return {
    ts: ctx.now,
    tid: ctx.tid,
    visitorId: ctx.visitorId,
    signals,
    traits: [...ctx.realized],
    segments: ctx.segments,
    errors: ctx.errors.map((e) => e.code),
  };
}

function isAdmin(adminTokens: Pick<AdminTokenHashes, 'has'>, authorization: string | undefined): boolean {
  if (authorization === undefined || !authorization.startsWith('Bearer ')) return false;
  return adminTokens.has(hashToken(authorization.slice(7).trim()));
}
