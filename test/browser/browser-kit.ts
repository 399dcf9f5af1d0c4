/**
 * Helpers for the real-browser tests: the built DCS as a child process (as `audex start` runs),
 * a second origin serving a "site" page that loads the tag cross-site, and Debian's Chromium
 * driven by playwright-core with a fresh profile per test.
 *
 * Origins: the DCS is `http://127.0.0.1:<port>`. The site is `http://localhost:<port>` (another
 * site: cross-site iframe, postMessage, CORS — and Chromium keeps no DCS cookie there, so the
 * tag's first-party fallback is what identifies the visitor) or `http://127.0.0.1:<other port>`
 * (cross-origin but same-site: the DCS cookie is kept and the iframe can fire ID syncs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const mainJs = join(root, 'dist/src/main.js');
export const CHROMIUM = process.env['AUDEX_CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = join(root, 'test-artifacts');
export const ADMIN_TOKEN = 'browser-test-admin-token-0123456789';

/** Whether the browser tests can run here (Chromium installed, server and tag built). */
export function browserAvailable(): boolean {
  return existsSync(CHROMIUM) && existsSync(mainJs) && existsSync(join(root, 'tag/dist/audex.js'));
}

export interface Dcs {
  base: string;
  close(): Promise<void>;
  /** Calls the admin API with the test's admin token. */
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
}

/** Starts the built server with a fresh data dir; `dcs` is merged into its config file's `dcs` block. */
export async function startDcs(dcs: Record<string, unknown> = {}): Promise<Dcs> {
  const dir = mkdtempSync(join(tmpdir(), 'audex-browser-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ dcs }));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      mainJs,
      'start',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
      '--log-level',
      'error',
      '--config',
      configFile,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AUDEX_ADMIN_TOKEN: ADMIN_TOKEN } },
  );
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    base,
    async close() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
    async admin(method, path, body) {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
  };
}

/** Replaces fields of the demo partner (1) through the admin API, then lets the catalog reload. */
export async function patchDemoPartner(
  dcs: Dcs,
  fields: Record<string, unknown>,
  remove: string[] = [],
): Promise<void> {
  const { createTime: _c, updateTime: _u, ...partner } = await dcs.admin('GET', '/partners/1');
  for (const k of remove) delete partner[k];
  await dcs.admin('PUT', '/partners/1', { ...partner, ...fields });
  // The catalog swaps asynchronously after a change (and polls every second): give it time.
  await new Promise((r) => setTimeout(r, 1500));
}

export interface Site {
  origin: string;
  close(): Promise<void>;
}

/**
 * The "site": `GET /page.html?<options>` is a publisher page with the Audex snippet loading the
 * tag from the DCS, the demo CMP stub (also from the DCS), and recording stand-ins for GPT and
 * Prebid. Options: `wait` (tag waitMs), `section`, `consent` (read by the CMP stub).
 * The page records into `window.record`: `ad` (ad calls with status and GPT targeting), `prebid`;
 * and the tag's `audex:reply` / `audex:fired` events into `window.replies` / `window.fired`.
 */
/** `dcsBase` is read per request, so the site can start first (the DCS's allow-list needs its origin). */
export async function startSite(dcsBase: () => string, host = 'localhost'): Promise<Site> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/page.html') {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(sitePage(dcsBase(), url.searchParams));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://${host}:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function sitePage(dcs: string, q: URLSearchParams): string {
  const wait = Number(q.get('wait') ?? '100');
  const section = JSON.stringify(q.get('section') ?? 'sports');
  return `<!doctype html><html><head><meta charset="utf-8"><title>test site</title>
<script src="${dcs}/demo/cmp-stub.js"></script>
<script>
  // Recording stand-ins for GPT and Prebid, loaded "before" the tag like on a real page.
  window.record = { ad: [], prebid: null };
  var kv = {};
  var pubads = { setTargeting: function (k, v) { kv[k] = [].concat(v); }, clearTargeting: function (k) { delete kv[k]; } };
  window.googletag = { cmd: { push: function (f) { f(); } }, pubads: function () { return pubads; } };
  var pbConfig = {};
  window.pbjs = { que: { push: function (f) { f(); } }, getConfig: function (k) { return pbConfig[k]; },
    setConfig: function (c) { for (var k in c) pbConfig[k] = c[k]; } };
</script>
<script>
  (function (w, d, u) { w.audex = w.audex || []; var s = d.createElement('script'); s.async = true; s.src = u; d.head.appendChild(s); })(window, document, '${dcs}/tag/v1/audex.js');
  audex.push(['init', { waitMs: ${wait} }]);
  audex.push(['event', { c_section: ${section} }]);
  audex.push(function (a) {
    a.prebid(function (status) { record.prebid = { status: status, ortb2: pbjs.getConfig('ortb2') }; });
    a.gpt(function (status) { record.ad.push({ status: status, targeting: JSON.parse(JSON.stringify(kv)) }); });
  });
  window.replies = [];
  window.fired = [];
  addEventListener('audex:reply', function (e) { replies.push(e.detail); });
  addEventListener('audex:fired', function (e) { fired.push(e.detail); });
</script></head><body><h1>test site</h1></body></html>`;
}

/** Flags from the issue: headless, no sandbox (containers), no background traffic, no QUIC. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (`--user-data-dir`, passed by playwright as the persistent context's dir). */
export async function launchBrowser(extraFlags: string[] = []): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'audex-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, ...extraFlags],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Path for a screenshot under `test-artifacts/` (gitignored), creating the folder. */
export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
