/**
 * The privacy gate through /event: with gdpr=1 a provider is called only when the TC string grants
 * Purposes 1 and 3 and its vendor; segments are returned for targeting only with Purpose 4; a
 * missing or undecodable string fails closed. TC strings are real (encoded with @iabtcf/core).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startPartnerSim, type PartnerSim } from '../../src/partners/sim/partner-sim.js';
import { makeTcString } from '../../src/privacy/tcf-test-strings.js';
import { setUpProvider, waitForPartners, type ProviderSetup } from '../helpers/realtime-setup.js';
import { TEST_ADMIN_TOKEN, testApp } from '../helpers/test-app.js';

const VENDOR = 755;

describe('consent gates provider calls and targeting', () => {
  let app: App;
  let sim: PartnerSim;
  let provider: ProviderSetup;

  beforeAll(async () => {
    sim = await startPartnerSim({ segments: ['A1'] });
    app = await testApp({ demo: false });
    provider = await setUpProvider(app, {
      name: 'Consent provider',
      endpoint: `${sim.url}/v1/segments`,
      code: 'A1',
      partner: { tcfVendorId: VENDOR, cacheTtlSec: 0, cacheTtlMinSec: 0 },
    });
    await waitForPartners(app, 1);
  });
  afterAll(async () => {
    await app.close();
    await sim.close();
  });

  const event = async (consent: string) => {
    const res = await app.server.inject({
      url: `/event?d_rtbd=json&d_cts=1&d_debug=1&${consent}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    const body = res.json() as {
      segments?: number[];
      debug: { partners: Record<string, { outcome: string }> };
    };
    return { outcome: body.debug.partners[`p${provider.partnerId}`]?.outcome, segments: body.segments };
  };

  it('calls the provider and returns its segment with Purposes 1, 3, 4 and the vendor', async () => {
    const tc = makeTcString({ purposes: [1, 3, 4], vendors: [VENDOR] });
    const r = await event(`gdpr=1&gdpr_consent=${tc}`);
    expect(r.outcome).toBe('answered');
    expect(r.segments).toContain(provider.segmentSid);
  });

  it('calls the provider but returns no segments for targeting without Purpose 4', async () => {
    const tc = makeTcString({ purposes: [1, 3], vendors: [VENDOR] });
    const r = await event(`gdpr=1&gdpr_consent=${tc}`);
    expect(r.outcome).toBe('answered');
    expect(r.segments).toBeUndefined();
  });

  it.each([
    [
      'Purpose 3 refused',
      () => `gdpr=1&gdpr_consent=${makeTcString({ purposes: [1, 4], vendors: [VENDOR] })}`,
      'skipped:consent:gdpr-purpose-3',
    ],
    [
      'vendor refused',
      () => `gdpr=1&gdpr_consent=${makeTcString({ purposes: [1, 3, 4], vendors: [1] })}`,
      'skipped:consent:gdpr-vendor',
    ],
  ])('makes no provider call when %s', async (_name, consent, outcome) => {
    const before = sim.stats().requests;
    const r = await event(consent());
    expect(r.outcome).toBe(outcome);
    expect(sim.stats().requests).toBe(before);
  });

  it.each([
    ['no consent string', 'gdpr=1'],
    ['an undecodable string', 'gdpr=1&gdpr_consent=CPgarbage'],
    ['Purpose 1 refused', `gdpr=1&gdpr_consent=${makeTcString({ purposes: [3, 4], vendors: [VENDOR] })}`],
  ])(
    'drops the call with 315 — no cookie, no profile, no provider call — with %s',
    async (_name, consent) => {
      const before = sim.stats().requests;
      const res = await app.server.inject({ url: `/event?d_rtbd=json&d_cts=1&d_sid=1003&${consent}` });
      const body = res.json() as { uuid?: string; errors?: Array<{ code: number }> };
      expect(res.statusCode).toBe(200);
      expect(body.uuid).toBeUndefined();
      expect(body.errors?.map((e) => e.code)).toContain(315);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(sim.stats().requests).toBe(before);
    },
  );

  it('calls the provider when GDPR does not apply, and forwards the consent parameters', async () => {
    const r = await event('gdpr=0&us_privacy=1YNN');
    expect(r.outcome).toBe('answered');
    const body = sim.stats().lastCall?.body as { regs?: Record<string, unknown> };
    expect(body.regs).toMatchObject({ gdpr: 0, us_privacy: '1YNN' });
  });
});
