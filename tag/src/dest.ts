/**
 * The destination-publishing iframe (`/dest.html` on the DCS origin, AAM's `dest5.html`). It runs
 * in the DCS's cookie context, so the pixels it fires carry the DCS visitor cookie; it talks only
 * to a parent whose origin is in the configured allow-list, and posts only to that origin.
 *
 * Pixels of one reply fire one at a time (the next after the previous loads, errors or times
 * out, then a short gap), and each destination at most once per interval in this browser
 * (`localStorage` of the DCS origin, partitioned per site where the browser partitions storage).
 */
import type { DestItem } from '../../src/protocol/dcs-reply.js';
import {
  asTagMessage,
  MESSAGE_MARK,
  originAllowed,
  type FiredMessage,
} from '../../src/protocol/tag-protocol.js';

interface DestConfig {
  /** Allowed parent origins (`*` = any), from `dcs.allowedOrigins`. */
  origins: string[];
  /** Minimum ms between two firings of one destination. */
  intervalMs: number;
}

const PIXEL_TIMEOUT_MS = 5_000;
const GAP_MS = 50;

const cfg = JSON.parse(document.getElementById('audex-config')?.textContent ?? '{}') as DestConfig;
const parentOrigin = decodeURIComponent(location.hash.slice(1));
const queue: { key: string; item: DestItem }[] = [];
let busy = false;

// The DCS's own pages (the demo site) may always talk to it.
const allowed = parentOrigin === location.origin || originAllowed(parentOrigin, cfg.origins);
if (parentOrigin && allowed && window.parent !== window) {
  addEventListener('message', onMessage);
  post({ m: MESSAGE_MARK, t: 'ready', cookies: cookiesWork() });
}

function post(msg: object): void {
  window.parent.postMessage(msg, parentOrigin);
}

/** Third-party cookies: can this frame write a cookie and read it back? */
function cookiesWork(): boolean {
  const probe = 'audex_probe=1';
  const attrs = '; path=/; SameSite=None; Secure';
  document.cookie = probe + attrs;
  const ok = document.cookie.includes(probe);
  document.cookie = `${probe}${attrs}; max-age=0`;
  return ok;
}

function onMessage(e: MessageEvent): void {
  if (e.origin !== parentOrigin || e.source !== window.parent) return;
  // AAM page code (DIL) posts URL destinations as `dests|<id>|<img|iframe>|<url>` strings (aam-dcs.md §2.7).
  if (typeof e.data === 'string' && e.data.startsWith('dests|')) {
    const [, id, y, ...url] = e.data.split('|');
    enqueue([{ id: Number(id), y: y === 'iframe' ? 'iframe' : 'img', c: url.join('|') }], [], false);
    return;
  }
  const msg = asTagMessage(e.data);
  if (msg?.t === 'fire') enqueue(msg.dests ?? [], msg.ibs ?? [], msg.fallback);
}

function enqueue(dests: DestItem[], ibs: DestItem[], fallback: boolean): void {
  const report: FiredMessage = { m: MESSAGE_MARK, t: 'fired', fired: [], skipped: [] };
  const now = Date.now();
  const add = (prefix: string, items: DestItem[], skip: boolean) => {
    for (const item of items) {
      const key = prefix + item.id;
      // In fallback mode this frame has no DCS cookie: an ID sync would link the provider to nobody.
      if (skip || !/^https?:/.test(item.c) || now - lastFired(key) < cfg.intervalMs) report.skipped.push(key);
      else {
        remember(key, now);
        queue.push({ key, item });
        report.fired.push(key);
      }
    }
  };
  add('d', dests, false);
  add('i', ibs, fallback);
  post(report);
  void drain();
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  for (let next = queue.shift(); next; next = queue.shift()) {
    await fire(next.item);
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
  busy = false;
}

function fire(item: DestItem): Promise<void> {
  return new Promise((resolve) => {
    const el = item.y === 'iframe' ? document.createElement('iframe') : new Image(1, 1);
    const finish = () => {
      clearTimeout(timer);
      resolve();
      // Iframe destinations may set cookies on load; keep them a little before removing.
      if (el instanceof HTMLIFrameElement) setTimeout(() => el.remove(), PIXEL_TIMEOUT_MS);
    };
    const timer = setTimeout(finish, PIXEL_TIMEOUT_MS);
    el.onload = el.onerror = finish;
    el.src = item.c;
    if (el instanceof HTMLIFrameElement) {
      el.style.display = 'none';
      document.body.appendChild(el);
    }
  });
}

function lastFired(key: string): number {
  try {
    return Number(localStorage.getItem(`audex_px_${key}`)) || 0;
  } catch {
    return 0;
  }
}

function remember(key: string, at: number): void {
  try {
    localStorage.setItem(`audex_px_${key}`, String(at));
  } catch {
    // Storage blocked: pixels still fire, only the per-interval cap is lost.
  }
}
