/**
 * The hashes of the admin tokens, held in memory for `/event`'s `d_debug` check. The hot path reads
 * nothing from storage: asking the token store per `d_debug` event made every such event (and every
 * forged `Authorization` header, which no cache of answers could stop) a storage read.
 *
 * Kept current two ways: `watch` wraps the token store so a token minted or revoked through it
 * (this process's admin API) is seen before the call returns, and the store is re-read every
 * `refreshMs` for tokens changed by another process (the `audex token` CLI, cluster workers). A
 * failed re-read keeps the last known set.
 */
import type { ApiToken, TokenStore } from '../storage/ports.js';

export class AdminTokenHashes {
  readonly #tokens: TokenStore;
  #hashes: ReadonlySet<string> = new Set();
  #timer: NodeJS.Timeout | undefined;
  /** Bumped per refresh: a re-read that started before a newer one finished is not applied. */
  #epoch = 0;

  private constructor(tokens: TokenStore) {
    this.#tokens = tokens;
  }

  /** Reads the admin tokens once and re-reads them every `refreshMs` (0: never; tests). */
  static async load(tokens: TokenStore, refreshMs = 1000): Promise<AdminTokenHashes> {
    const set = new AdminTokenHashes(tokens);
    await set.refresh();
    if (refreshMs > 0) {
      set.#timer = setInterval(() => void set.refresh().catch(() => undefined), refreshMs);
      set.#timer.unref();
    }
    return set;
  }

  /** True when `hash` (hex SHA-256) is an admin token's. */
  has(hash: string): boolean {
    return this.#hashes.has(hash);
  }

  /** Re-reads the admin tokens from the store. */
  async refresh(): Promise<void> {
    const epoch = ++this.#epoch;
    const all = await this.#tokens.list();
    if (epoch !== this.#epoch) return;
    this.#hashes = new Set(all.filter((t) => t.role === 'admin').map((t) => t.hash));
  }

  /** The token store, with `put` and `delete` refreshing this set before they resolve. */
  watch(): TokenStore {
    const tokens = this.#tokens;
    return {
      put: async (token: ApiToken) => {
        await tokens.put(token);
        await this.refresh();
      },
      delete: async (id: string) => {
        const deleted = await tokens.delete(id);
        await this.refresh();
        return deleted;
      },
      findByHash: (hash) => tokens.findByHash(hash),
      list: () => tokens.list(),
      count: () => tokens.count(),
    };
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
