/** The `TokenStore` contract every adapter passes (STYLE.md §8). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiToken, TokenStore } from '../ports.js';

/** A fresh, empty store and how to dispose of it. */
export interface TokenStoreHarness {
  store: TokenStore;
  cleanup(): Promise<void>;
}

function token(id: string, overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id,
    name: `token ${id}`,
    role: 'admin',
    hash: id.repeat(64).slice(0, 64),
    createTime: 1000,
    ...overrides,
  };
}

export function tokenStoreContract(name: string, make: () => Promise<TokenStoreHarness>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let h: TokenStoreHarness;
    let store: TokenStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('starts empty', async () => {
      expect(await store.count()).toBe(0);
      expect(await store.list()).toEqual([]);
      expect(await store.findByHash('a'.repeat(64))).toBeUndefined();
    });

    it('finds tokens by hash and lists them by creation time', async () => {
      const b = token('b', { role: 'viewer', createTime: 2000 });
      const a = token('a', { role: 'editor', createTime: 1000 });
      await store.put(b);
      await store.put(a);
      expect(await store.findByHash(a.hash)).toEqual(a);
      expect(await store.findByHash(b.hash)).toEqual(b);
      expect(await store.list()).toEqual([a, b]);
      expect(await store.count()).toBe(2);
    });

    it('replaces a token put again under the same id', async () => {
      await store.put(token('a'));
      const renamed = token('a', { name: 'renamed', role: 'viewer', hash: 'f'.repeat(64) });
      await store.put(renamed);
      expect(await store.list()).toEqual([renamed]);
      expect(await store.findByHash(token('a').hash)).toBeUndefined();
    });

    it('rejects a second token with the same hash', async () => {
      await store.put(token('a'));
      await expect(store.put(token('b', { hash: token('a').hash }))).rejects.toMatchObject({
        code: 'AUDEX_CONFLICT',
      });
      expect(await store.count()).toBe(1);
    });

    it('deletes by id and reports whether it did', async () => {
      await store.put(token('a'));
      await store.put(token('b'));
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect(await store.findByHash(token('a').hash)).toBeUndefined();
      expect(await store.count()).toBe(1);
    });
  });
}
