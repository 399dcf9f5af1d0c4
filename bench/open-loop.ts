/**
 * An open-loop load generator: sends requests at a fixed rate whatever the replies do (so a slow
 * reply cannot lower the offered load, unlike closed-loop tools), and records each latency.
 */
import { Pool } from 'undici';

export interface OpenLoopResult {
  sent: number;
  ok: number;
  failed: number;
  latenciesMs: number[];
}

export async function openLoop(opts: {
  origin: string;
  path: (i: number) => string;
  headers?: (i: number) => Record<string, string>;
  ratePerSec: number;
  seconds: number;
}): Promise<OpenLoopResult> {
  const pool = new Pool(opts.origin, { connections: 256 });
  const total = Math.round(opts.ratePerSec * opts.seconds);
  const result: OpenLoopResult = { sent: 0, ok: 0, failed: 0, latenciesMs: [] };
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / opts.ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    result.sent++;
    const t0 = performance.now();
    inflight.push(
      pool
        .request({ method: 'GET', path: opts.path(i), headers: opts.headers?.(i) ?? {} })
        .then(async (res) => {
          await res.body.text();
          result.latenciesMs.push(performance.now() - t0);
          if (res.statusCode === 200) result.ok++;
          else result.failed++;
        })
        .catch(() => void result.failed++),
    );
  }
  await Promise.all(inflight);
  await pool.close();
  return result;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}
