/**
 * The `CatalogStore` contract every adapter passes (STYLE.md §8). Adapters call
 * {@link catalogStoreContract} from their own test file with a factory for a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CatalogStore } from '../ports.js';
import { dataSource, folder, segment, trait } from './catalog-fixtures.js';

/** A fresh, empty store and how to dispose of it. */
export interface CatalogStoreHarness {
  store: CatalogStore;
  cleanup(): Promise<void>;
}

const T0 = 1_790_000_000_000;

export function catalogStoreContract(name: string, make: () => Promise<CatalogStoreHarness>): void {
  describe(`CatalogStore contract: ${name}`, () => {
    let h: CatalogStoreHarness;
    let store: CatalogStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    describe('create and get', () => {
      it('assigns ids from a per-kind sequence and stamps both times', async () => {
        const a = await store.create('traits', trait({ name: 'a' }), T0);
        const b = await store.create('traits', trait({ name: 'b' }), T0 + 1);
        const s = await store.create('segments', segment(), T0 + 2);
        expect([a.sid, b.sid, s.sid]).toEqual([1, 2, 1]);
        expect(a).toMatchObject({ name: 'a', createTime: T0, updateTime: T0 });
        expect(await store.get('traits', 2)).toEqual(b);
        expect(await store.get('segments', 1)).toEqual(s);
      });

      it('treats an absent id field like 0', async () => {
        const { dataSourceId: _omit, ...noId } = dataSource();
        const created = await store.create('dataSources', noId as ReturnType<typeof dataSource>, T0);
        expect(created.dataSourceId).toBe(1);
      });

      it('keeps a given id and continues the sequence after the highest one', async () => {
        await store.create('traits', trait({ sid: 1001 }), T0);
        const next = await store.create('traits', trait(), T0);
        expect(next.sid).toBe(1002);
        await store.create('traits', trait({ sid: 5 }), T0);
        expect((await store.create('traits', trait(), T0)).sid).toBe(1003);
      });

      it('returns undefined for unknown ids and does not mix kinds', async () => {
        await store.create('traits', trait(), T0);
        expect(await store.get('traits', 99)).toBeUndefined();
        expect(await store.get('segments', 1)).toBeUndefined();
      });

      it('drops undefined-valued fields and ignores caller-supplied times', async () => {
        const input = { ...trait(), description: undefined, createTime: 1, updateTime: 2 };
        const created = await store.create('traits', input as unknown as ReturnType<typeof trait>, T0);
        expect('description' in created).toBe(false);
        expect(created).toMatchObject({ createTime: T0, updateTime: T0 });
      });

      it('hands out copies: mutating a result does not change the store', async () => {
        const created = await store.create('traits', trait({ name: 'orig' }), T0);
        created.name = 'mutated';
        const got = await store.get('traits', created.sid);
        if (got !== undefined) got.name = 'mutated too';
        expect((await store.get('traits', created.sid))?.name).toBe('orig');
      });
    });

    describe('conflicts', () => {
      it('rejects a duplicate id with AUDEX_CONFLICT', async () => {
        await store.create('traits', trait({ sid: 7 }), T0);
        await expect(store.create('traits', trait({ sid: 7 }), T0)).rejects.toMatchObject({
          code: 'AUDEX_CONFLICT',
        });
      });

      it('rejects a duplicate integration code within a kind, not across kinds', async () => {
        await store.create('traits', trait({ integrationCode: 'ic-1' }), T0);
        await expect(store.create('traits', trait({ integrationCode: 'ic-1' }), T0)).rejects.toMatchObject({
          code: 'AUDEX_CONFLICT',
        });
        await expect(
          store.create('segments', segment({ integrationCode: 'ic-1' }), T0),
        ).resolves.toBeDefined();
      });

      it('allows any number of entities without a code (absent or empty)', async () => {
        await store.create('traits', trait(), T0);
        await store.create('traits', trait(), T0);
        await store.create('traits', trait({ integrationCode: '' }), T0);
        await store.create('traits', trait({ integrationCode: '' }), T0);
        expect((await store.list('traits', { page: 0, pageSize: 10 })).total).toBe(4);
      });

      it('leaves no trace of a rejected create (no row, no version bump, no event)', async () => {
        await store.create('traits', trait({ integrationCode: 'x' }), T0);
        const version = await store.version();
        let events = 0;
        store.onChange(() => events++);
        await expect(store.create('traits', trait({ integrationCode: 'x' }), T0)).rejects.toThrow();
        expect(await store.version()).toBe(version);
        expect(events).toBe(0);
        expect((await store.list('traits', { page: 0, pageSize: 10 })).total).toBe(1);
        // A rejected auto id is not burnt either way that matters: the next create succeeds.
        await expect(store.create('traits', trait(), T0)).resolves.toBeDefined();
      });
    });

    describe('update and delete', () => {
      it('replaces the entity, keeps createTime and the id, sets updateTime', async () => {
        const created = await store.create('traits', trait({ description: 'old', name: 'n1' }), T0);
        const updated = await store.update('traits', created.sid, trait({ sid: 999, name: 'n2' }), T0 + 5);
        expect(updated).toMatchObject({ sid: created.sid, name: 'n2', createTime: T0, updateTime: T0 + 5 });
        expect(updated !== undefined && 'description' in updated).toBe(false);
        expect(await store.get('traits', created.sid)).toEqual(updated);
        expect(await store.get('traits', 999)).toBeUndefined();
      });

      it('returns undefined when updating an absent entity', async () => {
        expect(await store.update('traits', 42, trait(), T0)).toBeUndefined();
        expect(await store.get('traits', 42)).toBeUndefined();
      });

      it('allows keeping its own integration code but not taking another one', async () => {
        const a = await store.create('traits', trait({ integrationCode: 'a' }), T0);
        await store.create('traits', trait({ integrationCode: 'b' }), T0);
        await expect(
          store.update('traits', a.sid, trait({ integrationCode: 'a', name: 'z' }), T0),
        ).resolves.toBeDefined();
        await expect(
          store.update('traits', a.sid, trait({ integrationCode: 'b' }), T0),
        ).rejects.toMatchObject({
          code: 'AUDEX_CONFLICT',
        });
        expect((await store.get('traits', a.sid))?.integrationCode).toBe('a');
      });

      it('frees an integration code when its entity is updated away or deleted', async () => {
        const a = await store.create('traits', trait({ integrationCode: 'a' }), T0);
        await store.update('traits', a.sid, trait({ integrationCode: 'a2' }), T0);
        await expect(store.create('traits', trait({ integrationCode: 'a' }), T0)).resolves.toBeDefined();
        await store.delete('traits', a.sid);
        await expect(store.create('traits', trait({ integrationCode: 'a2' }), T0)).resolves.toBeDefined();
      });

      it('deletes once and reports whether it did', async () => {
        const a = await store.create('segments', segment(), T0);
        expect(await store.delete('segments', a.sid)).toBe(true);
        expect(await store.delete('segments', a.sid)).toBe(false);
        expect(await store.get('segments', a.sid)).toBeUndefined();
      });

      it('never reuses an auto id after a delete', async () => {
        const a = await store.create('segments', segment(), T0);
        await store.delete('segments', a.sid);
        expect((await store.create('segments', segment(), T0)).sid).toBe(a.sid + 1);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (let i = 1; i <= 25; i++) {
          const given = 26 - i; // created in descending id order: list must still sort by id
          await store.create(
            'traits',
            trait({
              sid: given,
              name: `Trait ${given}${given % 5 === 0 ? ' Sports' : ''}`,
              folderId: given % 3,
            }),
            T0,
          );
        }
      });

      it('pages from 0 in stable id order with the total', async () => {
        const pages = await Promise.all(
          [0, 1, 2, 3].map((page) => store.list('traits', { page, pageSize: 10 })),
        );
        expect(pages.map((p) => p.items.length)).toEqual([10, 10, 5, 0]);
        expect(pages.every((p) => p.total === 25)).toBe(true);
        expect(pages.flatMap((p) => p.items.map((t) => t.sid))).toEqual(
          Array.from({ length: 25 }, (_, i) => i + 1),
        );
      });

      it('filters exactly on top-level fields, strictly typed', async () => {
        const byFolder = await store.list('traits', { page: 0, pageSize: 100, where: { folderId: 0 } });
        expect(byFolder.items.map((t) => t.sid)).toEqual([3, 6, 9, 12, 15, 18, 21, 24]);
        expect(byFolder.total).toBe(8);
        const both = await store.list('traits', {
          page: 0,
          pageSize: 100,
          where: { folderId: 0, status: 'ACTIVE' },
        });
        expect(both.total).toBe(8);
        expect((await store.list('traits', { page: 0, pageSize: 100, where: { folderId: '0' } })).total).toBe(
          0,
        );
        expect(
          (await store.list('traits', { page: 0, pageSize: 100, where: { status: 'INACTIVE' } })).total,
        ).toBe(0);
        expect((await store.list('traits', { page: 0, pageSize: 100, where: { nope: 1 } })).total).toBe(0);
      });

      it('searches names case-insensitively by substring, combined with filters and paging', async () => {
        const found = await store.list('traits', { page: 0, pageSize: 100, search: 'sPoRtS' });
        expect(found.items.map((t) => t.sid)).toEqual([5, 10, 15, 20, 25]);
        const page1 = await store.list('traits', {
          page: 1,
          pageSize: 2,
          search: 'sports',
          where: { folderId: 0 },
        });
        expect(page1).toMatchObject({ total: 1, items: [] });
        expect((await store.list('traits', { page: 0, pageSize: 10, search: '%' })).total).toBe(0);
      });

      it('folds non-ASCII letters in search', async () => {
        await store.create('segments', segment({ name: 'Äußere Öffnung' }), T0);
        expect((await store.list('segments', { page: 0, pageSize: 10, search: 'öFFN' })).total).toBe(1);
      });

      it('rejects a filter field that is not a plain identifier', async () => {
        await expect(
          store.list('traits', { page: 0, pageSize: 1, where: { 'a.b': 1 } }),
        ).rejects.toMatchObject({
          code: 'AUDEX_VALIDATION',
        });
      });
    });

    describe('loadAll, version and onChange', () => {
      it('loads every kind sorted by id', async () => {
        await store.create('traits', trait({ sid: 9 }), T0);
        await store.create('traits', trait({ sid: 3 }), T0);
        await store.create('dataSources', dataSource(), T0);
        await store.create('traitFolders', folder(), T0);
        const all = await store.loadAll();
        expect(all.traits.map((t) => t.sid)).toEqual([3, 9]);
        expect(all.dataSources).toHaveLength(1);
        expect(all.traitFolders).toHaveLength(1);
        expect(all.segments).toEqual([]);
      });

      it('increments the version once per create, update and effective delete', async () => {
        const v0 = await store.version();
        const a = await store.create('traits', trait(), T0);
        expect(await store.version()).toBe(v0 + 1);
        await store.update('traits', a.sid, trait({ name: 'x' }), T0);
        expect(await store.version()).toBe(v0 + 2);
        await store.update('traits', 404, trait(), T0);
        await store.delete('traits', 404);
        expect(await store.version()).toBe(v0 + 2);
        await store.delete('traits', a.sid);
        expect(await store.version()).toBe(v0 + 3);
      });

      it('notifies listeners once per change until they unsubscribe', async () => {
        const seen: string[] = [];
        const off = store.onChange(() => seen.push('a'));
        store.onChange(() => seen.push('b'));
        const t = await store.create('traits', trait(), T0);
        await store.update('traits', t.sid, trait(), T0);
        off();
        await store.delete('traits', t.sid);
        await store.delete('traits', t.sid);
        expect(seen).toEqual(['a', 'b', 'a', 'b', 'b']);
      });

      it('reports a throwing listener as a warning and still notifies the others', async () => {
        const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
        store.onChange(() => {
          throw new Error('listener bug');
        });
        let called = 0;
        store.onChange(() => called++);
        let warnings: number;
        try {
          await expect(store.create('traits', trait(), T0)).resolves.toBeDefined();
        } finally {
          warnings = warn.mock.calls.length;
          warn.mockRestore();
        }
        expect(called).toBe(1);
        expect(warnings).toBe(1);
      });
    });
  });
}
