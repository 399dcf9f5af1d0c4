/** Factory for the in-memory backend (`--storage memory`, tests). Nothing survives the process. */
import type { Stores } from '../stores.js';
import { MemoryCatalogStore } from './memory-catalog-store.js';
import { MemoryIdentityStore } from './memory-identity-store.js';
import { MemoryProfileStore } from './memory-profile-store.js';
import { MemoryTokenStore } from './memory-token-store.js';

export { createMemoryEventLog, type MemoryEventLog } from './memory-event-log.js';

/** Fresh, empty in-memory stores; each call is independent of every other. */
export function createMemoryStores(): Stores {
  const catalog = new MemoryCatalogStore();
  const profiles = new MemoryProfileStore();
  const identity = new MemoryIdentityStore();
  return {
    catalog,
    tokens: new MemoryTokenStore(),
    profiles,
    identity,
    async close() {
      await Promise.all([catalog.close(), profiles.close(), identity.close()]);
    },
  };
}
