/**
 * Holds the current {@link CatalogSnapshot} and swaps it when the catalog changes: immediately for
 * changes made through this process's store, and by polling the store's version counter for
 * changes made by other processes or nodes (ARCHITECTURE.md: "within a second").
 */
import type { CatalogStore } from '../storage/ports.js';
import { compileSnapshot, type CatalogSnapshot } from './snapshot.js';

export interface CatalogServiceOptions {
  /** Poll interval for changes made elsewhere, ms. Default 1000. */
  pollMs?: number;
  now?: () => number;
  onSwap?: (snapshot: CatalogSnapshot) => void;
  onError?: (err: unknown) => void;
}

export class CatalogService {
  #current: CatalogSnapshot;
  #reloading: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: () => void;

  private constructor(
    private readonly store: CatalogStore,
    initial: CatalogSnapshot,
    private readonly opts: CatalogServiceOptions,
  ) {
    this.#current = initial;
    this.#unsubscribe = store.onChange(() => void this.reload());
    const pollMs = opts.pollMs ?? 1000;
    if (pollMs > 0) {
      this.#timer = setInterval(() => void this.#poll(), pollMs);
      this.#timer.unref();
    }
  }

  static async start(store: CatalogStore, opts: CatalogServiceOptions = {}): Promise<CatalogService> {
    const now = opts.now ?? Date.now;
    const version = await store.version();
    const snapshot = compileSnapshot(await store.loadAll(), version, now());
    return new CatalogService(store, snapshot, opts);
  }

  /** The snapshot to use for one event: read once at the start of the event, never re-read mid-event. */
  get current(): CatalogSnapshot {
    return this.#current;
  }

  /** Recompiles from storage; concurrent calls coalesce into at most one extra reload. */
  reload(): Promise<void> {
    if (this.#reloading !== undefined) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      try {
        do {
          this.#again = false;
          const version = await this.store.version();
          const data = await this.store.loadAll();
          this.#current = compileSnapshot(data, version, (this.opts.now ?? Date.now)());
          this.opts.onSwap?.(this.#current);
        } while (this.#again);
      } catch (err) {
        this.opts.onError?.(err);
      } finally {
        this.#reloading = undefined;
      }
    })();
    return this.#reloading;
  }

  async #poll(): Promise<void> {
    try {
      if ((await this.store.version()) !== this.#current.version) await this.reload();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#unsubscribe();
  }
}
