/**
 * A slow, dead or malicious provider never harms the page: against the reference provider in each
 * misbehaviour, every /event reply is a 200 with the visitor id and no internal error, the partner
 * is recorded with a failure outcome, and nothing from it is realised. (How long replies take under
 * these faults is measured by `npm run bench:partners`, not asserted here.)
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  SIM_FAULTS,
  startPartnerSim,
  type PartnerSim,
  type SimFault,
} from '../../src/partners/sim/partner-sim.js';
import { setUpProvider, waitForPartners, type ProviderSetup } from '../helpers/realtime-setup.js';
import { TEST_ADMIN_TOKEN, testApp } from '../helpers/test-app.js';

const EXPECTED: Record<SimFault, string[]> = {
  hang: ['timeout'],
  reset: ['failed'],
  '500': ['invalid'],
  garbage: ['invalid'],
  huge: ['failed', 'timeout'],
  trickle: ['timeout'],
  redirect: ['invalid'],
};

describe('provider faults never reach the page', () => {
  let app: App;
  let base: string;
  let provider: ProviderSetup;
  const sims: PartnerSim[] = [];

  beforeAll(async () => {
    // Generous deadlines: a provider that answers (500, garbage, redirect) must be recorded as what
    // it answered even when a loaded machine delays the answer past the usual 80 ms; hang and
    // trickle still run into the deadline. How fast faults are cut off is the benchmark's business.
    app = await testApp({ demo: false, dcs: { eventBudgetMs: 3000 } });
    base = await app.server.listen({ port: 0, host: '127.0.0.1' });
    const ok = await startPartnerSim({ segments: ['A1'] });
    sims.push(ok);
    provider = await setUpProvider(app, {
      name: 'Faulty provider',
      endpoint: `${ok.url}/v1/segments`,
      code: 'A1',
      // Keep the breaker out of the way: this test is about each fault's own outcome.
      partner: { tmaxMs: 1500, breaker: { volumeThreshold: 100_000 } },
    });
    await waitForPartners(app, 1);
  });
  afterAll(async () => {
    await app.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  async function pointAt(endpoint: string): Promise<void> {
    const current = await app.server.inject({
      url: `/api/v1/partners/${provider.partnerId}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    const res = await app.server.inject({
      method: 'PUT',
      url: `/api/v1/partners/${provider.partnerId}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      payload: { ...(current.json() as Record<string, unknown>), endpoint },
    });
    expect(res.statusCode).toBe(200);
    for (let i = 0; i < 200 && app.catalog.current.partners[0]?.endpoint !== endpoint; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(app.catalog.current.partners[0]?.endpoint).toBe(endpoint);
  }

  it.each(SIM_FAULTS)(
    'fault %s: every reply is a 200 with the visitor id and a failure outcome',
    async (fault) => {
      const sim = await startPartnerSim({ fault, segments: ['A1'] });
      sims.push(sim);
      await pointAt(`${sim.url}/v1/segments`);
      const replies = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const res = await request(`${base}/event?c_section=sports&d_rtbd=json&d_cts=1&d_debug=1`, {
            headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
          });
          return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
        }),
      );
      for (const r of replies) {
        expect(r.status).toBe(200);
        expect(r.body['uuid']).toMatch(/^\d{38}$/);
        expect(
          (r.body['errors'] as Array<{ code: number }> | undefined)?.map((e) => e.code) ?? [],
        ).not.toContain(0);
        expect(r.body['traits']).not.toContain(provider.traitSid);
        const outcome = (r.body['debug'] as { partners: Record<string, { outcome: string }> }).partners[
          `p${provider.partnerId}`
        ]?.outcome;
        expect(EXPECTED[fault]).toContain(outcome);
      }
    },
  );

  it('skips a provider whose breaker is open, and still answers', async () => {
    const sim = await startPartnerSim({ fault: '500' });
    sims.push(sim);
    const current = await app.server.inject({
      url: `/api/v1/partners/${provider.partnerId}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    await app.server.inject({
      method: 'PUT',
      url: `/api/v1/partners/${provider.partnerId}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      payload: {
        ...(current.json() as Record<string, unknown>),
        endpoint: `${sim.url}/v1/segments`,
        breaker: { volumeThreshold: 5 },
      },
    });
    for (let i = 0; i < 200 && app.catalog.current.partners[0]?.breaker.volumeThreshold !== 5; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await request(`${base}/event?d_rtbd=json&d_debug=1`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      const body = (await res.body.json()) as { debug: { partners: Record<string, { outcome: string }> } };
      expect(res.statusCode).toBe(200);
      outcomes.push(body.debug.partners[`p${provider.partnerId}`]?.outcome ?? '');
    }
    expect(outcomes).toContain('skipped:breaker-open');
  });
});
