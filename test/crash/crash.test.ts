/**
 * Durability: `kill -9` the server under load, then every acknowledged event's realisation must be
 * in the SQLite store (a profile write is durable before the reply). Runs the built server
 * (`npm test` builds first) as a separate process, exactly as `audex start` runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStores } from '../../src/storage/sqlite/sqlite-stores.js';

const mainJs = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

function startServer(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [mainJs, 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'error'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m?.[1] !== undefined) resolve({ child, base: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
}

describe('crash durability (kill -9 under load)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'audex-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every acknowledged event after SIGKILL', async () => {
    const { child, base } = await startServer(dataDir);
    const acked: string[] = [];
    let next = 0;
    let killed = false;
    const exited = new Promise((r) => child.once('exit', r));
    const loop = async () => {
      while (!killed) {
        const visitor = '9' + String(next++).padStart(37, '0');
        try {
          const res = await request(`${base}/event?d_uuid=${visitor}&d_sid=1003&d_rtbd=json`);
          const body = (await res.body.json()) as { uuid?: string; errors?: Array<{ code: number }> };
          if (res.statusCode === 200 && body.uuid === visitor && !body.errors?.some((e) => e.code === 357))
            acked.push(visitor);
        } catch {
          return; // connection reset by the kill: not acknowledged
        }
      }
    };
    const loops = Array.from({ length: 16 }, loop);
    while (acked.length < 400) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    killed = true;
    await Promise.all(loops);
    await exited;

    const stores = await createSqliteStores({ dataDir });
    try {
      const missing: string[] = [];
      for (const visitor of acked) {
        const profile = await stores.profiles.get(visitor);
        if (profile?.traits.get(1003) === undefined) missing.push(visitor);
      }
      expect(acked.length).toBeGreaterThanOrEqual(400);
      expect(missing).toEqual([]);
    } finally {
      await stores.close();
    }
  });
});
