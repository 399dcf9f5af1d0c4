/**
 * Cluster workers share one SQLite file: concurrent events for one visitor, spread over two worker
 * processes by node:cluster, are all acknowledged (no 357 when a worker meets the other's write
 * lock) and none of their updates is lost. Runs the built server (`npm test` builds first) as
 * `audex start --workers 2` runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStores } from '../../src/storage/sqlite/sqlite-stores.js';

const mainJs = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode})`);
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not come up');
}

describe('cluster workers sharing the SQLite file', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'audex-cluster-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('acknowledges every concurrent event of one visitor and loses none of them', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        mainJs,
        'start',
        '--port',
        String(port),
        '--data-dir',
        dataDir,
        '--log-level',
        'error',
        '--workers',
        '2',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const exited = new Promise((r) => child.once('exit', r));
    const base = `http://127.0.0.1:${port}`;
    const visitor = '7'.repeat(38);
    const events = 240;
    try {
      await waitReady(base, child);
      // Many connections, so node:cluster spreads them over both workers.
      const pool = new Pool(base, { connections: 24, pipelining: 1 });
      let sent = 0;
      const acked: number[] = [];
      const loop = async () => {
        while (sent < events) {
          sent++;
          const res = await pool.request({
            path: `/event?d_uuid=${visitor}&d_sid=1003&d_rtbd=json`,
            method: 'GET',
          });
          const body = (await res.body.json()) as { uuid?: string; errors?: Array<{ code: number }> };
          expect(res.statusCode).toBe(200);
          expect(body.errors?.map((e) => e.code) ?? []).not.toContain(357);
          if (body.uuid === visitor) acked.push(1);
        }
      };
      await Promise.all(Array.from({ length: 24 }, loop));
      await pool.close();
      expect(acked).toHaveLength(events);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    const stores = await createSqliteStores({ dataDir });
    try {
      expect((await stores.profiles.get(visitor))?.traits.get(1003)?.count).toBe(events);
    } finally {
      await stores.close();
    }
  });
});
