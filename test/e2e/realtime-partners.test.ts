/**
 * The five steps of PRODUCT.md "The flow", through real HTTP: a visitor event → the DCS calls two
 * simulated providers in parallel (one fast, one slower than its tmax) → the fast one's codes
 * qualify a segment in the same reply → the slow one's late answer is stored and qualifies its
 * segment on the next event.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startPartnerSim, type PartnerSim } from '../../src/partners/sim/partner-sim.js';
import { setUpProvider, waitForPartners, type ProviderSetup } from '../helpers/realtime-setup.js';
import { TEST_ADMIN_TOKEN, testApp, visitorCookie } from '../helpers/test-app.js';

interface Reply {
  uuid: string;
  traits: number[];
  segments: number[];
  errors?: Array<{ code: number }>;
  debug: { partners: Record<string, { outcome: string }> };
}

describe('real-time inbound transfer, end to end', () => {
  let app: App;
  let base: string;
  let fastSim: PartnerSim;
  let slowSim: PartnerSim;
  let fast: ProviderSetup;
  let slow: ProviderSetup;

  beforeAll(async () => {
    fastSim = await startPartnerSim({ segments: ['A1'], latencyMs: 5 });
    slowSim = await startPartnerSim({ segments: ['B7'], latencyMs: 250 });
    app = await testApp({ demo: false });
    base = await app.server.listen({ port: 0, host: '127.0.0.1' });
    fast = await setUpProvider(app, {
      name: 'Fast provider',
      endpoint: `${fastSim.url}/v1/segments`,
      code: 'A1',
    });
    slow = await setUpProvider(app, {
      name: 'Slow provider',
      endpoint: `${slowSim.url}/v1/segments`,
      code: 'B7',
      partner: { lateWindowMs: 1000 },
    });
    await waitForPartners(app, 2);
  });
  afterAll(async () => {
    await app.close();
    await fastSim.close();
    await slowSim.close();
  });

  const event = async (cookie?: string) => {
    const res = await request(`${base}/event?c_section=sports&d_rtbd=json&d_cts=1&d_debug=1`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(cookie !== undefined ? { cookie } : {}) },
    });
    return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Reply };
  };

  it('qualifies the fast provider segment in the same reply and keeps the slow answer for the next event', async () => {
    const first = await event();
    expect(first.status).toBe(200);
    const p = first.body.debug.partners;
    expect(p[`p${fast.partnerId}`]?.outcome).toBe('answered');
    expect(p[`p${slow.partnerId}`]?.outcome).toBe('timeout');
    expect(first.body.traits).toContain(fast.traitSid);
    expect(first.body.segments).toContain(fast.segmentSid);
    expect(first.body.segments).not.toContain(slow.segmentSid);
    expect(fastSim.stats().answered).toBe(1);

    // The slow provider keeps running past tmax (late-answer window); its answer lands in the profile.
    const visitor = first.body.uuid;
    for (let i = 0; i < 300; i++) {
      const stored = await app.stores.profiles.get(visitor);
      if (stored?.partners[String(slow.dataSourceId)]?.codes !== undefined) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const profile = await app.stores.profiles.get(visitor);
    expect(profile?.partners[String(slow.dataSourceId)]?.codes).toEqual(['B7']);
    expect(profile?.partners[String(fast.dataSourceId)]?.codes).toEqual(['A1']);

    const cookie = `audex_uuid=${visitorCookie(first.headers['set-cookie'])}`;
    const second = await event(cookie);
    expect(second.body.uuid).toBe(visitor);
    expect(second.body.debug.partners[`p${slow.partnerId}`]?.outcome).toBe('cached');
    expect(second.body.segments).toEqual(expect.arrayContaining([fast.segmentSid, slow.segmentSid]));
    // Both answers are cached (TTL 1 h), so neither provider was called again.
    expect(fastSim.stats().answered).toBe(1);
    expect(slowSim.stats().answered).toBe(1);
  });

  it('sends the provider only what it may receive, signed with its request id', async () => {
    await event();
    const last = fastSim.stats().lastCall;
    const body = last?.body as Record<string, unknown>;
    expect(body['v']).toBe(1);
    expect((body['user'] as Record<string, unknown>)['visitor']).toMatch(/^\d{38}$/);
    expect(body['signals']).toEqual({});
    expect(last?.headers['x-audex-request-id']).toMatch(/\.\d+$/);
  });
});
