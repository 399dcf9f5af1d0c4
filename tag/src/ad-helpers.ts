/**
 * Hand the targeting to the page's ad stack: Google Publisher Tag key-values and Prebid.js
 * first-party data (`ortb2.user.data`, peers.md §1: standard FPD reaches every bidder). Both go
 * through the libraries' own command queues, so they work whether or not the library has loaded.
 */
import { mergeUserData, userDataFromSegments, type Targeting } from '../../src/protocol/targeting.js';

interface Gpt {
  cmd: { push(fn: () => void): void };
  pubads(): { setTargeting(k: string, v: string[]): void; clearTargeting(k?: string): void };
}
interface Pbjs {
  que: { push(fn: () => void): void };
  setConfig(c: Record<string, unknown>): void;
  getConfig?(key: string): unknown;
}

type AdWindow = { googletag?: Partial<Gpt>; pbjs?: Partial<Pbjs> };

/** Keys this tag set on GPT before, cleared first so a later event leaves nothing stale. */
const gptKeys = new Set<string>();

/** Queues `setTargeting` for every key (and clears keys from an earlier call). */
export function applyGpt(targeting: Targeting): void {
  const w = window as unknown as AdWindow;
  const g = (w.googletag ??= {});
  g.cmd ??= [];
  g.cmd.push(() => {
    const pubads = (g as Gpt).pubads();
    for (const k of gptKeys) pubads.clearTargeting(k);
    gptKeys.clear();
    for (const k of Object.keys(targeting)) {
      pubads.setTargeting(k, targeting[k] as string[]);
      gptKeys.add(k);
    }
  });
}

/** Queues `pbjs.setConfig({ ortb2 })` with our `user.data` entry replaced, everyone else's kept. */
export function applyPrebid(segments: readonly number[], name: string, segtax: Record<string, number>): void {
  const w = window as unknown as AdWindow;
  const p = (w.pbjs ??= {});
  p.que ??= [];
  p.que.push(() => {
    const pb = p as Pbjs;
    const current = pb.getConfig?.('ortb2') as Record<string, unknown> | undefined;
    pb.setConfig({ ortb2: mergeUserData(current, name, userDataFromSegments(segments, name, segtax)) });
  });
}
