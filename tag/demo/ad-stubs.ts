/**
 * Stand-ins for Google Publisher Tag and Prebid.js on the demo site: the same command-queue and
 * targeting calls the real libraries take (`googletag.cmd`, `pubads().setTargeting`, `pbjs.que`,
 * `pbjs.setConfig({ortb2})`), but the "ad call" renders a box showing what the slot would send.
 * Demo only: no network, no real ads.
 */

export interface SlotCall {
  slot: string;
  targeting: Record<string, string[]>;
  /** What released the ad call: the reply arrived (`ok`) or the tag's wait ran out (`timeout`). */
  status: string;
  at: number;
}

type Fn = () => void;
type Queue = Fn[] | { push(fn: Fn): void };

const pageTargeting = new Map<string, string[]>();
const prebidConfig: Record<string, unknown> = {};
/** Every "ad call", for the panel and the browser tests (`window.audexDemo.adCalls`). */
export const adCalls: SlotCall[] = [];
let onRender: (slot: string, call: SlotCall) => void = () => undefined;

/** Renders "ad calls" through `render`; `status` says what released the call. */
export function setRenderer(render: (slot: string, call: SlotCall) => void): void {
  onRender = render;
}

function drain(q: Queue | undefined): void {
  if (Array.isArray(q)) for (const fn of q) fn();
}

/** Installs `window.googletag` and `window.pbjs`, running anything already queued. */
export function installAdStubs(): void {
  const w = window as unknown as { googletag?: { cmd?: Queue }; pbjs?: { que?: Queue } };
  const gptQueue = w.googletag?.cmd;
  const pbQueue = w.pbjs?.que;
  const pubads = {
    setTargeting(k: string, v: string | string[]) {
      pageTargeting.set(k, Array.isArray(v) ? v : [v]);
      return pubads;
    },
    clearTargeting(k?: string) {
      if (k === undefined) pageTargeting.clear();
      else pageTargeting.delete(k);
      return pubads;
    },
    getTargeting: (k: string) => pageTargeting.get(k) ?? [],
    getTargetingKeys: () => [...pageTargeting.keys()],
  };
  w.googletag = {
    cmd: { push: (fn: Fn) => fn() },
    pubads: () => pubads,
    /** The ad call: record what the slot would send now. */
    display(slot: string, status = 'ok') {
      const call = {
        slot,
        targeting: Object.fromEntries(pageTargeting),
        status,
        at: Math.round(performance.now()),
      };
      adCalls.push(call);
      onRender(slot, call);
    },
  } as never;
  w.pbjs = {
    que: { push: (fn: Fn) => fn() },
    setConfig: (c: Record<string, unknown>) => Object.assign(prebidConfig, c),
    getConfig: (k: string) => prebidConfig[k],
  } as never;
  drain(gptQueue);
  drain(pbQueue);
}

/** The `ortb2` Prebid would send to every bidder. */
export function prebidOrtb2(): unknown {
  return prebidConfig['ortb2'];
}
