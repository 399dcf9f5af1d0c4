/**
 * The demo site as a new user sees it after `npm start`: the consent banner, then — on the first
 * page view, after "Accept" — the provider segment in the slots' targeting. Saves screenshots
 * under test-artifacts/ (gitignored).
 *
 * The demo's provider answers in 15 ms against an 80 ms `tmax`, but under CI's load (Chromium, the
 * DCS and the other test files on 2 cores) a stall can push an answer past that, and the segment
 * would then arrive on the next page view — correct behaviour, not what this test is about. So the
 * DCS runs with a 3 s budget and the demo partner with a 2.5 s `tmax`: the test checks what the
 * page shows, never how fast (tests assert behaviour; the benchmarks measure time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  artifact,
  browserAvailable,
  launchBrowser,
  patchDemoPartner,
  startDcs,
  type Browser,
  type Dcs,
} from './browser-kit.js';

interface DemoGlobals {
  audexDemo: {
    replies: { segments?: number[]; uuid?: string }[];
    adCalls: { targeting: Record<string, string[]> }[];
  };
}

describe.skipIf(!browserAvailable())('demo site in Chromium', () => {
  let dcs: Dcs;
  let browser: Browser;
  beforeAll(async () => {
    dcs = await startDcs({ eventBudgetMs: 3000 });
    await patchDemoPartner(dcs, { tmaxMs: 2500 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await dcs?.close();
  });

  it('shows the banner, then the provider segment in the slots on the first page view after Accept', async () => {
    const { page } = browser;
    await page.goto(`${dcs.base}/demo/sports.html`);
    await page.locator('#consent-banner').waitFor({ state: 'visible' });
    await page.screenshot({ path: artifact('demo-1-consent-banner.png'), fullPage: true });
    await page.locator('#consent-banner [data-action="accept"]').click();
    // The provider's answer makes the first reply: the event waits for it (within the budget).
    const seen = async () => {
      await page.waitForFunction(
        () => (globalThis as unknown as DemoGlobals).audexDemo.replies.length > 0,
        null,
        { timeout: 20_000 },
      );
      return page.evaluate(
        () => (globalThis as unknown as DemoGlobals).audexDemo.replies.at(-1)?.segments ?? [],
      );
    };
    const segments = await seen();
    expect(segments).toContain(2004);
    await page.locator('[data-slot="top-leaderboard"].targeted').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('[data-slot="top-leaderboard"]').innerText()).toContain('audex=');
    expect(await page.locator('[data-slot="top-leaderboard"]').innerText()).toContain('2004');
    await page.screenshot({ path: artifact('demo-2-sports-accepted.png'), fullPage: true });
    await page.goto(`${dcs.base}/demo/`);
    await page.locator('[data-slot="in-article"].targeted').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: artifact('demo-3-home.png'), fullPage: true });
  });

  it('refusing in the banner leaves the slots without targeting', async () => {
    const { page } = browser;
    await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear(),
    );
    await page.goto(`${dcs.base}/demo/sports.html`);
    await page.locator('#consent-banner [data-action="refuse"]').click();
    await page.waitForFunction(
      () => (globalThis as unknown as DemoGlobals).audexDemo.replies.length > 0,
      null,
      {
        timeout: 20_000,
      },
    );
    const reply = await page.evaluate(() => (globalThis as unknown as DemoGlobals).audexDemo.replies[0]);
    expect(reply?.segments).toBeUndefined();
    await page.screenshot({ path: artifact('demo-4-refused.png'), fullPage: true });
  });
});
