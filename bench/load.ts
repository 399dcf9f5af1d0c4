/**
 * Load generation for the benchmarks: wrk (Debian package; the better generator on 2 cores per
 * reference/measurements.md §2) when installed, autocannon otherwise. Each request carries a random
 * visitor cookie from a fixed pool, so profiles are read and written as in production.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LoadResult {
  tool: 'wrk' | 'autocannon';
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  seconds: number;
  connections: number;
  /** Cookie name and pool size for random visitor cookies; none when undefined. */
  cookie?: { name: string; visitors: number };
}

export async function haveWrk(): Promise<boolean> {
  try {
    await run('wrk', ['--version']).catch((e: { stdout?: string }) => {
      if (!String(e.stdout ?? '').includes('wrk')) throw e;
    });
    return true;
  } catch {
    return false;
  }
}

export async function load(opts: LoadOptions, useWrk: boolean): Promise<LoadResult> {
  return useWrk ? wrk(opts) : autocannonLoad(opts);
}

function visitorId(i: number): string {
  return '1' + String(i).padStart(37, '0');
}

async function wrk(opts: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'audex-wrk-'));
  const script = join(dir, 'cookie.lua');
  writeFileSync(
    script,
    opts.cookie === undefined
      ? 'done = function(summary, latency, requests)\n  io.write(string.format("AUDEX %d %d %d\\n", latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))\nend\n'
      : `local n = ${opts.cookie.visitors}
request = function()
  wrk.headers["Cookie"] = "${opts.cookie.name}=1" .. string.format("%037d", math.random(0, n - 1))
  return wrk.format()
end
done = function(summary, latency, requests)
  io.write(string.format("AUDEX %d %d %d\\n", latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`,
  );
  const { stdout } = await run(
    'wrk',
    ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '-s', script, opts.url],
    { maxBuffer: 1 << 20 },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const m = /AUDEX (\d+) (\d+) (\d+)/.exec(stdout);
  return {
    tool: 'wrk',
    rps,
    p50ms: Number(m?.[1] ?? 0) / 1000,
    p99ms: Number(m?.[2] ?? 0) / 1000,
    errors: Number(m?.[3] ?? 0),
  };
}

async function autocannonLoad(opts: LoadOptions): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const cookie = opts.cookie;
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    ...(cookie !== undefined
      ? {
          requests: [
            {
              setupRequest: (req: { headers?: Record<string, string> }) => {
                req.headers = {
                  ...req.headers,
                  cookie: `${cookie.name}=${visitorId(Math.floor(Math.random() * cookie.visitors))}`,
                };
                return req;
              },
            },
          ],
        }
      : {}),
  } as never);
  const r = result as unknown as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  };
  return {
    tool: 'autocannon',
    rps: r.requests.average,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}

/**
 * A process's main thread: time running and time runnable but waiting for a CPU (ns so far, from
 * /proc/<pid>/schedstat; undefined where that is missing). The wait is what a busy machine adds to
 * every wake-up of an event loop: two cores shared by a server, its load and its providers.
 */
function runQueue(pid: number | undefined): { runNs: number; waitNs: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return run === undefined || wait === undefined ? undefined : { runNs: run, waitNs: wait };
  } catch {
    return undefined;
  }
}

/**
 * Watches the main threads of named processes from now: `stop()` prints each one's run-queue wait
 * since, in ms and as a share of its running time ("DCS 2426 ms (37 % of its run time), …").
 */
export function watchRunQueues(mains: Record<string, number | undefined>): { stop: () => string } {
  const entries = Object.entries(mains);
  const before = entries.map(([, pid]) => runQueue(pid));
  return {
    stop: () =>
      entries
        .flatMap(([name, pid], i) => {
          const a = before[i];
          const b = runQueue(pid);
          if (a === undefined || b === undefined) return [];
          const waitNs = b.waitNs - a.waitNs;
          const share = (100 * waitNs) / (b.runNs - a.runNs);
          return [`${name} ${(waitNs / 1e6).toFixed(0)} ms (${share.toFixed(0)} % of its run time)`];
        })
        .join(', '),
  };
}

/**
 * CPU time (user + system, µs) a server process and its cluster workers have used so far, from
 * /proc (Linux; undefined elsewhere). CPU per request is robust to the machine's noise, unlike
 * req/s: it says what each request costs whether or not something else was running.
 */
export function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
    const ticks = (p: string | number) => {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return Number(fields[11]) + Number(fields[12]);
    };
    return [pid, ...children].reduce<number>((sum, p) => sum + ticks(p), 0) * (1e6 / 100); // USER_HZ 100
  } catch {
    return undefined;
  }
}

/** `--name value` pairs of the command line (the benchmarks' flags). */
export function flags(argv: readonly string[] = process.argv): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 2; i < argv.length; i += 2) out.set((argv[i] as string).replace(/^--/, ''), argv[i + 1] ?? '');
  return out;
}
