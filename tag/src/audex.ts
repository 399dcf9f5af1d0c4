/**
 * The Audex site tag: `window.audex`. Loaded async by the one-line snippet (docs/tag.md); commands
 * pushed before it loads (`audex.push(fn)` or `audex.push(['event', {...}])`) run once it has.
 *
 * Flow of one event: read consent (CMP) → POST /event → keep the visitor id on the site (fallback
 * for blocked third-party cookies) → write cookie destinations → compute targeting → hand `dests`
 * and `ibs` to the iframe → release the ready/GPT/Prebid waiters (which never wait past `waitMs`).
 */
import type { DcsReply } from '../../src/protocol/dcs-reply.js';
import {
  FIRST_PARTY_ID_COOKIE,
  TAG_API_VERSION,
  type FiredMessage,
} from '../../src/protocol/tag-protocol.js';
import { targetingFromReply, type Targeting } from '../../src/protocol/targeting.js';
import { applyGpt, applyPrebid } from './ad-helpers.js';
import { defaultConfig, type TagConfig } from './config.js';
import { readConsent } from './consent.js';
import { eventBody, failedReply, sendEvent, type Signals } from './event-call.js';
import { openIframe, type IframeLink } from './iframe-link.js';
import { loadFirstPartyId, saveFirstPartyId, writeCookie, writeStuff } from './site-cookies.js';

/** How a ready callback was released: the reply arrived, or the wait ran out first. */
export type ReadyStatus = 'ok' | 'timeout';
type ReadyCb = (targeting: Targeting, status: ReadyStatus) => void;
type Command = ((api: AudexApi) => void) | [string, ...unknown[]];

export interface AudexApi {
  version: number;
  init(config: Partial<TagConfig>): void;
  event(signals?: Signals, cb?: (reply: DcsReply) => void): Promise<DcsReply>;
  getTargeting(): Targeting;
  ready(cb: ReadyCb, waitMs?: number): void;
  gpt(cb?: (status: ReadyStatus) => void, waitMs?: number): void;
  prebid(cb?: (status: ReadyStatus) => void, waitMs?: number): void;
  optOut(): Promise<void>;
  push(cmd: Command): void;
  /** The last reply, for inspection. */
  reply?: DcsReply;
}

const script = document.currentScript as HTMLScriptElement | null;
let cfg = defaultConfig(script?.src ? new URL(script.src).origin : location.origin);
let link: IframeLink | undefined;
/** Third-party cookies as the iframe found them; undefined until it said ready. */
let thirdPartyCookies: boolean | undefined;
let inflight = 0;
let targeting: Targeting = {};
let segments: number[] = [];
const waiters = new Set<() => void>();

function iframe(): IframeLink | undefined {
  if (cfg.iframe && !link) link = openIframe(cfg.dcs, onIframeReady, onFired);
  return link;
}

function onIframeReady(cookies: boolean): void {
  thirdPartyCookies = cookies;
  const fp = loadFirstPartyId();
  if (fp.id && fp.fallback === cookies) saveFirstPartyId({ ...fp, fallback: !cookies });
}

function onFired(msg: FiredMessage): void {
  dispatchEvent(new CustomEvent('audex:fired', { detail: msg }));
}

async function event(signals: Signals = {}, cb?: (reply: DcsReply) => void): Promise<DcsReply> {
  inflight++;
  const ifr = iframe();
  let reply: DcsReply;
  try {
    const consent = await readConsent(cfg.consentTimeoutMs);
    const fp = loadFirstPartyId();
    if (fp.optedOut) reply = failedReply('opted out on this site', 171);
    else {
      const fallback = thirdPartyCookies === false || fp.fallback;
      reply = await sendEvent(
        cfg,
        eventBody(cfg, signals, consent.params, fallback && consent.storage ? fp.id : undefined),
      );
      // The iframe's verdict may have come in while the call was out: it wins over the stored mark.
      const mode = thirdPartyCookies === undefined ? fallback : !thirdPartyCookies;
      if (!consent.storage) writeCookie(FIRST_PARTY_ID_COOKIE, '', 0);
      else {
        if (reply.uuid) saveFirstPartyId({ id: reply.uuid, fallback: mode, optedOut: false });
        writeStuff(reply.stuff);
      }
      ifr?.fire(reply.dests, reply.ibs ?? [], mode);
    }
  } catch (err) {
    reply = failedReply(String(err));
  }
  api.reply = reply;
  segments = reply.segments ?? [];
  targeting = targetingFromReply(reply, cfg.targetingKey);
  inflight--;
  dispatchEvent(new CustomEvent('audex:reply', { detail: reply }));
  if (inflight === 0) for (const release of [...waiters]) release();
  cb?.(reply);
  return reply;
}

/** Calls back when no event is in flight, or after `waitMs`, whichever comes first — exactly once. */
function ready(cb: ReadyCb, waitMs = cfg.waitMs): void {
  let timer = 0;
  const release = (status: ReadyStatus) => {
    if (!waiters.delete(done)) return;
    clearTimeout(timer);
    cb(targeting, status);
  };
  const done = () => release('ok');
  waiters.add(done);
  // Nothing in flight but a reply already in: answer now. Nothing yet at all: an event may start soon.
  if (inflight === 0 && api.reply) done();
  else timer = window.setTimeout(() => release('timeout'), waitMs);
}

async function optOut(): Promise<void> {
  const fp = loadFirstPartyId();
  const calls = [`${cfg.dcs}/demoptout?d_rtbd=json`];
  if (fp.id) calls.push(`${calls[0]}&d_uuid=${fp.id}`);
  await Promise.all(calls.map((u) => fetch(u, { credentials: 'include' }).catch(() => undefined)));
  saveFirstPartyId({ fallback: false, optedOut: true });
  for (const s of api.reply?.stuff ?? []) writeCookie(s.cn, '', 0, s.dmn);
  targeting = {};
  segments = [];
}

const api: AudexApi = {
  version: TAG_API_VERSION,
  init(config) {
    cfg = { ...cfg, ...config };
    if (config.dcs && !config.dataName) cfg.dataName = new URL(config.dcs).host;
    iframe();
  },
  event,
  getTargeting: () => targeting,
  ready,
  gpt(cb, waitMs) {
    ready((t, status) => {
      applyGpt(t);
      cb?.(status);
    }, waitMs);
  },
  prebid(cb, waitMs) {
    ready((_t, status) => {
      applyPrebid(segments, cfg.dataName, cfg.segtax);
      cb?.(status);
    }, waitMs);
  },
  optOut,
  push: run,
};

function run(cmd: Command): void {
  try {
    if (typeof cmd === 'function') cmd(api);
    else (api[cmd[0] as keyof AudexApi] as (...a: unknown[]) => unknown)(...cmd.slice(1));
  } catch (err) {
    // A page's broken command must not stop the others.
    console.error('audex:', err);
  }
}

const w = window as unknown as { audex?: unknown };
const queued = Array.isArray(w.audex) ? (w.audex as Command[]) : [];
w.audex = api;
queued.forEach(run);
