/** In-memory `TokenStore`: tokens by id, looked up by their SHA-256 hash. */
import { AudexError } from '../../errors/registry.js';
import type { ApiToken, TokenStore } from '../ports.js';

export class MemoryTokenStore implements TokenStore {
  readonly #byId = new Map<string, ApiToken>();

  put(token: ApiToken): Promise<void> {
    for (const other of this.#byId.values()) {
      if (other.hash === token.hash && other.id !== token.id) {
        return Promise.reject(new AudexError('AUDEX_CONFLICT', 'a token with this hash already exists'));
      }
    }
    this.#byId.set(token.id, { ...token });
    return Promise.resolve();
  }

  findByHash(hash: string): Promise<ApiToken | undefined> {
    for (const token of this.#byId.values()) if (token.hash === hash) return Promise.resolve({ ...token });
    return Promise.resolve(undefined);
  }

  list(): Promise<ApiToken[]> {
    const tokens = [...this.#byId.values()].map((t) => ({ ...t }));
    tokens.sort((a, b) => a.createTime - b.createTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return Promise.resolve(tokens);
  }

  delete(id: string): Promise<boolean> {
    return Promise.resolve(this.#byId.delete(id));
  }

  count(): Promise<number> {
    return Promise.resolve(this.#byId.size);
  }
}
