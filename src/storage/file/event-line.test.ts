import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../ports.js';
import { LineWriter, writeEventLine } from './event-line.js';

/**
 * What the line must be: JSON.stringify of the record, its signal map written as an object in the
 * map's order (an object would put integer-like keys first) without p_ keys, as UTF-8.
 */
function reference(r: EventRecord): Buffer {
  const signals = [...r.signals]
    .filter(([key]) => !key.startsWith('p_'))
    .map(([key, values]) => `${JSON.stringify(key)}:${JSON.stringify(values)}`)
    .join(',');
  // `"signals":{}` cannot occur inside a string before it: JSON escapes every quote there.
  const text = JSON.stringify({ ...r, signals: {} }).replace('"signals":{}', () => `"signals":{${signals}}`);
  return Buffer.from(text, 'utf8');
}

function line(r: EventRecord, initial = 16): Buffer {
  const w = new LineWriter(Buffer.alloc(initial), 3); // a non-empty buffer: the line starts at pos
  writeEventLine(w, r);
  return w.buf.subarray(3, w.pos);
}

// Every kind of string: ASCII, quotes and backslashes, controls, non-ASCII, lone surrogates.
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({
    unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', '\u007f', 'é', '\ud800', '\udc00', '😀'),
    maxLength: 6,
  }),
);
const num = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER));
const recordArb = fc.record(
  {
    ts: fc.oneof(fc.nat(), fc.constant(1_796_324_474_779)),
    tid: text,
    visitorId: text,
    signals: fc
      .array(
        fc.tuple(
          fc.oneof(text, fc.constantFrom('p_age', 'c_a', '__proto__', '7', '__proto__x')),
          fc.array(text, { maxLength: 3 }),
        ),
        { maxLength: 6 },
      )
      .map((entries) => new Map(entries)),
    traits: fc.array(num, { maxLength: 4 }),
    segments: fc.array(fc.nat(), { maxLength: 4 }),
    errors: fc.array(fc.nat({ max: 999 }), { maxLength: 2 }),
    partners: fc.dictionary(text, text, { maxKeys: 2 }),
  },
  { requiredKeys: ['ts', 'tid', 'signals', 'traits', 'segments', 'errors'] },
);

describe('event log line', () => {
  it('is byte for byte JSON.stringify of the record without p_ signals', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        expect(line(r).toString('hex')).toBe(reference(r).toString('hex'));
      }),
      { numRuns: 3000 },
    );
  });

  it("writes the benchmark's record, growing the buffer, and leaves p_ keys out", () => {
    const r: EventRecord = {
      ts: 1_796_324_474_779,
      tid: '3PgTN99XWnIU',
      visitorId: '10000000000000000000000000000000001234',
      signals: new Map([
        ['d_orgid', ['ABC@AdobeOrg']],
        ['p_age', ['41']],
        ['c_tags', ['football', 'league']],
        ['c_q', ['say "hi"']],
      ]),
      traits: [1001, 1002],
      segments: [2001],
      errors: [],
    };
    expect(line(r, 1).toString()).toBe(
      '{"ts":1796324474779,"tid":"3PgTN99XWnIU","visitorId":"10000000000000000000000000000000001234",' +
        '"signals":{"d_orgid":["ABC@AdobeOrg"],"c_tags":["football","league"],"c_q":["say \\"hi\\""]},' +
        '"traits":[1001,1002],"segments":[2001],"errors":[]}',
    );
  });
});
