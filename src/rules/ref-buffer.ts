/**
 * A growable list of small integers (rule refs, segment indexes, automaton hits) that the hot path
 * reuses from one event to the next. An `Int32Array` plus a length: once it has grown to the
 * largest event seen, pushing allocates nothing — where a `number[]` emptied with `length = 0`
 * gives its backing store back to the heap and regrows it on every event.
 */
export class RefBuffer {
  data: Int32Array;
  length = 0;

  constructor(capacity = 64) {
    this.data = new Int32Array(capacity);
  }

  push(ref: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = ref;
  }

  /** Appends `refs[from..to)`. */
  pushRange(refs: Int32Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.length + n > this.data.length) this.grow(this.length + n);
    const data = this.data;
    let at = this.length;
    // A plain loop: posting lists are short, where `set` would cost a subarray view and a native call.
    for (let k = from; k < to; k++) data[at++] = refs[k] as number;
    this.length = at;
  }

  /** Appends every element of `refs`. */
  pushAll(refs: Int32Array): void {
    this.pushRange(refs, 0, refs.length);
  }

  clear(): void {
    this.length = 0;
  }

  /** Sorts the contents ascending in place (insertion sort: per-event lists are short and nearly sorted). */
  sortAscending(): void {
    const data = this.data;
    const n = this.length;
    if (n > 64) {
      data.subarray(0, n).sort();
      return;
    }
    for (let i = 1; i < n; i++) {
      const x = data[i] as number;
      let j = i - 1;
      while (j >= 0 && (data[j] as number) > x) {
        data[j + 1] = data[j] as number;
        j--;
      }
      data[j + 1] = x;
    }
  }

  private grow(min: number): void {
    let size = Math.max(8, this.data.length * 2);
    while (size < min) size *= 2;
    const next = new Int32Array(size);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}
