import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../storage/memory/memory-stores.js';
import { createSqliteStores } from '../storage/sqlite/sqlite-stores.js';
import { CatalogService } from './catalog-service.js';

const T0 = 1_790_000_000_000;
const dataSource = (dataSourceId: number) =>
  ({
    dataSourceId,
    name: `ds ${dataSourceId}`,
    idType: 'COOKIE',
    thirdParty: false,
    status: 'ACTIVE',
  }) as const;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('CatalogService', () => {
  it('swaps in a new snapshot after a change made through its store', async () => {
    const stores = createMemoryStores();
    const service = await CatalogService.start(stores.catalog, { pollMs: 0 });
    const before = service.current;
    expect(before.dataSources.size).toBe(0);
    await stores.catalog.create('dataSources', dataSource(1), T0);
    await until(() => service.current.dataSources.size === 1);
    expect(service.current.dataSources.get(1)?.name).toBe('ds 1');
    expect(before.dataSources.size).toBe(0); // the old snapshot is immutable
    service.close();
  });

  it('picks up changes made by another process through the version counter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audex-catalog-'));
    const a = await createSqliteStores({ dataDir: dir });
    const b = await createSqliteStores({ dataDir: dir });
    try {
      const service = await CatalogService.start(a.catalog, { pollMs: 20 });
      await b.catalog.create('dataSources', dataSource(7), T0); // "another node"
      await until(() => service.current.dataSources.has(7));
      expect(service.current.dataSources.has(7)).toBe(true);
      service.close();
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports rules that do not compile instead of failing the snapshot', async () => {
    const stores = createMemoryStores();
    await stores.catalog.create('dataSources', dataSource(1), T0);
    await stores.catalog.create('traitFolders', { folderId: 1, parentFolderId: 0, name: 'f' }, T0);
    await stores.catalog.create(
      'traits',
      {
        sid: 5,
        name: 'bad',
        traitType: 'RULE_BASED_TRAIT',
        dataSourceId: 1,
        folderId: 1,
        traitRule: 'c_a ==',
        ttl: 1,
        status: 'ACTIVE',
      },
      T0,
    );
    const service = await CatalogService.start(stores.catalog, { pollMs: 0 });
    expect(service.current.problems).toEqual([expect.objectContaining({ kind: 'traits', sid: 5 })]);
    expect(service.current.traits.has(5)).toBe(true);
    service.close();
  });
});
