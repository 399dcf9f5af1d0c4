/**
 * The page side served by the DCS (docs/tag.md): the site tag bundle at a versioned URL, the
 * destination-publishing iframe page (`/dest.html`, alias `/dest5.html` for AAM page code), and
 * with the demo workspace the demo publisher site under `/demo/`. Files are read once at start
 * (the tag is built by `npm run build` into `tag/dist/`); a missing build answers 503.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { IFRAME_PATH, TAG_PATH } from '../protocol/tag-protocol.js';
import { makeTcString } from '../privacy/tcf-test-strings.js';
import { DEMO } from '../demo/demo-workspace.js';

export interface TagRoutesOptions {
  /** Origins whose pages may talk to the iframe (`dcs.allowedOrigins`; `*` = any). */
  allowedOrigins: readonly string[];
  /** Serve the demo site under `/demo/`. */
  demo: boolean;
  /** Minimum time between two firings of one pixel by the iframe, per browser. Default 24 h. */
  pixelIntervalMs?: number;
  /** Repository root holding `tag/dist` and `src/demo/site`. Default: found from this file. */
  rootDir?: string;
}

const DAY_MS = 86_400_000;
/** The URL is versioned by major API version, so caches may keep it a day and revalidate after. */
const TAG_CACHE = 'public, max-age=86400, stale-while-revalidate=604800';
const JS = 'application/javascript; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

export function registerTagRoutes(app: FastifyInstance, opts: TagRoutesOptions): void {
  const root = opts.rootDir ?? findRoot();
  const read = (rel: string): Buffer | undefined => {
    const path = join(root, rel);
    return existsSync(path) ? readFileSync(path) : undefined;
  };
  const notBuilt = (reply: FastifyReply) =>
    reply.code(503).type('text/plain').send('Audex tag not built: run `npm run build`.\n');

  const tag = read('tag/dist/audex.js');
  const tagEtag =
    tag === undefined ? '' : `"${createHash('sha256').update(tag).digest('base64url').slice(0, 16)}"`;
  app.get(TAG_PATH, (request, reply) => {
    if (tag === undefined) return notBuilt(reply);
    reply.header('Cache-Control', TAG_CACHE).header('ETag', tagEtag);
    // Anyone may load the tag; `*` also lets pages use Subresource Integrity with crossorigin.
    reply.header('Access-Control-Allow-Origin', '*');
    if (request.headers['if-none-match'] === tagEtag) return reply.code(304).send();
    return reply.type(JS).send(tag);
  });

  const dest = destPage(read('tag/dist/dest.js'), opts);
  for (const path of [IFRAME_PATH, '/dest5.html']) {
    app.get(path, (_request, reply) => {
      if (dest === undefined) return notBuilt(reply);
      reply.header('Cache-Control', 'public, max-age=3600');
      if (!opts.allowedOrigins.includes('*'))
        reply.header('Content-Security-Policy', `frame-ancestors 'self' ${opts.allowedOrigins.join(' ')}`);
      return reply.type(HTML).send(dest);
    });
  }
  if (opts.demo) registerDemoSite(app, read, notBuilt);
}

/** The iframe page: its config (allowed origins, interval) as JSON, then the bundled script inline. */
function destPage(script: Buffer | undefined, opts: TagRoutesOptions): Buffer | undefined {
  if (script === undefined) return undefined;
  const config = JSON.stringify({
    origins: opts.allowedOrigins,
    intervalMs: opts.pixelIntervalMs ?? DAY_MS,
  }).replaceAll('<', '\\u003c');
  return Buffer.from(
    '<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>audex</title></head><body>' +
      `<script type="application/json" id="audex-config">${config}</script>` +
      `<script>${script.toString('utf8')}</script></body></html>`,
  );
}

const DEMO_PAGES: Record<string, { title: string; section: string; headline: string; lede: string }> = {
  '/demo/': {
    title: 'Home',
    section: 'news',
    headline: 'City council approves a new cycle lane network',
    lede: 'Forty kilometres of protected lanes will be built over the next three years.',
  },
  '/demo/sports.html': {
    title: 'Sports',
    section: 'sports',
    headline: 'Late winner sends the home side top of the league',
    lede: 'A stoppage-time header settled a tense derby in front of a record crowd.',
  },
};

function registerDemoSite(
  app: FastifyInstance,
  read: (rel: string) => Buffer | undefined,
  notBuilt: (reply: FastifyReply) => FastifyReply,
): void {
  const template = read('src/demo/site/page.html')?.toString('utf8');
  const css = read('src/demo/site/demo.css');
  const pageJs = read('tag/dist/demo/demo-page.js');
  const stub = read('tag/dist/demo/cmp-stub.js');
  // Real TC strings from the @iabtcf/core encoder, made once per start (the demo CMP's two answers).
  const tc = {
    accept: makeTcString({ purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], vendors: [DEMO.tcfVendorId] }),
    refuse: makeTcString({ purposes: [], vendors: [] }),
    vendorId: DEMO.tcfVendorId,
  };
  const cmp = stub && Buffer.from(`window.__audexDemoTc=${JSON.stringify(tc)};\n${stub.toString('utf8')}`);
  const noStore = (reply: FastifyReply) => reply.header('Cache-Control', 'no-store');

  app.get('/demo', (_request, reply) => reply.redirect('/demo/'));
  for (const [path, page] of Object.entries(DEMO_PAGES)) {
    const html =
      template &&
      template
        .replaceAll('{{TITLE}}', page.title)
        .replaceAll('{{SECTION}}', page.section)
        .replaceAll('{{HEADLINE}}', page.headline)
        .replaceAll('{{LEDE}}', page.lede)
        .replaceAll('{{VENDOR}}', String(DEMO.tcfVendorId));
    app.get(path, (_request, reply) =>
      html === undefined ? notBuilt(reply) : noStore(reply).type(HTML).send(html),
    );
  }
  const asset = (path: string, type: string, body: Buffer | undefined) =>
    app.get(path, (_request, reply) =>
      body === undefined ? notBuilt(reply) : noStore(reply).type(type).send(body),
    );
  asset('/demo/demo.css', 'text/css; charset=utf-8', css);
  asset('/demo/demo-page.js', JS, pageJs);
  asset('/demo/cmp-stub.js', JS, cmp);
}

/** The repository root: the nearest parent with package.json (works from src/ and dist/src/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
