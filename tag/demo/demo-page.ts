/**
 * The demo site's page script: installs the ad stand-ins, sends the page's event through the
 * Audex tag, makes the "ad calls" through the tag's GPT and Prebid helpers (never waiting past
 * the tag's wait), and shows what the DCS returned in a live panel. Demo only.
 */
import type { DcsReply } from '../../src/protocol/dcs-reply.js';
import type { FiredMessage } from '../../src/protocol/tag-protocol.js';
import { adCalls, installAdStubs, prebidOrtb2, setRenderer, type SlotCall } from './ad-stubs.js';

interface TagApi {
  event(signals: Record<string, string>): Promise<DcsReply>;
  gpt(cb: (status: string) => void): void;
  prebid(cb: (status: string) => void): void;
  getTargeting(): Record<string, string[]>;
  init(cfg: Record<string, unknown>): void;
  optOut(): Promise<void>;
}
type Win = {
  /** The tag's command queue before it loads, the tag itself after: both take `push(fn)`. */
  audex: TagApi & { push(cmd: (a: TagApi) => void): void };
  googletag: { display(slot: string, status?: string): void };
  audexDemoCmp?: { choice: string | null; choose(c: string): void; reset(): void };
  audexDemo?: unknown;
};
const w = window as unknown as Win;

/** Names of the demo workspace's fixed ids (src/demo/demo-workspace.ts). */
const NAMES: Record<string, string> = {
  1001: 'Sports reader',
  1002: 'Portuguese speaker',
  1003: 'Newsletter click',
  1004: 'High-value cart',
  3001: 'Provider: in-market (A codes)',
  3002: 'Provider: affinity (B codes)',
  2001: 'Sports fans',
  2002: 'Engaged sports readers',
  2003: 'Portuguese-speaking sports fans',
  2004: 'Provider audience (real time)',
  2005: 'Sports fans in market (site + provider)',
};
const PROVIDER_TRAITS = [3001, 3002];
const TOKEN_KEY = 'audex_demo_token';

const $ = (sel: string) => document.querySelector(sel) as HTMLElement;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const named = (ids: number[] | undefined) =>
  ids?.length ? ids.map((id) => `<li><b>${id}</b> ${esc(NAMES[id] ?? '')}</li>`).join('') : '<li>none</li>';

const state = { replies: [] as DcsReply[], fired: [] as FiredMessage[], adCalls };
w.audexDemo = state;

installAdStubs();
setRenderer(renderSlot);
const slots = [...document.querySelectorAll<HTMLElement>('[data-slot]')].map(
  (el) => el.dataset['slot'] as string,
);
const section = document.body.dataset['section'] ?? 'news';
let replied = false;

// The page's tag usage: one event per page view, then the ad call through the helpers.
w.audex.push((a: TagApi) => {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) a.init({ debugToken: token });
  void a.event({ c_section: section });
  a.prebid(renderOrtb2);
  a.gpt((status) => slots.forEach((s) => w.googletag.display(s, status)));
});

addEventListener('audex:reply', (e) => {
  const reply = (e as CustomEvent<DcsReply>).detail;
  replied = true;
  state.replies.push(reply);
  renderPanel(reply);
  // Like `googletag.pubads().refresh()`: a reply that came after the ad call updates the slots.
  w.audex.prebid(renderOrtb2);
  w.audex.gpt(() => slots.forEach((s) => w.googletag.display(s, 'refresh')));
});
addEventListener('audex:fired', (e) => {
  state.fired.push((e as CustomEvent<FiredMessage>).detail);
  $('#pixels').textContent = state.fired
    .map((f) => `fired ${f.fired.join(',') || '–'}; skipped ${f.skipped.join(',') || '–'}`)
    .join('\n');
});
addEventListener('audex-demo:consent', () => {
  renderConsent();
  // A choice made after the first event was sent: send the page's event again with it.
  if (replied) void w.audex.event({ c_section: section });
});

function renderSlot(slot: string, call: SlotCall): void {
  const el = document.querySelector<HTMLElement>(`[data-slot="${slot}"]`);
  if (!el) return;
  const kv = Object.entries(call.targeting);
  el.innerHTML =
    `<div class="slot-head">${esc(slot)} · ${esc(el.dataset['size'] ?? '')}</div>` +
    `<div class="slot-meta">ad call at +${call.at} ms · ${esc(call.status)}</div>` +
    (kv.length
      ? `<ul class="kv">${kv.map(([k, v]) => `<li><code>${esc(k)}=${esc(v.join(','))}</code></li>`).join('')}</ul>`
      : '<p class="none">no targeting</p>');
  el.classList.toggle('targeted', kv.length > 0);
}

function providerOutcome(reply: DcsReply): string {
  const dbg = reply.debug?.partners;
  if (dbg && Object.keys(dbg).length) {
    return Object.entries(dbg)
      .map(
        ([k, o]) =>
          `${k}: ${o.outcome}${o.ms !== undefined ? ` (${o.ms} ms)` : ''}${o.detail ? ` — ${o.detail}` : ''}`,
      )
      .join('\n');
  }
  const got = (reply.traits ?? []).filter((t) => PROVIDER_TRAITS.includes(t));
  if (got.length) return `answered in real time → onboarded traits ${got.join(', ')}`;
  return reply.segments === undefined
    ? 'no targeting allowed (consent or opt-out)'
    : 'no provider traits on this call (not called, cached, or no answer) — paste an admin token for details';
}

function renderPanel(reply: DcsReply): void {
  $('#uuid').textContent = reply.uuid ?? '(none)';
  $('#traits').innerHTML = named(reply.traits);
  $('#segments').innerHTML = named(reply.segments);
  $('#provider').textContent = providerOutcome(reply);
  $('#errors').textContent = (reply.errors ?? []).map((e) => `${e.code} ${e.msg}`).join('\n') || 'none';
  $('#raw').textContent = JSON.stringify(reply, null, 1);
}

function renderOrtb2(): void {
  $('#ortb2').textContent = JSON.stringify(prebidOrtb2() ?? {}, null, 1);
}

function renderConsent(): void {
  const choice = w.audexDemoCmp?.choice ?? null;
  $('#consent-banner').hidden = choice !== null;
  $('#consent-state').textContent = choice ?? 'not decided';
}

document.addEventListener('click', (e) => {
  const btn = (e.target as HTMLElement).closest<HTMLElement>('[data-action]');
  if (!btn) return;
  const action = btn.dataset['action'];
  if (action === 'accept' || action === 'refuse') w.audexDemoCmp?.choose(action);
  else if (action === 'reset-consent') {
    w.audexDemoCmp?.reset();
    location.reload();
  } else if (action === 'opt-out') void w.audex.optOut().then(() => location.reload());
  else if (action === 'new-visitor') {
    // Same-origin demo only: the DCS cookie is on this origin too.
    for (const c of ['audex_uuid', 'audex_fpid']) document.cookie = `${c}=; max-age=0; path=/`;
    w.audexDemoCmp?.reset();
    location.reload();
  } else if (action === 'token') {
    const input = $('#token') as HTMLInputElement;
    if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    else sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  }
});
renderConsent();
