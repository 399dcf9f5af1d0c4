/**
 * `node dist/bench/event-instructions.js` — what one `/event` costs in instructions, counted by
 * callgrind (valgrind, a Debian package), against the bare node:http hello world counted the same
 * way. On this 2-core machine wall-clock figures move by ±30 % within minutes (bare node:http
 * between 31 and 64 k req/s over a day), which hides any change under ≈ 10 %; an instruction count
 * is the same whatever else runs (it moves by ≈ 1 % between runs, with where the JIT's concurrent
 * compiles land). It counts user-space instructions of every thread of the server (main thread,
 * GC helpers, the checkpointer), not the kernel's work for its syscalls (sockets, WAL writes).
 *
 * Each server runs under `valgrind --tool=callgrind --instr-atstart=no` (uninstrumented, ≈ 5×
 * slower), gets `--warmup` requests in two runs (every visitor of the cookie pool seen, the JIT
 * settled, connections opened and closed once), then
 * instrumentation is switched on with `callgrind_control` for exactly `--requests` requests from
 * this process (undici, `--connections` at a time, the event benchmark's query and cookie pool).
 *
 * Flags: --requests 4000, --warmup 30000, --connections 10, --audex-only 0|1
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { BENCH_TOKEN, COOKIE, EVENT_QUERY, pauseDemoPartner, ready } from './event-setup.js';
import { flags } from './load.js';

const args = flags();
const requests = Number(args.get('requests') ?? 4000);
const warmup = Number(args.get('warmup') ?? 30_000);
const connections = Number(args.get('connections') ?? 10);
const audexOnly = args.get('audex-only') === '1';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Sends `n` GETs of `path`, `connections` at a time, each with a visitor cookie from the pool. */
async function send(origin: string, path: string, n: number): Promise<number> {
  const pool = new Pool(origin, { connections });
  let seed = 12345;
  const visitor = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return `1${String(seed % COOKIE.visitors).padStart(37, '0')}`;
  };
  let sent = 0;
  let ok = 0;
  const worker = async () => {
    while (sent < n) {
      sent++;
      const res = await pool.request({
        method: 'GET',
        path,
        headers: { cookie: `${COOKIE.name}=${visitor()}` },
      });
      await res.body.text();
      if (res.statusCode === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  await pool.close();
  return ok;
}

/** Runs `argv` (a node server) under callgrind and returns its instructions per measured request. */
async function count(
  label: string,
  argv: string[],
  origin: string,
  path: string,
  prepare: () => Promise<void>,
): Promise<number> {
  const outDir = mkdtempSync(join(tmpdir(), 'audex-cg-'));
  const child: ChildProcess = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      // V8 writes and patches machine code on its heap: valgrind must notice, or it runs stale code.
      '--smc-check=all-non-file',
      `--callgrind-out-file=${join(outDir, 'cg.%p.out')}`,
      process.execPath,
      ...argv,
    ],
    {
      env: {
        ...process.env,
        AUDEX_COOKIE_SECURE: 'false',
        AUDEX_ADMIN_TOKEN: BENCH_TOKEN,
        // Profiles written straight to the table: write-behind flushes on a wall-clock timer, and
        // under valgrind (≈ 50× slower) a 5 s interval spans ≈ 150 events instead of ≈ 50,000, so
        // the count would measure a flush schedule no real run has. The event-bench (wall clock)
        // measures write-behind; this count compares the rest of the path between builds.
        AUDEX_PROFILE_WRITE_BEHIND_MS: process.env.AUDEX_PROFILE_WRITE_BEHIND_MS ?? '0',
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  try {
    await ready(`${origin}${label === 'bare' ? '/' : '/readyz'}`);
    await prepare();
    // Two warm-up runs: the first run's connections closing and the second's opening deoptimise
    // node:http's socket paths once; counted, their recompiles were ≈ 8 % of the measured window.
    await send(origin, path, Math.max(0, warmup - 2000));
    await send(origin, path, Math.min(warmup, 2000));
    const pid = String(child.pid);
    execFileSync('callgrind_control', ['-i', 'on', pid], { stdio: 'ignore' });
    const ok = await send(origin, path, requests);
    execFileSync('callgrind_control', ['-i', 'off', pid], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['-d', pid], { stdio: 'ignore' });
    if (ok !== requests) throw new Error(`${label}: ${requests - ok} requests failed`);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    let total = 0;
    for (const f of readdirSync(outDir))
      for (const m of readFileSync(join(outDir, f), 'utf8').matchAll(/^totals: (\d+)/gm))
        total += Number(m[1]);
    return total / requests;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'audex-bench-'));
  try {
    const bare = audexOnly
      ? undefined
      : await count(
          'bare',
          [join(here, 'bare-server.js'), '18191'],
          'http://127.0.0.1:18191',
          '/',
          async () => {},
        );
    const audexOrigin = 'http://127.0.0.1:18192';
    const audex = await count(
      'audex',
      [
        join(here, '../src/main.js'),
        'start',
        '--port',
        '18192',
        '--data-dir',
        dataDir,
        '--log-level',
        'warn',
      ],
      audexOrigin,
      `/event?${EVENT_QUERY}`,
      () => pauseDemoPartner(audexOrigin),
    );
    console.log(
      `\n/event instructions (callgrind, ${warmup} warm-up and ${requests} measured requests, ${connections} connections, node ${process.version}; server only, user space, all threads)`,
    );
    if (bare !== undefined)
      console.log(
        `bare node:http hello        ${Math.round(bare).toLocaleString('en')} instructions/request`,
      );
    console.log(`audex /event, 1 process     ${Math.round(audex).toLocaleString('en')} instructions/request`);
    if (bare !== undefined) console.log(`ratio bare / audex: ${((bare / audex) * 100).toFixed(1)} %`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
