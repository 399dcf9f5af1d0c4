/**
 * A string's UTF-16 code units as a typed array, through a reusable scratch area.
 *
 * Why: V8 11's optimised code re-checks a string's representation on every `charCodeAt`, ≈ 25–50
 * instructions a character in a scanning loop (read off `--print-opt-code`; docs/benchmarks.md).
 * One copy by `Buffer#write` (native) and typed-array reads cost a fraction of that once a string
 * is longer than a dozen characters or so. The code units are exact, lone surrogates included.
 */
export class Utf16Scratch {
  #bytes: Buffer;
  #codes: Uint16Array;

  constructor(initialUnits = 4096) {
    this.#bytes = Buffer.allocUnsafeSlow(initialUnits * 2);
    this.#codes = new Uint16Array(this.#bytes.buffer, this.#bytes.byteOffset, initialUnits);
  }

  /**
   * `s`'s code units in `[0, s.length)` of the returned array: a view of the scratch area, valid
   * until the next call on this object.
   */
  codes(s: string): Uint16Array {
    if (s.length > this.#codes.length) {
      this.#bytes = Buffer.allocUnsafeSlow(s.length * 2);
      this.#codes = new Uint16Array(this.#bytes.buffer, this.#bytes.byteOffset, s.length);
    }
    this.#bytes.write(s, 0, 'utf16le');
    return this.#codes;
  }
}
