/**
 * `npm run bench:event` — /event throughput and latency as a ratio of a bare node:http hello world
 * measured in the same run (issue: foundation, target ≥ 35 %). Audex runs as in production
 * (`audex start`, SQLite in a temp data dir, demo workspace) twice: as one process, and with
 * `--workers 2` (one per core of this machine, sharing the database); the bare server is one
 * process. Runs alternate baseline/Audex to spread machine noise across all of them.
 *
 * Flags: --seconds N (default 10), --rounds N (default 2), --connections N (default 100),
 * --workers N (default 2; 1 skips the clustered run).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMicros, flags, haveWrk, load, type LoadResult } from './load.js';
import { BENCH_TOKEN, COOKIE, EVENT_QUERY, pauseDemoPartner, ready } from './event-setup.js';

const args = flags();
const seconds = Number(args.get('seconds') ?? 10);
const rounds = Number(args.get('rounds') ?? 2);
const connections = Number(args.get('connections') ?? 100);
const workers = Number(args.get('workers') ?? 2);

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

/** `audex start` on `port` in a fresh data directory, with the demo's partner paused. */
async function startAudex(port: number, nWorkers: number): Promise<{ child: ChildProcess; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'audex-bench-'));
  const child = fork(
    mainJs,
    [
      'start',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      '--workers',
      String(nWorkers),
    ],
    {
      env: { ...process.env, AUDEX_COOKIE_SECURE: 'false', AUDEX_ADMIN_TOKEN: BENCH_TOKEN },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  await ready(`http://127.0.0.1:${port}/readyz`);
  // This benchmark measures the DCS itself (foundation issue): the demo's real-time partner is
  // paused so no provider call is made; `npm run bench:partners` measures the partner path.
  await pauseDemoPartner(`http://127.0.0.1:${port}`);
  return { child, dataDir };
}

/** Runs one load and adds the server's CPU µs per request. */
async function measured(
  pid: number | undefined,
  run: () => Promise<LoadResult>,
): Promise<LoadResult & { cpuUs?: number }> {
  const before = cpuMicros(pid);
  const result = await run();
  const after = cpuMicros(pid);
  if (before === undefined || after === undefined || result.rps === 0) return result;
  return { ...result, cpuUs: (after - before) / (result.rps * seconds) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const useWrk = await haveWrk();
  const bare = await startChild(join(here, 'bare-server.js'), ['18181']);
  const servers = [{ name: 'audex /event, 1 process', port: 18182, workers: 1 }];
  if (workers > 1) servers.push({ name: `audex /event, ${workers} workers`, port: 18183, workers });
  const started = await Promise.all(servers.map((s) => startAudex(s.port, s.workers)));
  type Run = LoadResult & { cpuUs?: number };
  const results = { bare: [] as Run[], audex: servers.map(() => [] as Run[]) };
  const audexUrl = (port: number) => `http://127.0.0.1:${port}/event?${EVENT_QUERY}`;
  try {
    const warm = { seconds: 3, connections, cookie: COOKIE };
    await load({ ...warm, url: 'http://127.0.0.1:18181/' }, useWrk);
    for (const s of servers) await load({ ...warm, url: audexUrl(s.port) }, useWrk);
    for (let r = 0; r < rounds; r++) {
      // The baseline gets the same request script (random visitor cookie) so the client costs the same.
      results.bare.push(
        await measured(bare.pid, () =>
          load({ url: 'http://127.0.0.1:18181/', seconds, connections, cookie: COOKIE }, useWrk),
        ),
      );
      for (const [i, s] of servers.entries())
        results.audex[i]?.push(
          await measured(started[i]?.child.pid, () =>
            load({ url: audexUrl(s.port), seconds, connections, cookie: COOKIE }, useWrk),
          ),
        );
    }
  } finally {
    bare.kill('SIGTERM');
    for (const { child } of started) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    for (const { dataDir } of started) rmSync(dataDir, { recursive: true, force: true });
  }
  const cpu = (rs: Run[]) => {
    const us = rs.flatMap((r) => (r.cpuUs === undefined ? [] : [r.cpuUs]));
    return us.length === 0 ? '' : `   server CPU ${median(us).toFixed(1)} µs/req`;
  };
  const row = (name: string, rs: Run[]) =>
    `${name.padEnd(30)} ${rs
      .map((r) => r.rps.toFixed(0))
      .join(' / ')
      .padEnd(20)} median ${median(rs.map((r) => r.rps))
      .toFixed(0)
      .padStart(
        7,
      )} req/s   p50 ${median(rs.map((r) => r.p50ms)).toFixed(2)} ms   p99 ${median(rs.map((r) => r.p99ms)).toFixed(2)} ms   errors ${rs.reduce((n, r) => n + r.errors, 0)}${cpu(rs)}`;
  const bareRps = median(results.bare.map((r) => r.rps));
  console.log(
    `\n/event benchmark — ${results.bare[0]?.tool}, ${connections} connections, ${seconds}s x ${rounds} rounds, node ${process.version}, load avg ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(row('bare node:http hello', results.bare));
  for (const [i, s] of servers.entries()) console.log(row(s.name, results.audex[i] ?? []));
  for (const [i, s] of servers.entries()) {
    const ratio = median((results.audex[i] ?? []).map((r) => r.rps)) / bareRps;
    console.log(`ratio ${s.name} / bare: ${(ratio * 100).toFixed(1)} %  (target >= 35 %)`);
  }
}

await main();
