/**
 * Hash functions of the typed-array tables (key-index.ts, equality-index.ts, id-table.ts,
 * segment-lists.ts). Those tables are probed with values computed per event, so the hash is
 * computed in JavaScript: FNV-1a over UTF-16 units for strings, both 32-bit halves for ids, then
 * murmur3's finaliser so that the low bits (the table index) depend on every input bit.
 */

/** Hash of a string's UTF-16 units. */
export function hashString(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return mix(h);
}

/** Hash of an integer id (any number hashes to something; equal numbers hash equal, -0 as 0). */
export function hashId(id: number): number {
  return mix((id | 0) ^ Math.imul((id / 4294967296) | 0, 0x9e3779b1));
}

/** murmur3's 32-bit finaliser. */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
