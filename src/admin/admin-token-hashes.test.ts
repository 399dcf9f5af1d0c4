import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../storage/memory/memory-token-store.js';
import type { ApiToken } from '../storage/ports.js';
import { AdminTokenHashes } from './admin-token-hashes.js';

const token = (id: string, role: ApiToken['role']): ApiToken => ({
  id,
  name: id,
  role,
  hash: `hash-${id}`,
  createTime: 0,
});

describe('AdminTokenHashes', () => {
  let set: AdminTokenHashes | undefined;
  afterEach(() => set?.close());

  it('holds the admin tokens only', async () => {
    const store = new MemoryTokenStore();
    await store.put(token('a', 'admin'));
    await store.put(token('e', 'editor'));
    set = await AdminTokenHashes.load(store, 0);
    expect(set.has('hash-a')).toBe(true);
    expect(set.has('hash-e')).toBe(false);
    expect(set.has('hash-x')).toBe(false);
  });

  it('sees a put or delete through the watched store before it resolves', async () => {
    const store = new MemoryTokenStore();
    set = await AdminTokenHashes.load(store, 0);
    const watched = set.watch();
    await watched.put(token('b', 'admin'));
    expect(set.has('hash-b')).toBe(true);
    expect(await watched.delete('b')).toBe(true);
    expect(set.has('hash-b')).toBe(false);
  });

  it('sees a token another writer added once it re-reads the store', async () => {
    const store = new MemoryTokenStore();
    set = await AdminTokenHashes.load(store, 0);
    await store.put(token('c', 'admin')); // the CLI or another process, not through `watch`
    expect(set.has('hash-c')).toBe(false);
    await set.refresh();
    expect(set.has('hash-c')).toBe(true);
  });

  it('re-reads on its own every refreshMs', async () => {
    const store = new MemoryTokenStore();
    set = await AdminTokenHashes.load(store, 5);
    await store.put(token('d', 'admin'));
    await expect.poll(() => set?.has('hash-d'), { interval: 5, timeout: 2000 }).toBe(true);
  });
});
