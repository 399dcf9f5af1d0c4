/**
 * A bounded map that forgets its least recently used entry: enough for memoising decoded consent
 * strings without a dependency. Relies on `Map` keeping insertion order, so "touch" = delete and
 * re-insert, and the oldest entry is the first key.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;

  /** @param capacity maximum number of entries (at least 1). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`LRU capacity must be ≥ 1, got ${capacity}`);
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Whether `key` is cached; does not count as a use. */
  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** The cached value, marking it most recently used; undefined when absent. */
  get(key: K): V | undefined {
    if (!this.#map.has(key)) return undefined;
    const value = this.#map.get(key) as V;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** Stores `value` as most recently used, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }
}
