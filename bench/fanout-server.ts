/**
 * Baseline for the partner benchmark's scenario 1: the least a server can do for the same
 * exchange. A bare node:http server that, for each request, POSTs an Audex-protocol body to every
 * provider in parallel on keep-alive undici pools, waits for all the answers and replies with their
 * codes — no profile, no rules, no storage, no deadline handling. Run against the same providers at
 * the same open-loop rate in the same command as the DCS, its "reply − slowest call" is what the
 * machine itself costs (loopback hops, event-loop wake-ups, scheduling of three busy processes on
 * two cores), so the DCS's figure can be read against it.
 *
 * argv: port, JSON array of provider base URLs. The reply carries each call's time (created →
 * body read, as the DCS times its own calls for `d_debug`) in the shape the open-loop generator
 * already reads: `{ tid, debug: { partners: { <key>: { ms } } } }`.
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? 0);
const providers = (JSON.parse(process.argv[3] ?? '[]') as string[]).map((url, i) => ({
  key: `p${i}`,
  pool: new Pool(url, { connections: 128, pipelining: 1 }),
}));

let seq = 0;

async function call(pool: Pool, body: string, requestId: string): Promise<{ ms: number; segments: unknown }> {
  const t0 = performance.now();
  const res = await pool.request({
    method: 'POST',
    path: '/v1/segments',
    // The DCS's request-id header (`<tid>.<n>`), by which the benchmark's wire capture joins calls to events.
    headers: { 'content-type': 'application/json', 'x-audex-request-id': requestId },
    body,
  });
  const text = await res.body.text();
  const ms = performance.now() - t0;
  return {
    ms,
    segments: res.statusCode === 200 ? (JSON.parse(text) as { segments?: unknown }).segments : [],
  };
}

createServer((req, res) => {
  const tid = `fanout-${++seq}`;
  const body = JSON.stringify({
    v: 1,
    id: tid,
    tmax: 80,
    user: { visitor: `1${String(seq).padStart(37, '0')}` },
    signals: { c_section: ['sports'] },
    page: {},
    device: { ua: req.headers['user-agent'] ?? '' },
    regs: {},
  });
  Promise.all(providers.map((p) => call(p.pool, body, `${tid}.${p.key}`))).then(
    (answers) => {
      const partners: Record<string, { ms: number }> = {};
      answers.forEach((a, i) => (partners[providers[i]!.key] = { ms: a.ms }));
      const out = JSON.stringify({ tid, segments: answers.map((a) => a.segments), debug: { partners } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    },
    () => {
      res.writeHead(502).end();
    },
  );
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
