/**
 * Listener set behind `CatalogStore.onChange`, shared by the catalog adapters so every backend
 * notifies the same way: after the change is committed, once per change.
 */

/** A set of change listeners; `emit` isolates a throwing listener from the others and from the writer. */
export class ChangeListeners {
  readonly #listeners = new Set<() => void>();

  /** Registers a listener; the returned function unregisters it. */
  add(listener: () => void): () => void {
    // Wrap so the same function registered twice is called twice and unsubscribes independently.
    const entry = (): void => listener();
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /**
   * Calls every listener. A listener's exception must not turn a committed change into a failed
   * call for the writer, so it is reported as a process warning instead of thrown.
   */
  emit(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'AudexCatalogListener');
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
