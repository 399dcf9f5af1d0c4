/**
 * The reference data-provider server (PARTNER-PROTOCOL.md "Reference provider server"): speaks
 * the Audex protocol, the templated GET and OpenRTB shapes and the ID-sync round trip, answers
 * each visitor with deterministic codes, and misbehaves on request. Tests, benchmarks and the
 * demo all call it; `audex partner-sim` runs it from the CLI. A tool, not the hot path: plain
 * `node:http`, one file of routing.
 *
 * Endpoints (docs/partner-protocol.md "Reference server"):
 * - `POST /v1/segments` Audex protocol v1 → `{segments, ttl, user:{id}}` or `204`
 * - `GET  /v1/segments?uid=<id>` → `{segments, ttl}` or `204` (for the `http-get` adapter)
 * - `POST /openrtb` BidRequest subset → `{id, user:{buyeruid, data:[{segment:[{id}]}]}}` or `204`
 * - `GET  /sync?redir=<url with ${DD_UUID} or $UID>` → `302` (see `sim-id-sync.ts`)
 * - `GET  /stats` → {@link PartnerSimStats}
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AudexError } from '../../errors/registry.js';
import { verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../signing.js';
import { applyFault, type TimerSet } from './sim-faults.js';
import { handleSync } from './sim-id-sync.js';
import { checkPartnerSimOptions, SIM_DEFAULTS, type PartnerSimOptions } from './sim-options.js';
import { sampleLatency, seededRandom, simSegmentsFor, simUidFor } from './sim-segments.js';

export { parsePartnerSimFlags, SIM_FAULTS, type PartnerSimOptions, type SimFault } from './sim-options.js';
export { simSegmentsFor, SIM_CATALOGUE } from './sim-segments.js';

/** Largest request body the simulator reads; larger gets `413`. */
export const SIM_MAX_REQUEST_BYTES = 1024 * 1024;

export interface PartnerSimStats {
  /** Every request, any path. */
  requests: number;
  /** Requests per `METHOD /path`. */
  byRoute: Record<string, number>;
  /** Segment calls answered `200` with codes. */
  answered: number;
  /** Segment calls answered `204`. */
  empty: number;
  /** Segment calls answered `500` by `errorRate`. */
  errors: number;
  /** Segment calls that got the configured fault. */
  faults: number;
  /** `401`s for a missing or bad signature. */
  unauthorized: number;
  /** `400`/`404`/`405`/`413`s. */
  rejected: number;
  /** Successful `/sync` redirects, and how many of them minted a new uid. */
  syncs: number;
  minted: number;
  /** The last segment call's JSON body (POST) or query (GET), to see what the DCS sent. */
  lastCall?: { route: string; headers: Record<string, string>; body: unknown };
}

export interface PartnerSim {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening, drops open (and hanging) connections and pending timers. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): PartnerSimStats;
}

type Json = Record<string, unknown>;

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= SIM_MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > SIM_MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

function parseJson(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function flatHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Starts the simulator. Rejects with `AUDEX_CONFIG_INVALID` (listing every problem) if options are bad. */
export async function startPartnerSim(opts: PartnerSimOptions = {}): Promise<PartnerSim> {
  const problems = checkPartnerSimOptions(opts);
  if (problems.length > 0) {
    throw new AudexError('AUDEX_CONFIG_INVALID', `partner-sim: ${problems.join('; ')}`, problems);
  }
  const cfg = { ...SIM_DEFAULTS, ...opts };
  const secrets =
    cfg.secret === undefined ? [] : typeof cfg.secret === 'string' ? [cfg.secret] : [...cfg.secret];
  const random = seededRandom(cfg.seed ?? Math.floor(Math.random() * 2 ** 32));
  const timers: TimerSet = new Set();
  const counters: PartnerSimStats = {
    requests: 0,
    byRoute: {},
    answered: 0,
    empty: 0,
    errors: 0,
    faults: 0,
    unauthorized: 0,
    rejected: 0,
    syncs: 0,
    minted: 0,
  };

  /** The last segment call, as received (flattened into {@link PartnerSimStats.lastCall} on read). */
  let lastCall:
    | { route: string; headers: IncomingMessage['headers']; body: Json | undefined; query: URLSearchParams }
    | undefined;

  const reject = (res: ServerResponse, status: number, error: string): void => {
    counters.rejected++;
    send(res, status, { error });
  };

  /** Codes for a user id (or for anyone, when the answer is fixed). */
  const codesFor = (id: string | undefined): string[] =>
    cfg.segments !== undefined ? [...cfg.segments] : id === undefined ? [] : simSegmentsFor(id);

  const noContent = { 'cache-control': `max-age=${cfg.ttl}` };

  /** The answer a segment call gets when nothing goes wrong: `[status, body?]`. */
  function answerFor(route: string, body: Json | undefined, query: URLSearchParams): [number, Json?] {
    if (route === 'GET /v1/segments') {
      const codes = codesFor(str(query.get('uid')));
      return codes.length === 0 ? [204] : [200, { segments: codes, ttl: cfg.ttl }];
    }
    const user = (typeof body?.['user'] === 'object' ? body['user'] : {}) as Json;
    if (route === 'POST /openrtb') {
      const uid = str(user['buyeruid']) ?? str(user['id']);
      const codes = codesFor(uid);
      if (codes.length === 0) return [204];
      const data = [
        { id: 'audex-sim', name: 'Audex reference provider', segment: codes.map((id) => ({ id })) },
      ];
      return [200, { id: body?.['id'], user: { ...(uid !== undefined && { buyeruid: uid }), data } }];
    }
    // Audex protocol: key on the provider's own id, else assign one from the visitor id.
    const visitor = str(user['visitor']);
    const uid = str(user['id']) ?? (visitor === undefined ? undefined : simUidFor(visitor));
    const codes = codesFor(uid);
    if (codes.length === 0) return [204];
    return [200, { segments: codes, ttl: cfg.ttl, ...(uid !== undefined && { user: { id: uid } }) }];
  }

  async function segmentCall(
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    query: URLSearchParams,
  ) {
    let body: Json | undefined;
    if (req.method === 'POST') {
      const text = await readBody(req);
      if (text === undefined) return reject(res, 413, 'body too large');
      if (secrets.length > 0) {
        const verdict = verifySignature(
          secrets,
          req.headers[SIGNATURE_HEADER] as string | undefined,
          req.headers[TIMESTAMP_HEADER] as string | undefined,
          text,
          Date.now(),
          cfg.signatureWindowMs,
        );
        if (!verdict.ok) {
          counters.unauthorized++;
          return send(res, 401, { error: 'bad signature', reason: verdict.reason });
        }
      }
      body = parseJson(text);
      if (body === undefined) return reject(res, 400, 'body is not a JSON object');
    }
    // Kept as received and flattened only when the stats are read: the benchmark's providers
    // answer thousands of calls a second and nobody reads them in between.
    lastCall = { route, headers: req.headers, body, query };

    const delay = sampleLatency(cfg.latencyMs, cfg.latencyJitter, random);
    if (delay > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (timers.delete(timer), resolve()), delay);
        timers.add(timer);
      });
    }
    if (res.destroyed) return; // the client gave up while we were "thinking"

    const [status, answer] = answerFor(route, body, query);
    if (cfg.fault !== undefined && random() < cfg.faultRate) {
      counters.faults++;
      return applyFault(cfg.fault, req, res, JSON.stringify(answer ?? { segments: [] }), timers);
    }
    if (cfg.errorRate > 0 && random() < cfg.errorRate) {
      counters.errors++;
      return send(res, 500, { error: 'simulated error' });
    }
    if (status === 204) counters.empty++;
    else counters.answered++;
    send(res, status, answer, status === 204 ? noContent : {});
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    counters.byRoute[route] = (counters.byRoute[route] ?? 0) + 1;
    switch (route) {
      case 'POST /v1/segments':
      case 'GET /v1/segments':
      case 'POST /openrtb':
        return segmentCall(req, res, route, url.searchParams);
      case 'GET /sync': {
        const result = handleSync(req, res, url.searchParams, cfg.cookieName);
        if (result.status !== 302) counters.rejected++;
        else counters.syncs++;
        if (result.minted === true) counters.minted++;
        return;
      }
      case 'GET /stats':
        return send(res, 200, snapshot());
    }
    const known = ['/v1/segments', '/openrtb', '/sync', '/stats'].includes(url.pathname);
    reject(res, known ? 405 : 404, known ? 'method not allowed' : 'not found');
  }

  const snapshot = (): PartnerSimStats =>
    structuredClone({
      ...counters,
      ...(lastCall !== undefined && {
        lastCall: {
          route: lastCall.route,
          headers: flatHeaders(lastCall.headers),
          body: lastCall.body ?? Object.fromEntries(lastCall.query),
        },
      }),
    });

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'sim internal error' });
      else res.destroy();
    });
  });
  // The sim holds connections open on purpose (hang, trickle); keep-alive sockets must not block close().
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(cfg.port, cfg.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;

  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    stats: snapshot,
    close: () =>
      new Promise<void>((resolve, rejectClose) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err === undefined ? resolve() : rejectClose(err)));
        server.closeAllConnections();
      }),
  };
}
