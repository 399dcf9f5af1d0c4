/**
 * Signals of one event call: key → values in arrival order (repeated keys and comma-serialised
 * values both add values). Keys are case-sensitive as sent (AAM: "trait rules must use the exact
 * key as sent"); values are decoded strings.
 */
export type SignalMap = ReadonlyMap<string, readonly string[]>;

/** A mutable signal map, used while parsing and merging derived or provider signals. */
export type MutableSignalMap = Map<string, string[]>;

/** Adds one value under a key, keeping arrival order. */
export function addSignal(map: MutableSignalMap, key: string, value: string): void {
  const values = map.get(key);
  if (values === undefined) map.set(key, [value]);
  else values.push(value);
}
