/**
 * The int32 arena the per-key index structures are laid out in (key-index.ts): each key's
 * automata, equality table and ranges are appended one after the other, so the lines a key's
 * lookups read sit together — on the same page or two — in one array whose header stays hot.
 */
export class ArenaBuilder {
  readonly data: number[] = [];

  freeze(): Int32Array {
    return Int32Array.from(this.data);
  }
}
