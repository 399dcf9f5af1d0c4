/**
 * Aho-Corasick over UTF-16 code units: finds every occurrence of any of a key's literals in one
 * pass over a value, so a key with hundreds of `contains`/`startswith`/`endswith` rules costs one
 * scan per value instead of one `includes` per rule. Code units, not code points, so a hit is
 * exactly `value.includes(literal)` at that place (docs/rules.md: strings compare by UTF-16 units).
 *
 * The automaton is stored as a full DFA table over the literals' own alphabet (one column per
 * distinct code unit, column 0 for every other unit, which always leads back to the root): one
 * typed-array read per character and a small footprint, because per event the table is read cold
 * (profiling showed hash-map transitions with failure walks costing ~1 µs per value).
 */

export class LiteralAutomaton {
  /** `table[state * width + column]` = next state. */
  private readonly table: Int32Array;
  private readonly width: number;
  /** Column of each ASCII code unit; other units through `wideColumn`. */
  private readonly asciiColumn = new Uint16Array(128);
  private readonly wideColumn = new Map<number, number>();
  /** Literal ids ending at each state, own and inherited through failure links. */
  private readonly out: Array<number[] | undefined> = [undefined];
  private readonly lengths: number[] = [];
  /** Ids of empty literals: they occur in every value. */
  private readonly empty: number[] = [];

  /** Builds the automaton; a literal's id is its index in `literals`. */
  constructor(literals: readonly string[]) {
    const trie: Array<Map<number, number>> = [new Map()];
    literals.forEach((literal, id) => {
      this.lengths.push(literal.length);
      if (literal.length === 0) {
        this.empty.push(id);
        return;
      }
      let state = 0;
      for (let i = 0; i < literal.length; i++) {
        const unit = literal.charCodeAt(i);
        if (this.columnOf(unit) === 0) this.setColumn(unit, this.wideColumn.size + this.asciiCount() + 1);
        const edges = trie[state] as Map<number, number>;
        let to = edges.get(unit);
        if (to === undefined) {
          to = trie.length;
          trie.push(new Map());
          this.out.push(undefined);
          edges.set(unit, to);
        }
        state = to;
      }
      (this.out[state] ??= []).push(id);
    });
    this.width = this.wideColumn.size + this.asciiCount() + 1;
    this.table = new Int32Array(trie.length * this.width);
    this.fill(trie);
  }

  /**
   * Calls `hit(id, end)` for each occurrence of a literal ending just before index `end` of
   * `text` (so it starts at `end - length(id)`). Empty literals are reported once, at `end = 0`.
   */
  scan(text: string, hit: (id: number, end: number) => void): void {
    for (let k = 0; k < this.empty.length; k++) hit(this.empty[k] as number, 0);
    const table = this.table;
    const width = this.width;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      const column = unit < 128 ? (this.asciiColumn[unit] as number) : (this.wideColumn.get(unit) ?? 0);
      state = table[state * width + column] as number;
      const ids = this.out[state];
      if (ids !== undefined) for (let k = 0; k < ids.length; k++) hit(ids[k] as number, i + 1);
    }
  }

  /** Length of literal `id`. */
  lengthOf(id: number): number {
    return this.lengths[id] as number;
  }

  private columnOf(unit: number): number {
    return unit < 128 ? (this.asciiColumn[unit] as number) : (this.wideColumn.get(unit) ?? 0);
  }

  private setColumn(unit: number, column: number): void {
    if (unit < 128) this.asciiColumn[unit] = column;
    else this.wideColumn.set(unit, column);
  }

  private asciiCount(): number {
    let n = 0;
    for (const c of this.asciiColumn) if (c !== 0) n++;
    return n;
  }

  /**
   * Breadth-first: each state's row is its failure state's row with its own edges on top (the
   * failure state is shallower, so its row is already complete); outputs are inherited likewise.
   */
  private fill(trie: ReadonlyArray<Map<number, number>>): void {
    const fail = new Int32Array(trie.length);
    const queue: number[] = [0];
    for (let q = 0; q < queue.length; q++) {
      const state = queue[q] as number;
      const row = state * this.width;
      const failure = fail[state] as number;
      if (state !== 0) {
        this.table.copyWithin(row, failure * this.width, failure * this.width + this.width);
        const inherited = this.out[failure];
        if (inherited !== undefined) this.out[state] = [...(this.out[state] ?? []), ...inherited];
      }
      for (const [unit, to] of trie[state] as Map<number, number>) {
        const column = this.columnOf(unit);
        // The child's failure state: where the parent's failure state goes on this unit (root's children fail to root).
        fail[to] = state === 0 ? 0 : (this.table[failure * this.width + column] as number);
        this.table[row + column] = to;
        queue.push(to);
      }
    }
  }
}
