import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudexError } from '../errors/registry.js';
import { DEFAULTS } from './config-schema.js';
import { loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('returns frozen defaults', () => {
    const c = loadConfig();
    expect(c).toEqual(DEFAULTS);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.dcs)).toBe(true);
  });

  it('layers file < environment < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audex-cfg-'));
    const file = join(dir, 'audex.json');
    writeFileSync(file, JSON.stringify({ port: 7000, host: 'file-host', dcs: { eventBudgetMs: 50 } }));
    const c = loadConfig({
      file,
      env: {
        AUDEX_PORT: '7001',
        AUDEX_DATA_DIR: '/tmp/x',
        AUDEX_DEMO: 'false',
        AUDEX_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      },
      flags: { port: '7002' },
    });
    expect(c.port).toBe(7002);
    expect(c.host).toBe('file-host');
    expect(c.dataDir).toBe('/tmp/x');
    expect(c.demo).toBe(false);
    expect(c.dcs.eventBudgetMs).toBe(50);
    expect(c.dcs.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ env: { AUDEX_PORT: 'abc', AUDEX_LOG_LEVEL: 'loud', AUDEX_STORAGE: 'floppy' } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AudexError);
      expect((err as AudexError).code).toBe('AUDEX_CONFIG_INVALID');
      const problems = (err as AudexError).details as string[];
      expect(problems.join('\n')).toMatch(/port/);
      expect(problems.join('\n')).toMatch(/logLevel/);
      expect(problems.join('\n')).toMatch(/storage/);
    }
  });

  it('rejects unknown keys in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audex-cfg-'));
    const file = join(dir, 'audex.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ file })).toThrow(/prot/);
  });
});
