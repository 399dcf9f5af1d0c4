/**
 * `npm run bench:event` — /event throughput and latency as a ratio of a bare node:http hello world
 * measured in the same run (issue: foundation, target ≥ 35 %). The Audex server runs as in
 * production (`audex start`, SQLite in a temp data dir, demo workspace) on one core; the load
 * generator on the other. Runs alternate baseline/Audex to spread machine noise across both.
 *
 * Flags: --seconds N (default 10), --rounds N (default 2), --connections N (default 100).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveWrk, load, type LoadResult } from './load.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const seconds = Number(args.get('seconds') ?? 10);
const rounds = Number(args.get('rounds') ?? 2);
const connections = Number(args.get('connections') ?? 100);

/** 15 signals (8 c_ keys, 7 d_ keys as DIL sends), 3 d_sid, JSON reply. */
export const EVENT_QUERY =
  'd_mid=12345678901234567890123456789012345678&d_orgid=ABC%40AdobeOrg&d_nsid=0&d_rtbd=json&d_jsonv=1&d_dst=1&d_ver=2' +
  '&c_section=sports&c_lang=pt&c_author=ana&c_tags=football,league&c_page=article&c_cart_value=120&c_newsletter=0&c_device=mobile' +
  '&d_sid=1001,1002,1003';

const here = fileURLToPath(new URL('.', import.meta.url));
const mainJs = join(here, '../src/main.js');

function startChild(script: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(script, argv, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.once('error', reject);
    child.once('message', () => resolve(child));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) resolve(child);
    });
  });
}

const BENCH_TOKEN = 'bench-admin-token-0123456789';
const COOKIE = { name: 'audex_uuid', visitors: 10_000 };

async function pauseDemoPartner(base: string): Promise<void> {
  const headers = { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' };
  const current = (await (await fetch(`${base}/api/v1/partners/1`, { headers })).json()) as Record<
    string,
    unknown
  >;
  const res = await fetch(`${base}/api/v1/partners/1`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ ...current, status: 'INACTIVE' }),
  });
  if (!res.ok) throw new Error(`could not pause the demo partner: ${res.status} ${await res.text()}`);
  await new Promise((r) => setTimeout(r, 1500)); // the catalog swap reaches the server within a second
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const useWrk = await haveWrk();
  const dataDir = mkdtempSync(join(tmpdir(), 'audex-bench-'));
  const bare = await startChild(join(here, 'bare-server.js'), ['18181']);
  const audex = await startChild(
    mainJs,
    ['start', '--port', '18182', '--data-dir', dataDir, '--log-level', 'warn'],
    { AUDEX_COOKIE_SECURE: 'false', AUDEX_ADMIN_TOKEN: BENCH_TOKEN },
  );
  // This benchmark measures the DCS itself (foundation issue): the demo's real-time partner is
  // paused so no provider call is made; `npm run bench:partners` measures the partner path.
  await pauseDemoPartner('http://127.0.0.1:18182');
  const results: { bare: LoadResult[]; audex: LoadResult[] } = { bare: [], audex: [] };
  try {
    const warm = { seconds: 3, connections };
    await load({ ...warm, url: 'http://127.0.0.1:18181/', cookie: COOKIE }, useWrk);
    await load(
      {
        ...warm,
        url: `http://127.0.0.1:18182/event?${EVENT_QUERY}`,
        cookie: COOKIE,
      },
      useWrk,
    );
    for (let r = 0; r < rounds; r++) {
      // The baseline gets the same request script (random visitor cookie) so the client costs the same.
      results.bare.push(
        await load({ url: 'http://127.0.0.1:18181/', seconds, connections, cookie: COOKIE }, useWrk),
      );
      results.audex.push(
        await load(
          {
            url: `http://127.0.0.1:18182/event?${EVENT_QUERY}`,
            seconds,
            connections,
            cookie: COOKIE,
          },
          useWrk,
        ),
      );
    }
  } finally {
    bare.kill('SIGTERM');
    audex.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const row = (name: string, rs: LoadResult[]) =>
    `${name.padEnd(28)} ${rs
      .map((r) => r.rps.toFixed(0))
      .join(' / ')
      .padEnd(20)} median ${median(rs.map((r) => r.rps))
      .toFixed(0)
      .padStart(
        7,
      )} req/s   p50 ${median(rs.map((r) => r.p50ms)).toFixed(2)} ms   p99 ${median(rs.map((r) => r.p99ms)).toFixed(2)} ms   errors ${rs.reduce((n, r) => n + r.errors, 0)}`;
  const ratio = median(results.audex.map((r) => r.rps)) / median(results.bare.map((r) => r.rps));
  console.log(
    `\n/event benchmark — ${results.bare[0]?.tool}, ${connections} connections, ${seconds}s x ${rounds} rounds, node ${process.version}`,
  );
  console.log(row('bare node:http hello', results.bare));
  console.log(row('audex /event (sqlite)', results.audex));
  console.log(`ratio audex/bare: ${(ratio * 100).toFixed(1)} %  (target >= 35 %)`);
}

await main();
