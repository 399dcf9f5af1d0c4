/**
 * The fast lane: `GET /event` — the page's call, nearly all DCS traffic — is served straight from
 * node:http, ahead of fastify's router; every other request (POST /event, OPTIONS, the admin API,
 * health, the tag) goes to fastify as before. Both lanes run the one handler of `event-route.ts`,
 * so a reply is the same whichever carried it. Why: fastify's routing, request/reply objects and
 * hooks cost about as much per request as a bare node:http server does in total
 * (docs/benchmarks.md, "/event throughput"); on the hot path that is the largest cost left that
 * does no DCS work.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerFactory } from 'fastify';
import type { EventRequest, EventResponse } from './event-route.js';
import { toHttpError } from './error-handler.js';

/** Serves a request and returns true, or returns false to leave it to fastify. */
export type Lane = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The fast lane over an `/event` handler. */
export function eventFastLane(
  handle: (req: EventRequest) => Promise<EventResponse>,
  onError: (err: unknown) => void,
): Lane {
  return (req, res) => {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !isEventPath(url)) return false;
    handle({ url, headers: req.headers, ip: req.socket.remoteAddress ?? '', body: undefined }).then(
      (reply) => send(res, 200, reply.contentType, reply.headers, reply.body),
      (err: unknown) => {
        const e = toHttpError(err as Error);
        if (e.status >= 500) onError(err);
        const body = JSON.stringify({ error: { code: e.code, message: e.message } });
        send(res, e.status, 'application/json; charset=utf-8', [], body);
      },
    );
    return true;
  };
}

/** `/event` or `/event?…`; anything else (`/event/x`, `/events`) is fastify's to route or 404. */
function isEventPath(url: string): boolean {
  return url.startsWith('/event') && (url.length === 6 || url[6] === '?');
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: string | Buffer,
): void {
  if (res.headersSent || res.destroyed) return;
  const out: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
  };
  for (const [name, value] of headers) out[name] = value;
  res.writeHead(status, out);
  res.end(body);
}

/**
 * A fastify `serverFactory` whose server offers each request to `lane()` first (read per request,
 * so the lane can be installed once the routes exist) and otherwise to fastify. Applies the server
 * timeouts fastify applies to servers it creates itself.
 */
export function laneServerFactory(lane: () => Lane | undefined): FastifyServerFactory {
  return (fastifyHandler, options) => {
    const server: Server = createServer((req, res) => {
      if (lane()?.(req, res) !== true) fastifyHandler(req, res);
    });
    const { keepAliveTimeout, requestTimeout, connectionTimeout } = options;
    if (typeof keepAliveTimeout === 'number') server.keepAliveTimeout = keepAliveTimeout;
    if (typeof requestTimeout === 'number') server.requestTimeout = requestTimeout;
    if (typeof connectionTimeout === 'number') server.setTimeout(connectionTimeout);
    return server;
  };
}
