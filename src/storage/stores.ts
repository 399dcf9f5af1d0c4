/**
 * The set of stores the composition root builds and hands out (ARCHITECTURE.md "Ports and
 * adapters"). Deliberately imports no adapter: `src/app.ts` picks one and only it.
 */
import type { CatalogStore, IdentityStore, ProfileStore, TokenStore } from './ports.js';

/** Every storage port one backend provides, plus one `close` that releases them all. */
export interface Stores {
  catalog: CatalogStore;
  tokens: TokenStore;
  profiles: ProfileStore;
  identity: IdentityStore;
  /** Flushes pending writes (queued profile merges) and releases connections. Idempotent. */
  close(): Promise<void>;
}
