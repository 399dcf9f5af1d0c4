/**
 * `npm run bench:partners` — the real-time partner path (issue: real-time inbound transfers), in one run:
 *  1. three providers answering in 20 ms, every event calling all three (no cache), open loop at
 *     500 events/s: /event latency p50/p99, and minus the provider latency (target p99 ≤ 3 ms);
 *  2. one of them hanging: p99 reply time against the event budget (target ≤ budget + 5 ms);
 *  3. all answers cached: closed-loop throughput as a ratio to bare node:http (target ≥ 30 %).
 * Providers run in their own process so their CPU is not charged to the DCS.
 *
 * Flags: --rate N (default 500), --seconds N (default 10).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveWrk, load } from './load.js';
import { openLoop, percentile } from './open-loop.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const rate = Number(args.get('rate') ?? 500);
const seconds = Number(args.get('seconds') ?? 10);

const here = fileURLToPath(new URL('.', import.meta.url));
const TOKEN = 'bench-admin-token-0123456789';
const AUDEX = 'http://127.0.0.1:18282';
const PROVIDER_MS = 20;
const BUDGET_MS = 100;
const COOKIE = { name: 'audex_uuid', visitors: 1000 };

function child(
  script: string,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ proc: ChildProcess; msg: unknown }> {
  return new Promise((resolve, reject) => {
    const proc = fork(script, argv, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    proc.once('error', reject);
    proc.once('message', (msg) => resolve({ proc, msg }));
    proc.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) resolve({ proc, msg: undefined });
    });
  });
}

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${AUDEX}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function setPartner(id: number, patch: Record<string, unknown>): Promise<void> {
  const current = await api('GET', `/partners/${id}`);
  await api('PUT', `/partners/${id}`, { ...current, ...patch });
}

/** The DCS's own event-loop delay (prom-client default metrics), to tell queueing from waiting. */
async function eventLoopLag(): Promise<string> {
  const text = await (await fetch(`${AUDEX}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  const p = (name: string) => read(`nodejs_eventloop_lag_${name}_seconds`).toFixed(1);
  return `p50 ${p('p50')} ms, p99 ${p('p99')} ms, max ${p('max')} ms`;
}

const settle = () => new Promise((r) => setTimeout(r, 1500)); // catalog swap reaches the server within a second
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const visitorCookie = (i: number) => ({
  cookie: `audex_uuid=1${String(i % COOKIE.visitors).padStart(37, '0')}`,
});

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'audex-pbench-'));
  const sims = await child(join(here, 'sims-process.js'), [
    JSON.stringify([
      { latencyMs: PROVIDER_MS, segments: ['A1'] },
      { latencyMs: PROVIDER_MS, segments: ['B1'] },
      { latencyMs: PROVIDER_MS, segments: ['C1'] },
      { fault: 'hang' },
    ]),
  ]);
  const urls = (sims.msg as { urls: string[] }).urls;
  const bare = await child(join(here, 'bare-server.js'), ['18281']);
  const audex = await child(
    join(here, '../src/main.js'),
    ['start', '--port', '18282', '--data-dir', dataDir, '--log-level', 'warn', '--no-demo'],
    { AUDEX_ADMIN_TOKEN: TOKEN, AUDEX_COOKIE_SECURE: 'false' },
  );
  try {
    const folder = await api('POST', '/folders/traits/', { parentFolderId: 0, name: 'bench providers' });
    for (const [i, code] of ['A1', 'B1', 'C1'].entries()) {
      const ds = await api('POST', '/datasources/', { name: `provider ${code}`, thirdParty: true });
      const trait = await api('POST', '/traits/', {
        name: `provider ${code}`,
        traitType: 'ON_BOARDED_TRAIT',
        dataSourceId: ds['dataSourceId'],
        folderId: folder['folderId'],
        traitRule: `ic == "${code}"`,
      });
      await api('POST', '/segments/', {
        name: `seg ${code}`,
        dataSourceId: ds['dataSourceId'],
        segmentRule: `${String(trait['sid'])}T`,
      });
      await api('POST', '/partners/', {
        name: `provider ${code}`,
        dataSourceId: ds['dataSourceId'],
        adapter: 'audex',
        endpoint: `${urls[i]}/v1/segments`,
        mode: 'sync',
        tmaxMs: 80,
        cacheTtlSec: 0,
        cacheTtlMinSec: 0,
        send: { visitorId: true },
      });
    }
    await settle();
    const eventPath = () => '/event?c_section=sports&d_rtbd=json&d_cts=1';

    // 1. Three providers at 20 ms, each event calls all three (new visitor, no cache).
    await openLoop({ origin: AUDEX, path: eventPath, ratePerSec: Math.min(rate, 200), seconds: 2 });
    const s1 = await openLoop({ origin: AUDEX, path: eventPath, ratePerSec: rate, seconds });
    const p50 = percentile(s1.latenciesMs, 50);
    const p99 = percentile(s1.latenciesMs, 99);
    const lag1 = await eventLoopLag();

    // 2. One provider hanging.
    await setPartner(3, { endpoint: `${urls[3]}/v1/segments` });
    await settle();
    const s2 = await openLoop({ origin: AUDEX, path: eventPath, ratePerSec: Math.min(rate, 200), seconds });
    const h99 = percentile(s2.latenciesMs, 99);
    const lag2 = await eventLoopLag();

    // 3. All answers cached: restore provider 3, cache for an hour, warm every visitor once.
    for (const id of [1, 2, 3])
      await setPartner(id, {
        cacheTtlSec: 3600,
        cacheTtlMinSec: 60,
        ...(id === 3 ? { endpoint: `${urls[2]}/v1/segments` } : {}),
      });
    await settle();
    await openLoop({
      origin: AUDEX,
      path: eventPath,
      headers: visitorCookie,
      ratePerSec: 500,
      seconds: COOKIE.visitors / 500,
    });
    const useWrk = await haveWrk();
    const bareRuns = [];
    const cachedRuns = [];
    for (let r = 0; r < 2; r++) {
      bareRuns.push(
        await load({ url: 'http://127.0.0.1:18281/', seconds: 8, connections: 100, cookie: COOKIE }, useWrk),
      );
      cachedRuns.push(
        await load({ url: `${AUDEX}${eventPath()}`, seconds: 8, connections: 100, cookie: COOKIE }, useWrk),
      );
    }
    const best = (rs: { rps: number }[]) => Math.max(...rs.map((x) => x.rps));
    const ratio = best(cachedRuns) / best(bareRuns);

    console.log(
      `\npartner benchmark — node ${process.version}, providers in a separate process, budget ${BUDGET_MS} ms, tmax 80 ms`,
    );
    console.log(
      `1. 3 providers @ ${PROVIDER_MS} ms, ${rate} events/s open loop, ${seconds}s: sent ${s1.sent}, ok ${s1.ok}, failed ${s1.failed}`,
    );
    console.log(
      `   /event latency p50 ${fmt(p50)}  p99 ${fmt(p99)}   minus provider ${PROVIDER_MS} ms: p50 ${fmt(p50 - PROVIDER_MS)}  p99 ${fmt(p99 - PROVIDER_MS)}  (target p99 <= 3 ms)`,
    );
    console.log(`   server event-loop lag (prom-client, since start): ${lag1}`);
    console.log(
      `2. one provider hanging, ${Math.min(rate, 200)} events/s: sent ${s2.sent}, ok ${s2.ok}, failed ${s2.failed}; reply p50 ${fmt(percentile(s2.latenciesMs, 50))}  p99 ${fmt(h99)}  max ${fmt(Math.max(...s2.latenciesMs))}  (target p99 <= ${BUDGET_MS + 5} ms)`,
    );
    console.log(`   server event-loop lag (prom-client, since start): ${lag2}`);
    console.log(
      `3. all answers cached (${cachedRuns[0]?.tool}, 100 connections, 2 x 8 s, best run each): bare ${best(bareRuns).toFixed(0)} req/s, audex ${best(cachedRuns).toFixed(0)} req/s, p99 ${fmt(Math.min(...cachedRuns.map((x) => x.p99ms)))}; ratio ${(ratio * 100).toFixed(1)} %  (target >= 30 %)`,
    );
  } finally {
    for (const c of [sims.proc, bare.proc, audex.proc]) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
