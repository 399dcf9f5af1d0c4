/**
 * The page side in a real browser (Debian's Chromium): the site tag on one origin, the DCS and its
 * iframe on another. Behaviour only, never milliseconds: the DCS runs with a generous event
 * budget so a loaded machine cannot turn a provider answer into a timeout, except in the
 * hung-provider case, which is about exactly that.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPartnerSim, type PartnerSim } from '../../src/partners/sim/partner-sim.js';
import {
  browserAvailable,
  launchBrowser,
  patchDemoPartner,
  startDcs,
  startSite,
  type Browser,
  type Dcs,
  type Site,
} from './browser-kit.js';

/** The page's globals, seen from the test (the test tsconfig has no DOM lib). */
interface PageGlobals {
  record: Recorded;
  replies: Reply[];
  document: { cookie: string };
  audex: { optOut(): Promise<void> };
  fired: unknown[];
}

interface Recorded {
  ad: { status: string; targeting: Record<string, string[]> }[];
  prebid: {
    status: string;
    ortb2?: { user?: { data?: { name: string; segment: { id: string }[] }[] } };
  } | null;
}
interface Reply {
  uuid?: string;
  traits?: number[];
  segments?: number[];
  ibs?: unknown[];
  errors?: { code: number }[];
}

const PROVIDER_SEGMENT = 2004;
const PROVIDER_TRAITS = [3001, 3002];
const segmentCalls = (sim: PartnerSim) => sim.stats().byRoute['POST /v1/segments'] ?? 0;

describe.skipIf(!browserAvailable())('page side in Chromium', () => {
  let site: Site;
  /** Same-site, cross-origin: the DCS cookie is kept there. */
  let sameSite: Site;
  let dcs: Dcs;
  let sim: PartnerSim;
  let browser: Browser | undefined;
  let dcsBase = '';

  beforeAll(async () => {
    site = await startSite(() => dcsBase);
    sameSite = await startSite(() => dcsBase, '127.0.0.1');
    dcs = await startDcs({ eventBudgetMs: 3000, allowedOrigins: [site.origin, sameSite.origin] });
    dcsBase = dcs.base;
    sim = await startPartnerSim({ port: 0, latencyMs: 15 });
    await patchDemoPartner(dcs, { endpoint: `${sim.url}/v1/segments`, tmaxMs: 2500 });
  });
  afterAll(async () => {
    await browser?.close();
    await dcs?.close();
    await site?.close();
    await sameSite?.close();
    await sim?.close();
  });

  const open = async (query: string, on: Site = site) => {
    await browser?.close();
    browser = await launchBrowser();
    await browser.page.goto(`${on.origin}/page.html?${query}`);
    return browser.page;
  };
  const settled = async (page: Page) => {
    await page.waitForFunction(
      () => {
        const w = globalThis as unknown as PageGlobals;
        return w.replies.length > 0 && w.record.ad.length > 0 && w.record.prebid !== null;
      },
      null,
      { timeout: 20_000 },
    );
    return page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return { record: w.record, replies: w.replies, cookie: w.document.cookie };
    });
  };

  it('first visit: mints an id and qualifies the provider segment within one page view; GPT and Prebid get it', async () => {
    const before = segmentCalls(sim);
    const page = await open('consent=accept&wait=20000');
    const { record, replies, cookie } = await settled(page);
    const reply = replies[0] as Reply;
    expect(reply.uuid).toMatch(/^\d{38}$/);
    expect(reply.traits?.some((t) => PROVIDER_TRAITS.includes(t))).toBe(true);
    expect(reply.segments).toContain(PROVIDER_SEGMENT);
    expect(segmentCalls(sim)).toBe(before + 1);
    // GPT: the ad call was released by the reply and carried the provider segment.
    expect(record.ad[0]?.status).toBe('ok');
    expect(record.ad[0]?.targeting['audex']).toContain(String(PROVIDER_SEGMENT));
    // Prebid: OpenRTB user.data named after the DCS host.
    const data = record.prebid?.ortb2?.user?.data ?? [];
    expect(data).toEqual([
      { name: new URL(dcs.base).host, segment: expect.arrayContaining([{ id: '2004' }]) },
    ]);
    // Cross-site on plain HTTP Chromium keeps no DCS cookie: the iframe says so and the tag keeps
    // the id on the site in fallback mode (`.f`), then sends it as d_uuid on the next page view.
    expect(await browser!.context.cookies(dcs.base)).toEqual([]);
    expect(cookie).toContain(`audex_fpid=${reply.uuid}`);
    // The iframe's `ready` may come after the reply: the mark follows it.
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.cookie), {
        timeout: 20_000,
      })
      .toContain(`audex_fpid=${reply.uuid}.f`);
    await page.reload();
    const second = await settled(page);
    expect(second.replies[0]?.uuid).toBe(reply.uuid);
    expect(second.replies[0]?.segments).toContain(PROVIDER_SEGMENT);
  });

  it('same-site DCS: its own cookie identifies the visitor, and the iframe fires the provider ID sync', async () => {
    await patchDemoPartner(dcs, { needsIdSync: true, idSyncUrl: `${sim.url}/sync?redir=\${DCS_IBS}` });
    try {
      const syncsBefore = sim.stats().syncs;
      const page = await open('consent=accept&wait=20000', sameSite);
      const first = await settled(page);
      const reply = first.replies[0] as Reply;
      // Not called before its ID sync: no provider segment yet, one sync pixel for the iframe.
      expect(reply.segments ?? []).not.toContain(PROVIDER_SEGMENT);
      expect(reply.ibs).toHaveLength(1);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).fired.length > 0);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).fired)).toEqual([
        { m: 'audex', t: 'fired', fired: ['i1'], skipped: [] },
      ]);
      await expect.poll(() => sim.stats().syncs, { timeout: 20_000 }).toBe(syncsBefore + 1);
      const dcsCookies = await browser!.context.cookies(dcs.base);
      expect(dcsCookies.find((c) => c.name === 'audex_uuid')?.value).toBe(reply.uuid);
      expect(first.cookie).toContain(`audex_fpid=${reply.uuid}`);
      expect(first.cookie).not.toContain('.f');
      // Next page view: the provider knows the visitor now and is called; no second sync.
      await expect
        .poll(
          async () => {
            await page.reload();
            const next = await settled(page);
            return next.replies[0]?.segments ?? [];
          },
          { timeout: 30_000, interval: 500 },
        )
        .toContain(PROVIDER_SEGMENT);
    } finally {
      await patchDemoPartner(dcs, { needsIdSync: false }, ['idSyncUrl']);
    }
  }, 90_000);

  it('refusing consent: no provider call, no targeting, nothing stored on the site', async () => {
    const before = segmentCalls(sim);
    const page = await open('consent=refuse&wait=20000');
    const { record, replies, cookie } = await settled(page);
    expect(replies[0]?.segments).toBeUndefined();
    expect(segmentCalls(sim)).toBe(before);
    expect(record.ad[0]?.targeting).toEqual({});
    expect(record.prebid?.ortb2?.user?.data ?? []).toEqual([]);
    expect(cookie).not.toContain('audex_fpid');
  });

  it('opt-out: afterwards no call is made, no targeting, and the DCS has opted the id out', async () => {
    const page = await open('consent=accept&wait=20000');
    const first = await settled(page);
    const uuid = first.replies[0]?.uuid;
    expect(first.replies[0]?.segments).toContain(PROVIDER_SEGMENT);
    await page.evaluate(() => (globalThis as unknown as PageGlobals).audex.optOut());
    const before = segmentCalls(sim);
    await page.reload();
    const { record, replies } = await settled(page);
    expect(replies[0]?.uuid).toBeUndefined();
    expect(replies[0]?.errors?.map((e) => e.code)).toContain(171);
    expect(record.ad[0]?.targeting).toEqual({});
    expect(segmentCalls(sim)).toBe(before);
    // The tag also opted the site's id out server-side (no DCS cookie exists cross-site to mark).
    const res = await fetch(`${dcs.base}/event?d_rtbd=json&d_uuid=${uuid}`);
    const after = (await res.json()) as Reply;
    expect(after.uuid).toBeUndefined();
    expect(after.errors?.map((e) => e.code)).toContain(171);
  });

  it('a hung provider does not hold the ad call: it goes out at the wait, and the tag reports a timeout', async () => {
    const hung = await startPartnerSim({ port: 0, fault: 'hang' });
    try {
      await patchDemoPartner(dcs, { endpoint: `${hung.url}/v1/segments` });
      const page = await open('consent=accept&wait=100');
      const { record, replies } = await settled(page);
      // The ad call was released by the wait, before the DCS (waiting on the provider) replied.
      expect(record.ad[0]?.status).toBe('timeout');
      expect(record.prebid?.status).toBe('timeout');
      expect(record.ad[0]?.targeting['audex'] ?? []).not.toContain(String(PROVIDER_SEGMENT));
      // The DCS still answered, without the provider's segment.
      expect(replies[0]?.uuid).toMatch(/^\d{38}$/);
      expect(replies[0]?.segments ?? []).not.toContain(PROVIDER_SEGMENT);
    } finally {
      await patchDemoPartner(dcs, { endpoint: `${sim.url}/v1/segments` });
      await hung.close();
    }
  });

  it('AAM page code: DIL-style credentialed CORS POST and JSONP get AAM replies from the site origin', async () => {
    const page = await open('consent=accept&wait=20000');
    await settled(page);
    const result = await page.evaluate(async (base) => {
      // Our emulation of DIL's documented request (reference/measurements.md §5), not Adobe code.
      const res = await fetch(`${base}/event?d_dil_ver=9.4&_ts=${Date.now()}`, {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'd_nsid=0&d_rtbd=json&d_jsonv=1&d_dst=1&c_section=sports',
      });
      const cors = (await res.json()) as Reply;
      const w = globalThis as unknown as Record<string, unknown> & {
        document: { createElement(t: string): { src: string }; head: { appendChild(e: unknown): void } };
      };
      const jsonp = await new Promise<Reply>((resolve) => {
        w['dilCallback'] = resolve;
        const s = w.document.createElement('script');
        s.src = `${base}/event?d_rtbd=json&d_cts=1&c_section=sports&d_cb=dilCallback`;
        w.document.head.appendChild(s);
      });
      return { cors, jsonp };
    }, dcs.base);
    expect(result.cors.uuid).toMatch(/^\d{38}$/);
    expect(result.jsonp.uuid).toMatch(/^\d{38}$/);
    expect(result.jsonp.traits).toContain(1001);
  });
});
