/**
 * A compact, immutable set of positive integer ids (TCF vendor ids) stored as a bit field: a
 * decoded TC string with ~1,000 vendor consents costs under 200 bytes instead of a `Set`'s tens of
 * kilobytes, which matters because decoded strings are kept in an LRU (see `tcf-decode.ts`).
 */
export class IdBitSet {
  readonly #bits: Uint8Array;
  /** Number of ids in the set. */
  readonly size: number;

  private constructor(bits: Uint8Array, size: number) {
    this.#bits = bits;
    this.size = size;
  }

  /** The empty set. */
  static readonly EMPTY = new IdBitSet(new Uint8Array(0), 0);

  /** Builds a set from ids; non-positive or non-integer ids are ignored (TCF ids start at 1). */
  static from(ids: Iterable<number>): IdBitSet {
    const valid: number[] = [];
    let max = 0;
    for (const id of ids) {
      if (!Number.isSafeInteger(id) || id < 1) continue;
      valid.push(id);
      if (id > max) max = id;
    }
    if (valid.length === 0) return IdBitSet.EMPTY;
    const bits = new Uint8Array((max >> 3) + 1);
    let size = 0;
    for (const id of valid) {
      const byte = id >> 3;
      const mask = 1 << (id & 7);
      if ((bits[byte]! & mask) === 0) size++;
      bits[byte]! |= mask;
    }
    return new IdBitSet(bits, size);
  }

  /** True when `id` is in the set; false for anything that is not a positive integer. */
  has(id: number): boolean {
    if (!Number.isSafeInteger(id) || id < 1) return false;
    const byte = this.#bits[id >> 3];
    return byte !== undefined && (byte & (1 << (id & 7))) !== 0;
  }
}
