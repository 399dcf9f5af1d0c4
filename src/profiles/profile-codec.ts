/**
 * The stored form of a profile: a compact binary encoding instead of JSON text.
 *
 * Why: every event writes its visitor's profile, and on Node 20's V8 `JSON.stringify` of a
 * profile costs ≈ 84,000 instructions for 1 KB (callgrind): a generic walk of nested objects, and
 * a shortest-digits conversion of every millisecond timestamp. This encoder writes the known
 * fields in a fixed order, numbers as raw float64 (exact for every JS number), strings as
 * length-prefixed bytes, so the work is a handful of buffer writes per trait (docs/benchmarks.md,
 * "/event throughput"). It is also half the bytes of the JSON text.
 *
 * Layout (little-endian), after the format byte {@link FORMAT_V1}:
 *   flags u8 (bit 0 nextExpiry, 2 optedOut) · created f64 · seen f64 · sweptDay f64
 *   · [nextExpiry f64] [optedOut f64]
 *   · traits: n · n × (sid f64 · first f64 · last f64 · count f64 · expires f64 · days: m · m × (day f64, count f64))
 *   · segments: n · n × (sid f64 · since f64)
 *   · partners: n · n × (key str · flags u8 · fields present in {@link PARTNER_FIELDS} order)
 * where n, m are varints and str is a varint `(byteLength << 1) | utf8` followed by the bytes
 * (latin1 when every char is ASCII). `rev` is not encoded: stores keep it beside the profile.
 *
 * Decoding accepts the JSON text earlier versions stored (traits and segments as records keyed by
 * sid strings, and a `traitCount` now derived from the Map), so no migration rewrites old rows.
 * Every field of `Profile`, `TraitRealization` and `PartnerState` must be listed below: the
 * `satisfies` clauses make adding a field without encoding it a compile error.
 */
import type { PartnerState, Profile, TraitRealization } from './profile.js';

/** First byte of the binary form (JSON text starts with `{`). */
export const FORMAT_V1 = 0xa1;

/** The fields this codec writes, in order; `rev` is the store's. */
const PROFILE_FIELDS = {
  traits: true,
  segments: true,
  partners: true,
  created: true,
  seen: true,
  sweptDay: true,
  nextExpiry: true,
  optedOut: true,
  rev: false,
} as const satisfies Record<keyof Required<Profile>, boolean>;
void PROFILE_FIELDS;

const TRAIT_FIELDS = {
  first: true,
  last: true,
  count: true,
  expires: true,
  days: true,
} as const satisfies Record<keyof Required<TraitRealization>, true>;
void TRAIT_FIELDS;

/** Optional numeric fields of a partner state, in encoding order (bit i of its flags byte). */
const PARTNER_NUMBERS = ['syncedAt', 'answeredAt', 'freshUntil', 'calledAt', 'syncTriedAt'] as const;
const PARTNER_FIELDS = {
  uid: 'string',
  codes: 'strings',
  syncedAt: 'number',
  answeredAt: 'number',
  freshUntil: 'number',
  calledAt: 'number',
  syncTriedAt: 'number',
} as const satisfies Record<keyof Required<PartnerState>, 'string' | 'strings' | 'number'>;
void PARTNER_FIELDS;
const UID_BIT = 1 << 5;
const CODES_BIT = 1 << 6;

/** Thrown for bytes that are not a profile this codec wrote. */
export class ProfileDecodeError extends Error {}

class Writer {
  buf: Buffer;
  /** Over `buf`: `setFloat64` compiles to one store, where `Buffer#writeDoubleLE` copies byte by byte. */
  view: DataView;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.alloc(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  varint(v: number): void {
    this.ensure(5);
    this.pos = putVarint(this.buf, this.pos, v);
  }
  str(s: string): void {
    const n = s.length;
    let ascii = true;
    for (let i = 0; i < n; i++)
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    if (ascii) {
      this.varint(n << 1);
      this.ensure(n);
      for (let i = 0; i < n; i++) this.buf[this.pos++] = s.charCodeAt(i);
      return;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint((bytes << 1) | 1);
    this.ensure(bytes);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

/** Writes `v` as a varint at `buf[p]` (room checked by the caller: at most 5 bytes); returns the next position. */
function putVarint(buf: Buffer, p: number, v: number): number {
  while (v >= 0x80) {
    buf[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[p++] = v;
  return p;
}

/** One scratch writer reused by every encode (the store copies the bytes when it binds them). */
const scratch = new Writer(4096);

/**
 * The binary form of `profile`. The returned buffer is a view of a shared scratch area, valid
 * until the next call: bind or copy it before encoding another profile.
 */
export function encodeProfile(profile: Readonly<Profile>): Buffer {
  const w = scratch;
  // Traits and segments are written with the position in a local and one bounds check per trait
  // (or for all segments), not one per field: they are nearly all of a profile's bytes.
  w.pos = 0;
  w.ensure(2 + 5 * 8 + 5);
  let buf = w.buf;
  let view = w.view;
  let p = 0;
  buf[p++] = FORMAT_V1;
  const flags = (profile.nextExpiry !== undefined ? 1 : 0) | (profile.optedOut !== undefined ? 4 : 0);
  buf[p++] = flags;
  view.setFloat64(p, profile.created, true);
  view.setFloat64(p + 8, profile.seen, true);
  view.setFloat64(p + 16, profile.sweptDay, true);
  p += 24;
  if (profile.nextExpiry !== undefined) {
    view.setFloat64(p, profile.nextExpiry, true);
    p += 8;
  }
  if (profile.optedOut !== undefined) {
    view.setFloat64(p, profile.optedOut, true);
    p += 8;
  }
  p = putVarint(buf, p, profile.traits.size);

  for (const [sid, t] of profile.traits) {
    const days = t.days;
    w.pos = p;
    w.ensure(5 * 8 + 5 + 16 * days.length);
    buf = w.buf;
    view = w.view;
    view.setFloat64(p, sid, true);
    view.setFloat64(p + 8, t.first, true);
    view.setFloat64(p + 16, t.last, true);
    view.setFloat64(p + 24, t.count, true);
    view.setFloat64(p + 32, t.expires, true);
    p = putVarint(buf, p + 40, days.length);
    for (let i = 0; i < days.length; i++) {
      const d = days[i] as [number, number];
      view.setFloat64(p, d[0], true);
      view.setFloat64(p + 8, d[1], true);
      p += 16;
    }
  }

  w.pos = p;
  w.ensure(5 + 16 * profile.segments.size);
  buf = w.buf;
  view = w.view;
  p = putVarint(buf, p, profile.segments.size);
  for (const [sid, since] of profile.segments) {
    view.setFloat64(p, sid, true);
    view.setFloat64(p + 8, since, true);
    p += 16;
  }
  w.pos = p;

  const partners = profile.partners;
  let n = 0;
  for (const _ in partners) n++;
  w.varint(n);
  for (const key in partners) {
    const ps = partners[key] as PartnerState;
    w.str(key);
    let pf = 0;
    for (let i = 0; i < PARTNER_NUMBERS.length; i++)
      if (ps[PARTNER_NUMBERS[i] as (typeof PARTNER_NUMBERS)[number]] !== undefined) pf |= 1 << i;
    if (ps.uid !== undefined) pf |= UID_BIT;
    if (ps.codes !== undefined) pf |= CODES_BIT;
    w.u8(pf);
    for (const field of PARTNER_NUMBERS) {
      const v = ps[field];
      if (v !== undefined) w.f64(v);
    }
    if (ps.uid !== undefined) w.str(ps.uid);
    if (ps.codes !== undefined) {
      w.varint(ps.codes.length);
      for (const c of ps.codes) w.str(c);
    }
  }
  return w.buf.subarray(0, w.pos);
}

class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProfileDecodeError('truncated profile');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  varint(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8();
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new ProfileDecodeError('bad length');
  }
  str(): string {
    const h = this.varint();
    const n = Math.floor(h / 2);
    this.need(n);
    const s = this.buf.toString(h % 2 === 1 ? 'utf8' : 'latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/** A profile from its stored form: this codec's bytes, or the JSON text earlier versions wrote. */
export function decodeProfile(stored: Buffer | string): Profile {
  if (typeof stored === 'string') return fromJson(stored);
  const r = new Reader(stored);
  if (r.u8() !== FORMAT_V1) throw new ProfileDecodeError('unknown profile format');
  const flags = r.u8();
  const created = r.f64();
  const seen = r.f64();
  const sweptDay = r.f64();
  const traits = new Map<number, TraitRealization>();
  const segments = new Map<number, number>();
  const profile: Profile = { traits, segments, partners: {}, created, seen, sweptDay };
  if ((flags & 1) !== 0) profile.nextExpiry = r.f64();
  if ((flags & 4) !== 0) profile.optedOut = r.f64();

  let n = r.varint();
  for (let i = 0; i < n; i++) {
    const sid = r.f64();
    const first = r.f64();
    const last = r.f64();
    const count = r.f64();
    const expires = r.f64();
    const m = r.varint();
    const days: Array<[number, number]> = [];
    for (let j = 0; j < m; j++) days.push([r.f64(), r.f64()]);
    traits.set(sid, { first, last, count, expires, days });
  }
  n = r.varint();
  for (let i = 0; i < n; i++) {
    const sid = r.f64();
    segments.set(sid, r.f64());
  }
  n = r.varint();
  for (let i = 0; i < n; i++) {
    const key = r.str();
    const pf = r.u8();
    const p: PartnerState = {};
    for (let b = 0; b < PARTNER_NUMBERS.length; b++)
      if ((pf & (1 << b)) !== 0) p[PARTNER_NUMBERS[b] as (typeof PARTNER_NUMBERS)[number]] = r.f64();
    if ((pf & UID_BIT) !== 0) p.uid = r.str();
    if ((pf & CODES_BIT) !== 0) {
      const m = r.varint();
      const codes: string[] = [];
      for (let j = 0; j < m; j++) codes.push(r.str());
      p.codes = codes;
    }
    put(profile.partners, key, p);
  }
  if (r.pos !== stored.length) throw new ProfileDecodeError('trailing bytes after profile');
  return profile;
}

/** A profile from the JSON text of earlier versions (records keyed by sid strings). */
function fromJson(text: string): Profile {
  const raw = JSON.parse(text) as Omit<Profile, 'traits' | 'segments'> & {
    traits: Record<string, TraitRealization>;
    segments: Record<string, number>;
    traitCount?: number;
  };
  const { traits, segments, traitCount: _derived, ...rest } = raw;
  return {
    ...rest,
    traits: new Map(Object.entries(traits).map(([sid, r]) => [Number(sid), r])),
    segments: new Map(Object.entries(segments).map(([sid, since]) => [Number(sid), since])),
  };
}

/** `record[key] = value`, also for the key `__proto__` (an own property, as JSON.parse makes it). */
function put<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
