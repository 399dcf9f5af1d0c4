/**
 * `GET /event` takes the fast lane (node:http, ahead of fastify) on a real socket, while `inject`
 * and every other method go through fastify: both lanes must give the same reply.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../helpers/test-app.js';

const VISITOR = '2'.repeat(38);
/** Headers whose values differ per call. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function comparable(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (!VOLATILE.has(k.toLowerCase())) out[k.toLowerCase()] = String(v).replace(/\d{38}/g, '<id>');
  return out;
}

/** The reply body without the transaction id and minted visitor ids, which are new on every call. */
const withoutTid = (body: string) =>
  body.replace(/"tid":"[^"]*"/, '"tid":"…"').replace(/"uuid":"\d{38}"/, '"uuid":"<id>"');

describe('the /event fast lane', () => {
  let app: App;
  let origin: string;
  beforeAll(async () => {
    app = await testApp({ dcs: { allowedOrigins: ['https://site.example'] } });
    origin = await app.server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => app.close());

  const cases: Array<[string, string, Record<string, string>]> = [
    [
      'JSON reply with traits and segments',
      `d_uuid=${VISITOR}&c_section=sports&d_sid=1003&d_rtbd=json&d_cts=1`,
      {},
    ],
    ['JSONP', `d_uuid=${VISITOR}&d_rtbd=json&d_cb=handle_1`, {}],
    ['pixel', `d_uuid=${VISITOR}&c_section=news`, {}],
    ['cookie and CORS', 'd_rtbd=json', { cookie: `audex_uuid=${VISITOR}`, origin: 'https://site.example' }],
    ['coded errors in X-Error', 'd_uuid=not-a-number&d_rtbd=json&d_sid=abc', {}],
    ['malformed percent-encoding', 'c_x=%E0%A4%A&d_rtbd=json', {}],
  ];

  it.each(cases)('%s: same status, headers and body as through fastify', async (_name, query, headers) => {
    const viaFastify = await app.server.inject({ method: 'GET', url: `/event?${query}`, headers });
    const viaLane = await request(`${origin}/event?${query}`, { headers });
    const laneBody = await viaLane.body.text();
    expect(viaLane.statusCode).toBe(viaFastify.statusCode);
    expect(comparable(viaLane.headers)).toEqual(comparable(viaFastify.headers));
    expect(withoutTid(laneBody)).toBe(withoutTid(viaFastify.body));
  });

  it('answers an oversized URL with the same coded 413', async () => {
    const url = `/event?c_x=${'a'.repeat(9000)}`;
    const viaFastify = await app.server.inject({ method: 'GET', url });
    const viaLane = await request(`${origin}${url}`);
    expect(viaLane.statusCode).toBe(413);
    expect(await viaLane.body.json()).toEqual(viaFastify.json());
  });

  it('leaves other paths and methods to fastify', async () => {
    expect((await request(`${origin}/events`)).statusCode).toBe(404);
    const post = await request(`${origin}/event?d_rtbd=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `d_uuid=${VISITOR}&c_section=sports`,
    });
    expect(post.statusCode).toBe(200);
    expect(((await post.body.json()) as { uuid: string }).uuid).toBe(VISITOR);
    const preflight = await request(`${origin}/event`, {
      method: 'OPTIONS',
      headers: { origin: 'https://site.example' },
    });
    expect(preflight.statusCode).toBe(204);
  });
});
