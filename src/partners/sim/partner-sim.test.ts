/**
 * The simulator's endpoints, driven with undici as the DCS would, and end to end with each
 * adapter: build with the adapter, send, parse with the adapter.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerAdapter, PartnerCallInput } from '../adapter.js';
import { BASE_INPUT } from '../adapter-fixtures.js';
import { ADAPTERS } from '../registry.js';
import { signOutboundRequest } from '../signing.js';
import { simSegmentsFor, startPartnerSim, type PartnerSim } from './partner-sim.js';
import { simUidFor } from './sim-segments.js';

async function call(
  url: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await request(url, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined && {
      body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

const input = (user: PartnerCallInput['user']): PartnerCallInput => ({ ...BASE_INPUT, user });

describe('partner sim', () => {
  let sim: PartnerSim;
  beforeAll(async () => {
    sim = await startPartnerSim({ port: 0, ttl: 600 });
  });
  afterAll(() => sim.close());

  it('POST /v1/segments answers a known provider id with its deterministic codes', async () => {
    const res = await call(`${sim.url}/v1/segments`, {
      method: 'POST',
      body: { v: 1, id: 'r1', user: { id: 'p-77' } },
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ segments: simSegmentsFor('p-77'), ttl: 600, user: { id: 'p-77' } });
  });

  it('assigns a provider id from the visitor id when there is none (implicit sync)', async () => {
    const res = await call(`${sim.url}/v1/segments`, {
      method: 'POST',
      body: { v: 1, user: { visitor: 'v-1' } },
    });
    const uid = simUidFor('v-1');
    expect(res.json()).toEqual({ segments: simSegmentsFor(uid), ttl: 600, user: { id: uid } });
  });

  it('answers 204 with max-age when it knows nothing', async () => {
    const res = await call(`${sim.url}/v1/segments`, { method: 'POST', body: { v: 1, user: {} } });
    expect(res.status).toBe(204);
    expect(res.headers['cache-control']).toBe('max-age=600');
  });

  it('GET /v1/segments?uid= serves the templated-GET shape', async () => {
    const res = await call(`${sim.url}/v1/segments?uid=p-5`);
    expect(res.json()).toEqual({ segments: simSegmentsFor('p-5'), ttl: 600 });
    expect((await call(`${sim.url}/v1/segments`)).status).toBe(204);
  });

  it('POST /openrtb answers in user.data[].segment[]', async () => {
    const res = await call(`${sim.url}/openrtb`, {
      method: 'POST',
      body: { id: 'r2', user: { buyeruid: 'p-9' } },
    });
    expect(res.json()).toEqual({
      id: 'r2',
      user: {
        buyeruid: 'p-9',
        data: [
          {
            id: 'audex-sim',
            name: 'Audex reference provider',
            segment: simSegmentsFor('p-9').map((id) => ({ id })),
          },
        ],
      },
    });
  });

  it('rejects malformed bodies, unknown paths and wrong methods', async () => {
    expect((await call(`${sim.url}/v1/segments`, { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await call(`${sim.url}/v1/segments`, { method: 'POST', body: '[1]' })).status).toBe(400);
    expect((await call(`${sim.url}/nowhere`)).status).toBe(404);
    expect((await call(`${sim.url}/openrtb`)).status).toBe(405);
  });

  for (const [name, endpointPath] of [
    ['audex', '/v1/segments'],
    ['http-get', '/v1/segments?uid={user.id}&cb={rand}'],
    ['openrtb', '/openrtb'],
  ] as const) {
    it(`round-trips with the ${name} adapter`, async () => {
      const adapter = ADAPTERS[name] as PartnerAdapter<unknown>;
      const callInput = input({ partnerUid: 'p-round-trip' });
      const req = adapter.buildRequest(callInput, {}, `${sim.url}${endpointPath}`);
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
      });
      const body = await res.body.text();
      const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
      const answer = adapter.parseResponse({ status: res.statusCode, headers, body }, callInput, {});
      expect(answer).toMatchObject({ kind: 'segments', codes: simSegmentsFor('p-round-trip') });
      expect(sim.stats().lastCall?.headers['x-audex-request-id']).toBe(BASE_INPUT.requestId);
    });
  }

  it('GET /stats counts what happened', async () => {
    const res = await call(`${sim.url}/stats`);
    const stats = res.json() as ReturnType<PartnerSim['stats']>;
    expect(stats.answered).toBeGreaterThanOrEqual(5);
    expect(stats.empty).toBeGreaterThanOrEqual(2);
    expect(stats.rejected).toBeGreaterThanOrEqual(4);
    expect(stats.byRoute['POST /openrtb']).toBeGreaterThanOrEqual(2);
    // The /stats call itself is counted before the snapshot is taken.
    expect(sim.stats().requests).toBe(stats.requests);
  });
});

describe('partner sim with a fixed answer', () => {
  let fixed: PartnerSim;
  let none: PartnerSim;
  beforeAll(async () => {
    fixed = await startPartnerSim({ segments: ['Z1', 'Z2'], ttl: 60 });
    none = await startPartnerSim({ segments: [] });
  });
  afterAll(async () => {
    await fixed.close();
    await none.close();
  });

  it('answers every visitor, even an anonymous one, with the fixed codes', async () => {
    const res = await call(`${fixed.url}/v1/segments`, { method: 'POST', body: { v: 1, user: {} } });
    expect(res.json()).toEqual({ segments: ['Z1', 'Z2'], ttl: 60 });
  });

  it('answers 204 to everyone with an empty fixed list', async () => {
    const res = await call(`${none.url}/v1/segments`, {
      method: 'POST',
      body: { v: 1, user: { id: 'p-1' } },
    });
    expect(res.status).toBe(204);
  });
});

describe('partner sim with signature verification', () => {
  let sim: PartnerSim;
  beforeAll(async () => {
    sim = await startPartnerSim({ secret: ['new-secret', 'old-secret'] });
  });
  afterAll(() => sim.close());

  const build = () =>
    ADAPTERS.audex.buildRequest(
      { ...BASE_INPUT, now: Date.now(), user: { partnerUid: 'p-1' } },
      {},
      `${sim.url}/v1/segments`,
    );

  it('401s an unsigned or wrongly signed call', async () => {
    const req = build();
    const unsigned = await call(req.url, { method: 'POST', headers: req.headers, body: req.body });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json()).toEqual({ error: 'bad signature', reason: 'missing' });
    const forged = signOutboundRequest(req, 'guess', Date.now());
    expect((await call(req.url, { method: 'POST', headers: forged.headers, body: req.body })).status).toBe(
      401,
    );
    expect(sim.stats().unauthorized).toBe(2);
  });

  it('accepts either active secret (rotation)', async () => {
    for (const secret of ['new-secret', 'old-secret']) {
      const signed = signOutboundRequest(build(), secret, Date.now());
      const res = await call(signed.url, { method: 'POST', headers: signed.headers, body: signed.body });
      expect(res.status).toBe(200);
    }
  });
});

describe('partner sim ID sync', () => {
  let sim: PartnerSim;
  beforeAll(async () => {
    sim = await startPartnerSim({});
  });
  afterAll(() => sim.close());

  const redir = 'https://dcs.example/ibs:dpid=1234&dpuuid=${DD_UUID}';

  it('mints a uid, sets its cookie and redirects to redir with the macro replaced', async () => {
    const res = await call(`${sim.url}/sync?redir=${encodeURIComponent(redir)}`);
    expect(res.status).toBe(302);
    const cookie = String(res.headers['set-cookie']);
    const uid = /^audex_sim_uid=(p-[0-9a-f]{16});/.exec(cookie)?.[1];
    expect(uid).toBeDefined();
    expect(res.headers.location).toBe(`https://dcs.example/ibs:dpid=1234&dpuuid=${uid}`);
    expect(cookie).toMatch(/HttpOnly; SameSite=Lax/);
  });

  it('keeps the uid it already gave (cookie) and understands $UID', async () => {
    const res = await call(
      `${sim.url}/sync?redir=${encodeURIComponent('https://dcs.example/ibs:dpid=9&dpuuid=$UID')}`,
      {
        headers: { cookie: 'other=1; audex_sim_uid=p-0123456789abcdef' },
      },
    );
    expect(res.headers.location).toBe('https://dcs.example/ibs:dpid=9&dpuuid=p-0123456789abcdef');
    expect(sim.stats()).toMatchObject({ syncs: 2, minted: 1 });
  });

  it('400s a missing redir, a relative one, or one without a macro', async () => {
    expect((await call(`${sim.url}/sync`)).status).toBe(400);
    expect((await call(`${sim.url}/sync?redir=%2Fibs`)).status).toBe(400);
    const noMacro = await call(
      `${sim.url}/sync?redir=${encodeURIComponent('https://dcs.example/ibs:dpid=1')}`,
    );
    expect(noMacro.status).toBe(400);
    expect(noMacro.json()).toEqual({ error: 'redir must contain ${DD_UUID} or $UID' });
  });
});
