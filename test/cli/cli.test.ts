/**
 * The `audex` command line as an operator uses it (built CLI, separate processes): help, migrate,
 * token create, and configuration errors reported in full with exit code 2.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/admin/auth.js';
import { createSqliteStores } from '../../src/storage/sqlite/sqlite-stores.js';

const run = promisify(execFile);
const mainJs = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
const audex = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [mainJs, ...args], { env: { ...process.env, ...env } });

describe('audex CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'audex-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists its commands', async () => {
    const { stdout } = await audex(['--help']);
    for (const cmd of ['start', 'migrate', 'token', 'partner-sim']) expect(stdout).toContain(cmd);
    expect((await audex(['start', '--help'])).stdout).toContain('--no-demo');
  });

  it('migrates a data directory and creates a token stored only as a hash', async () => {
    expect((await audex(['migrate', '--data-dir', dataDir])).stdout).toContain('migrated');
    const { stdout } = await audex([
      'token',
      'create',
      '--name',
      'ci',
      '--role',
      'editor',
      '--data-dir',
      dataDir,
    ]);
    const token = stdout.trim();
    expect(token).toMatch(/^adx_[A-Za-z0-9_-]{20,}$/);
    const stores = await createSqliteStores({ dataDir });
    try {
      expect(await stores.tokens.findByHash(hashToken(token))).toMatchObject({ name: 'ci', role: 'editor' });
      expect((await stores.tokens.list()).some((t) => JSON.stringify(t).includes(token))).toBe(false);
    } finally {
      await stores.close();
    }
  });

  it('reports every configuration problem at once and exits 2', async () => {
    const err = await audex(['start', '--port', 'abc', '--data-dir', dataDir], {
      AUDEX_LOG_LEVEL: 'loud',
    }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/port/);
    expect(err?.stderr).toMatch(/logLevel/);
  });
});
