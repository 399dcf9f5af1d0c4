import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { EventRecord } from '../../src/storage/ports.js';
import { createMemoryStores } from '../../src/storage/memory/memory-stores.js';
import { TEST_ADMIN_TOKEN, testApp, visitorCookie } from '../helpers/test-app.js';

const VISITOR = '1'.repeat(38);
/** The demo's first-party traits (the embedded demo provider adds onboarded traits 3001/3002 too). */
const firstParty = (ids: number[]) => ids.filter((id) => id < 3000).sort();

describe('/event (AAM DCS API)', () => {
  let app: App;
  const logged: EventRecord[] = [];
  beforeAll(async () => {
    app = await testApp(
      {},
      {
        eventLog: { append: (r) => void logged.push(r), flush: async () => {}, close: async () => {} },
      },
    );
  });
  afterAll(async () => app.close());

  const get = (query: string, headers: Record<string, string> = {}) =>
    app.server.inject({ method: 'GET', url: `/event?${query}`, headers });

  it('mints a 38-digit visitor id, sets the cookie and answers the AAM reply shape', async () => {
    const res = await get('d_rtbd=json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.json();
    expect(body.uuid).toMatch(/^\d{38}$/);
    expect(body).toMatchObject({ dcs_region: 1, stuff: [], dests: [] });
    expect(body.tid).toMatch(/^[A-Za-z0-9+/=]{12}$/);
    expect(visitorCookie(res.headers['set-cookie'])).toBe(body.uuid);
    expect(String(res.headers['set-cookie'])).toMatch(/Max-Age=15552000; Path=\/; SameSite=None; Secure/);
  });

  it('keeps and renews the visitor id from the cookie', async () => {
    const res = await get('d_rtbd=json', { cookie: `audex_uuid=${VISITOR}` });
    expect(res.json().uuid).toBe(VISITOR);
    expect(visitorCookie(res.headers['set-cookie'])).toBe(VISITOR);
  });

  it('answers a 1x1 GIF without d_rtbd, and JSONP with d_cb', async () => {
    const pixel = await get('c_a=1');
    expect(pixel.headers['content-type']).toBe('image/gif');
    expect(pixel.rawPayload.subarray(0, 6).toString()).toBe('GIF89a');
    const jsonp = await get('d_rtbd=json&d_cb=handle.reply');
    expect(jsonp.headers['content-type']).toMatch(/application\/javascript/);
    expect(jsonp.body).toMatch(/^handle\.reply\(\{.*\}\);$/);
  });

  it('realises d_sid traits and returns them with d_cts, with unknown ids reported (351)', async () => {
    const res = await get('d_sid=1003,999999&d_rtbd=json&d_cts=1', {
      cookie: `audex_uuid=${'2'.repeat(38)}`,
    });
    const body = res.json();
    expect(firstParty(body.traits)).toEqual([1003]);
    expect(body.errors).toEqual([expect.objectContaining({ code: 351 })]);
    expect(res.headers['x-error']).toBe('351');
    const profile = await app.stores.profiles.get('2'.repeat(38));
    expect(profile?.traits.get(1003)).toMatchObject({ count: 1 });
  });

  it('refuses to realise a folder trait by d_sid', async () => {
    const res = await get('d_sid=1000&d_rtbd=json&d_cts=1');
    expect(res.json().traits).not.toContain(1000);
    expect(res.json().errors[0].code).toBe(351);
  });

  it('realises rule-based traits and qualifies segments on the same call', async () => {
    const res = await get('c_section=sports&c_lang=pt&d_rtbd=json&d_cts=2');
    const body = res.json();
    expect(firstParty(body.traits)).toEqual([1001, 1002]);
    expect(body.segments).toEqual(expect.arrayContaining([2001, 2003]));
    expect(body.segments).not.toContain(2002);
  });

  it('qualifies a frequency segment on the third realisation', async () => {
    const cookie = { cookie: `audex_uuid=${'3'.repeat(38)}` };
    await get('c_section=sports&d_rtbd=json&d_cts=1', cookie);
    const second = await get('c_section=sports&d_rtbd=json&d_cts=1', cookie);
    expect(second.json().segments).not.toContain(2002);
    const third = await get('c_section=sports&d_rtbd=json&d_cts=1', cookie);
    expect(third.json().segments).toContain(2002);
  });

  it('restricts rule evaluation to one data source with d_tdpid / d_tdpid_ic', async () => {
    expect(firstParty((await get('c_section=sports&d_tdpid=2&d_rtbd=json&d_cts=1')).json().traits)).toEqual(
      [],
    );
    expect(
      firstParty((await get('c_section=sports&d_tdpid_ic=demo-site&d_rtbd=json&d_cts=1')).json().traits),
    ).toEqual([1001]);
    const unknown = (await get('c_section=sports&d_tdpid_ic=nope&d_rtbd=json&d_cts=1')).json();
    expect(firstParty(unknown.traits)).toEqual([]);
    expect(unknown.errors[0].code).toBe(356);
  });

  it('reads h_ signals from request headers for rules', async () => {
    const res = await get('c_section=x&d_rtbd=json&d_cts=1', { 'accept-language': 'pt-BR,pt;q=0.9' });
    expect(firstParty(res.json().traits)).toEqual([1002]);
  });

  it('ignores the whole request on bad encoding (311) and stores nothing', async () => {
    const visitor = '4'.repeat(38);
    const res = await get('d_sid=1003&c_a=%zz&d_rtbd=json', { cookie: `audex_uuid=${visitor}` });
    const body = res.json();
    expect(body.errors).toEqual([expect.objectContaining({ code: 311 })]);
    expect(body.uuid).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await app.stores.profiles.get(visitor)).toBeUndefined();
  });

  it('accepts POST form bodies (DIL CORS) and echoes the allowed origin with credentials', async () => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/event?d_dil_ver=9.4',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://news.example' },
      payload: 'd_rtbd=json&d_cts=1&c_section=sports',
    });
    expect(res.statusCode).toBe(200);
    expect(firstParty(res.json().traits)).toEqual([1001]);
    expect(res.headers['access-control-allow-origin']).toBe('https://news.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it('rejects wrong content types (415), oversized bodies and URLs (413)', async () => {
    const json = await app.server.inject({
      method: 'POST',
      url: '/event',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('AUDEX_UNSUPPORTED_MEDIA_TYPE');
    const big = await app.server.inject({
      method: 'POST',
      url: '/event',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'c_a=' + 'x'.repeat(40_000),
    });
    expect(big.statusCode).toBe(413);
    const longUrl = await get('c_a=' + 'x'.repeat(9000));
    expect(longUrl.statusCode).toBe(413);
    expect(longUrl.json().error.code).toBe('AUDEX_PAYLOAD_TOO_LARGE');
  });

  it('serves server-to-server calls by d_uuid without setting a cookie, and rejects a bad d_uuid (102)', async () => {
    const s2s = await get(`d_uuid=${'5'.repeat(38)}&d_sid=1003&d_rtbd=json`);
    expect(s2s.json().uuid).toBe('5'.repeat(38));
    expect(s2s.headers['set-cookie']).toBeUndefined();
    const bad = await get('d_uuid=12&d_rtbd=json');
    expect(bad.json().errors[0].code).toBe(102);
    expect(bad.json().uuid).toMatch(/^\d{38}$/);
  });

  it('resolves a declared id to the visitor it was last seen with (most recent mapping wins)', async () => {
    const first = await get('d_cid=1%01crm-42&d_rtbd=json');
    const uuid = first.json().uuid;
    const again = await get('d_cid_ic=demo-site%01crm-42&d_rtbd=json');
    expect(again.json().uuid).toBe(uuid);
    const other = '6'.repeat(38);
    await get('d_cid=1%01crm-42&d_rtbd=json', { cookie: `audex_uuid=${other}` });
    expect((await get('d_cid=1%01crm-42&d_rtbd=json')).json().uuid).toBe(other);
    const unknown = await get('d_cid=77777%01x&d_rtbd=json');
    expect(unknown.json().errors.map((e: { code: number }) => e.code)).toEqual([300, 104]);
  });

  it('replaces a malformed cookie with a new id (358)', async () => {
    const res = await get('d_rtbd=json', { cookie: 'audex_uuid=abc' });
    expect(res.json().uuid).toMatch(/^\d{38}$/);
    expect(res.json().errors[0].code).toBe(358);
  });

  it('never loses an update under concurrent events for one visitor', async () => {
    const visitor = '7'.repeat(38);
    await Promise.all(
      Array.from({ length: 50 }, () => get('d_sid=1003&d_rtbd=json', { cookie: `audex_uuid=${visitor}` })),
    );
    expect((await app.stores.profiles.get(visitor))?.traits.get(1003)?.count).toBe(50);
  });

  it('logs accepted events without p_ keys', async () => {
    logged.length = 0;
    await get('c_keep=1&p_secret=2&d_rtbd=json');
    expect(logged).toHaveLength(1);
    expect(Object.fromEntries(logged[0]?.signals ?? [])).toEqual({ c_keep: ['1'] });
  });

  it('logs a signal whatever its name, __proto__ included', async () => {
    logged.length = 0;
    await get('__proto__=x&constructor=y&d_rtbd=json');
    expect([...(logged[0]?.signals ?? [])]).toEqual([
      ['__proto__', ['x']],
      ['constructor', ['y']],
    ]);
  });

  it('uses p_ keys for rules in that request only', async () => {
    const res = await get('p_x=1&d_rtbd=json&d_cts=1');
    expect(res.statusCode).toBe(200);
  });

  it('adds per-stage timings with d_debug=1 only for an admin token', async () => {
    expect((await get('d_rtbd=json&d_debug=1')).json().debug).toBeUndefined();
    const res = await get('d_rtbd=json&d_debug=1', { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    expect(Object.keys(res.json().debug.stages)).toContain('write-profile');
  });

  it('answers d_debug for an admin token minted through the API at once, and not once revoked', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    const minted = await app.server.inject({
      method: 'POST',
      url: '/api/v1/tokens/',
      headers: admin,
      payload: { name: 'second admin', role: 'admin' },
    });
    expect(minted.statusCode).toBe(201);
    const { id, token } = minted.json() as { id: string; token: string };
    const auth = { authorization: `Bearer ${token}` };
    expect((await get('d_rtbd=json&d_debug=1', auth)).json().debug).toBeDefined();
    const revoked = await app.server.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${id}`,
      headers: admin,
    });
    expect(revoked.statusCode).toBe(204);
    expect((await get('d_rtbd=json&d_debug=1', auth)).json().debug).toBeUndefined();
  });

  it('checks a d_debug token in memory: forged ones do not read the token store per request', async () => {
    const tokens = app.stores.tokens;
    const findByHash = tokens.findByHash.bind(tokens);
    const list = tokens.list.bind(tokens);
    let lookups = 0;
    let lists = 0;
    tokens.findByHash = (hash) => (lookups++, findByHash(hash));
    tokens.list = () => (lists++, list());
    try {
      for (let i = 0; i < 50; i++) {
        const res = await get('d_rtbd=json&d_debug=1', { authorization: `Bearer forged-${i}` });
        expect(res.statusCode).toBe(200);
        expect(res.json().debug).toBeUndefined();
      }
      expect(lookups).toBe(0);
      // Only the once-a-second refresh lists the tokens, whatever the number of requests.
      expect(lists).toBeLessThan(50);
    } finally {
      tokens.findByHash = findByHash;
      tokens.list = list;
    }
  });
});

describe('opt-out', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(async () => app.close());

  it('global opt-out writes NOTARGET, empties the profile and then collects nothing (171)', async () => {
    const visitor = '8'.repeat(38);
    await app.server.inject({ url: '/event?d_sid=1003', headers: { cookie: `audex_uuid=${visitor}` } });
    const out = await app.server.inject({
      url: '/demoptout.jpg',
      headers: { cookie: `audex_uuid=${visitor}` },
    });
    expect(String(out.headers['set-cookie'])).toMatch(/^audex_uuid=NOTARGET; Max-Age=315360000/);
    expect((await app.stores.profiles.get(visitor))?.traits).toEqual(new Map());
    const after = await app.server.inject({
      url: '/event?d_sid=1003&d_rtbd=json',
      headers: { cookie: 'audex_uuid=NOTARGET' },
    });
    expect(after.json().uuid).toBeUndefined();
    expect(after.json().errors).toEqual([expect.objectContaining({ code: 171 })]);
    expect(after.headers['set-cookie']).toBeUndefined();
  });

  it('id-level opt-out by d_uuid and by declared id', async () => {
    const visitor = '9'.repeat(38);
    await app.server.inject({ url: `/demoptout?d_uuid=${visitor}` });
    const res = await app.server.inject({ url: `/event?d_uuid=${visitor}&d_sid=1003&d_rtbd=json` });
    expect(res.json().errors[0].code).toBe(171);
    await app.server.inject({ url: '/demoptout?d_cid=1%01crm-out' });
    const declared = await app.server.inject({ url: '/event?d_cid=1%01crm-out&d_rtbd=json' });
    expect(declared.json().errors[0].code).toBe(171);
  });
});

describe('health and metrics', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(async () => app.close());

  it('answers /healthz, /readyz and /metrics', async () => {
    expect((await app.server.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.server.inject('/readyz')).json()).toMatchObject({
      status: 'ready',
      traits: 8,
      segments: 5,
    });
    await app.server.inject('/event?d_sid=1003&c_a=%zz');
    // Stage timings are sampled (1 event in 8): send enough events for one sample.
    for (let i = 0; i < 8; i++) await app.server.inject('/event?c_a=1');
    const metrics = (await app.server.inject('/metrics')).body;
    expect(metrics).toMatch(/audex_events_total\{outcome="ignored"\} 1/);
    expect(metrics).toMatch(/audex_dcs_errors_total\{code="311"\} 1/);
    expect(metrics).toMatch(/audex_stage_duration_seconds_bucket\{le="[^"]+",stage="parse-signals"\}/);
  });
});

describe('a failed profile write', () => {
  let app: App;
  beforeAll(async () => {
    const stores = createMemoryStores();
    stores.profiles.merge = () => Promise.reject(new Error('disk full'));
    app = await testApp({ demo: false }, { stores });
  });
  afterAll(async () => app.close());

  it('answers 200 with error 357 and counts the failure', async () => {
    const res = await app.server.inject('/event?c_a=1&d_rtbd=json');
    expect(res.statusCode).toBe(200);
    expect(res.json().errors.map((e: { code: number }) => e.code)).toContain(357);
    const metrics = (await app.server.inject('/metrics')).body;
    expect(metrics).toMatch(/audex_dcs_errors_total\{code="357"\} 1/);
    expect(metrics).toMatch(/audex_events_total\{outcome="error"\} 1/);
    expect(metrics).toMatch(/audex_profiles_quarantined_total 0/);
  });
});

describe('CORS preflight on /event', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp({ demo: false, dcs: { allowedOrigins: ['https://news.example'] } });
  });
  afterAll(async () => app.close());

  it('answers an allowed origin with methods, headers and credentials, and an unknown one without CORS', async () => {
    const ok = await app.server.inject({
      method: 'OPTIONS',
      url: '/event',
      headers: { origin: 'https://news.example', 'access-control-request-method': 'POST' },
    });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://news.example');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    expect(ok.headers['access-control-allow-headers']).toMatch(/authorization/);
    const other = await app.server.inject({
      method: 'OPTIONS',
      url: '/event',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
