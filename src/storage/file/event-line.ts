/**
 * An event record as its NDJSON line, written straight into the event log's byte buffer: the
 * bytes of `JSON.stringify` of the record with its signal map as an object (keys in the map's
 * order) and without `p_` signals, UTF-8 encoded.
 *
 * Why not `JSON.stringify` then `Buffer#write`: on Node 20's V8 the stringifier walks each of the
 * record's objects and arrays generically (a `toJSON` lookup on every one) and escapes strings
 * character by character, and the resulting string is then copied again into the buffer; building
 * the text with string concatenation instead costs as much (one builtin call per piece). With the
 * record object, that was ≈ 12 % of an `/event`'s instructions (docs/benchmarks.md). Here an ASCII
 * string that needs no escape — nearly all of them — is copied byte by byte as it is checked; any
 * other string goes through `JSON.stringify` itself, so the escaping is exactly JSON's.
 */
import type { EventRecord } from '../ports.js';

/** A growable byte buffer: `buf[0, pos)` is written. */
export class LineWriter {
  constructor(
    public buf: Buffer,
    public pos: number,
  ) {}

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** `text`, known to be ASCII with nothing to escape (the line's own punctuation). */
  raw(text: string): void {
    this.ensure(text.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < text.length; i++) buf[p++] = text.charCodeAt(i);
    this.pos = p;
  }

  /** `s` as a JSON string. */
  str(s: string): void {
    const n = s.length;
    this.ensure(n + 2);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    buf[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // Controls, `"`, `\` and anything past ASCII: JSON's own escaping and UTF-8 encoding.
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) {
        this.pos = start;
        return this.json(s);
      }
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** `JSON.stringify(value)`, UTF-8 encoded. */
  json(value: unknown): void {
    const text = JSON.stringify(value);
    this.ensure(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** `n` as JSON writes it (`null` when not finite). */
  num(n: number): void {
    if (Number.isSafeInteger(n) && n >= 0) {
      let digits = 1;
      for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
      this.ensure(digits);
      let p = this.pos + digits;
      this.pos = p;
      let t = n;
      do {
        this.buf[--p] = 0x30 + (t % 10);
        t = Math.floor(t / 10);
      } while (t > 0);
      return;
    }
    this.raw(Number.isFinite(n) ? String(n) : 'null');
  }

  /** `xs` as a JSON array of strings. */
  strs(xs: readonly string[]): void {
    this.raw('[');
    for (let i = 0; i < xs.length; i++) {
      if (i > 0) this.raw(',');
      this.str(xs[i] as string);
    }
    this.raw(']');
  }

  nums(xs: readonly number[]): void {
    this.raw('[');
    for (let i = 0; i < xs.length; i++) {
      if (i > 0) this.raw(',');
      this.num(xs[i] as number);
    }
    this.raw(']');
  }
}

/** Writes the record's NDJSON line (without the newline) at `w.pos`; `p_` signals left out. */
export function writeEventLine(w: LineWriter, r: EventRecord): void {
  w.raw('{"ts":');
  w.num(r.ts);
  w.raw(',"tid":');
  w.str(r.tid);
  if (r.visitorId !== undefined) {
    w.raw(',"visitorId":');
    w.str(r.visitorId);
  }
  w.raw(',"signals":{');
  // `forEach`, not `for…of`: the loop allocated an entry and an iterator result per signal.
  r.signals.forEach(writeSignal, w);
  w.raw('},"traits":');
  w.nums(r.traits);
  w.raw(',"segments":');
  w.nums(r.segments);
  w.raw(',"errors":');
  w.nums(r.errors);
  if (r.partners !== undefined) {
    w.raw(',"partners":');
    w.json(r.partners);
  }
  w.raw('}');
}

/** One signal as `"key":["v",…]` (comma-separated from the one before); `p_` keys left out. */
function writeSignal(this: LineWriter, values: readonly string[], key: string): void {
  if (key.startsWith('p_')) return;
  // The byte before is `{` only for the first signal written.
  if (this.buf[this.pos - 1] !== 0x7b) this.raw(',');
  this.str(key);
  this.raw(':');
  this.strs(values);
}
