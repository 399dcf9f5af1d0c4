/**
 * The two other ways a provider is asked (PARTNER-PROTOCOL.md): asynchronous (called after the
 * reply, its answer used on the next event) and browser-side (the iframe fires the provider's
 * pixel, listed in the reply's `ibs`); plus the ID-sync pixel for a provider that needs its id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startPartnerSim, type PartnerSim } from '../../src/partners/sim/partner-sim.js';
import { setUpProvider, waitForPartners, type ProviderSetup } from '../helpers/realtime-setup.js';
import { TEST_ADMIN_TOKEN, testApp, visitorCookie } from '../helpers/test-app.js';

describe('asynchronous, browser-side and ID-sync partners', () => {
  let app: App;
  let sim: PartnerSim;
  let asyncP: ProviderSetup;
  let browserP: ProviderSetup;
  let syncP: ProviderSetup;

  beforeAll(async () => {
    sim = await startPartnerSim({ segments: ['Z9'] });
    app = await testApp({ demo: false });
    asyncP = await setUpProvider(app, {
      name: 'Async provider',
      endpoint: `${sim.url}/v1/segments`,
      code: 'Z9',
      partner: { mode: 'async' },
    });
    browserP = await setUpProvider(app, {
      name: 'Browser provider',
      endpoint: `${sim.url}/v1/segments?uid={user.id}&v={visitor}`,
      code: 'Q1',
      partner: { mode: 'browser', adapter: 'http-get' },
    });
    syncP = await setUpProvider(app, {
      name: 'Needs sync',
      endpoint: `${sim.url}/v1/segments`,
      code: 'Z9',
      partner: { needsIdSync: true, idSyncUrl: `${sim.url}/sync?redir=\${DCS_IBS}` },
    });
    await waitForPartners(app, 3);
  });
  afterAll(async () => {
    await app.close();
    await sim.close();
  });

  const event = (cookie?: string) =>
    app.server.inject({
      url: '/event?d_rtbd=json&d_cts=1&d_debug=1',
      headers: {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        host: 'dcs.example',
        ...(cookie ? { cookie } : {}),
      },
    });

  it('calls an async provider after the reply and uses its answer on the next event', async () => {
    const first = await event();
    const body = first.json() as { uuid: string; segments: number[] };
    expect(body.segments).not.toContain(asyncP.segmentSid);
    for (let i = 0; i < 200; i++) {
      if ((await app.stores.profiles.get(body.uuid))?.partners[String(asyncP.dataSourceId)]?.codes) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const second = await event(`audex_uuid=${visitorCookie(first.headers['set-cookie'])}`);
    const b2 = second.json() as {
      segments: number[];
      debug: { partners: Record<string, { outcome: string }> };
    };
    expect(b2.debug.partners[`p${asyncP.partnerId}`]?.outcome).toBe('cached');
    expect(b2.segments).toContain(asyncP.segmentSid);
  });

  it('lists a browser-side provider pixel and an ID-sync pixel for the iframe, once per interval', async () => {
    const first = await event();
    const body = first.json() as {
      ibs: Array<{ c: string; id: number; y: string }>;
      debug: { partners: Record<string, { outcome: string }> };
    };
    const pixel = body.ibs.find((p) => p.id === browserP.partnerId);
    expect(pixel?.c).toMatch(new RegExp(`^${sim.url}/v1/segments\\?uid=&v=`));
    expect(body.debug.partners[`p${browserP.partnerId}`]?.outcome).toBe('browser');
    const sync = body.ibs.find((p) => p.id === syncP.partnerId);
    expect(sync?.c).toBe(
      `${sim.url}/sync?redir=${encodeURIComponent(`http://dcs.example/ibs:dpid=${syncP.dataSourceId}&dpuuid=$UID`)}`,
    );
    expect(body.debug.partners[`p${syncP.partnerId}`]?.outcome).toBe('skipped:no-id-sync');
    // The same visitor is not asked to sync again within the interval.
    const again = await event(`audex_uuid=${visitorCookie(first.headers['set-cookie'])}`);
    const ibs = (again.json() as { ibs?: Array<{ id: number }> }).ibs ?? [];
    expect(ibs.some((p) => p.id === syncP.partnerId)).toBe(false);
  });
});
