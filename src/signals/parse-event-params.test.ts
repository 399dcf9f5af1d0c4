import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emptyEventParams } from './event-params.js';
import { parseEventParams } from './parse-event-params.js';

const LIMITS = { maxKeys: 200, maxValuesPerKey: 100, maxValueLength: 2048 };

function parse(raw: string) {
  const params = emptyEventParams();
  parseEventParams(raw, LIMITS, params);
  return params;
}
const codes = (raw: string) => parse(raw).errors.map((e) => e.code);

describe('parseEventParams: signals', () => {
  it('reads prefixed and unprefixed keys, repeated keys and comma-serialised values', () => {
    const p = parse(
      'c_section=sports&c_tag=a,b&c_tag=c&product=camera&p_age=31&h_referer=https%3A%2F%2Fx.example%2F',
    );
    expect(Object.fromEntries(p.signals)).toEqual({
      c_section: ['sports'],
      c_tag: ['a', 'b', 'c'],
      product: ['camera'],
      p_age: ['31'],
      h_referer: ['https://x.example/'],
    });
    expect(p.errors).toEqual([]);
  });

  it('keeps an encoded comma inside a value and a quoted value whole', () => {
    const p = parse('c_a=x%2Cy&age="41 to 55"&c_q=%2241,55%22');
    expect(p.signals.get('c_a')).toEqual(['x,y']);
    expect(p.signals.get('age')).toEqual(['41 to 55']);
    expect(p.signals.get('c_q')).toEqual(['41,55']);
  });

  it('decodes + as a space (form encoding) and drops empty values', () => {
    const p = parse('c_a=hello+world&c_b=&c_c=,,x');
    expect(p.signals.get('c_a')).toEqual(['hello world']);
    expect(p.signals.has('c_b')).toBe(false);
    expect(p.signals.get('c_c')).toEqual(['x']);
  });

  it('ignores the whole request on a malformed escape (311)', () => {
    const p = parse('c_a=1&c_b=%esid!&d_sid=5');
    expect(p.fatal?.code).toBe(311);
    expect(parse('c_%zz=1').fatal?.code).toBe(311);
    expect(parse('c_b=%25esid!').signals.get('c_b')).toEqual(['%esid!']);
  });

  it('drops invalid key names with 353 and unknown d_ keys with 352', () => {
    expect(codes('123=1&price!1=2&c_ok=1')).toEqual([353, 353]);
    expect(codes('d_bogus=1')).toEqual([352]);
    expect(parse('d_zx=12345&c_contextData.a.b=1').signals.get('d_zx')).toEqual(['12345']);
    expect(parse('c_contextData.a.b=1').signals.has('c_contextData.a.b')).toBe(true);
  });

  it('enforces key, value-count and value-length limits with one 354', () => {
    const params = emptyEventParams();
    parseEventParams('a1=1&a2=2&a3=3', { ...LIMITS, maxKeys: 2 }, params);
    expect([...params.signals.keys()]).toEqual(['a1', 'a2']);
    expect(params.errors.map((e) => e.code)).toEqual([354]);
    const p2 = emptyEventParams();
    parseEventParams(
      'k=1,2,3&k=4&long=' + 'x'.repeat(50),
      { ...LIMITS, maxValuesPerKey: 2, maxValueLength: 10 },
      p2,
    );
    expect(p2.signals.get('k')).toEqual(['1', '2']);
    expect(p2.signals.has('long')).toBe(false);
    expect(p2.errors.map((e) => e.code)).toEqual([354]);
  });
});

describe('parseEventParams: control keys', () => {
  it('reads reply options', () => {
    const p = parse('d_rtbd=json&d_cb=my.cb_1&d_dst=1&d_jsonv=0&d_cts=2&d_nsid=0&d_debug=1');
    expect(p).toMatchObject({
      rtbd: true,
      callback: 'my.cb_1',
      dst: true,
      jsonv: 0,
      cts: 2,
      nsid: '0',
      debug: true,
    });
  });

  it('accepts VisitorAPI-style indexed callbacks and rejects script injection', () => {
    expect(parse('d_cb=s_c_il%5B1%5D._setMarketingCloudFields').callback).toBe(
      's_c_il[1]._setMarketingCloudFields',
    );
    const bad = parse('d_cb=alert(1)//');
    expect(bad.callback).toBeUndefined();
    expect(bad.errors.map((e) => e.code)).toEqual([355]);
  });

  it('reads d_sid lists and reports non-numeric ids', () => {
    const p = parse('d_sid=1,2&d_sid=3&d_sid=x1');
    expect(p.sids).toEqual([1, 2, 3]);
    expect(p.errors.map((e) => e.code)).toEqual([350]);
  });

  it('validates d_uuid (38 digits)', () => {
    expect(parse('d_uuid=' + '1'.repeat(38)).uuid).toBe('1'.repeat(38));
    expect(codes('d_uuid=123')).toEqual([102]);
  });

  it('reads declared ids in every form, with authState', () => {
    const p = parse('d_cid=123%01abc%011&d_cid_ic=crm%01u-1&d_dpid=77&d_dpuuid=p9');
    expect(p.declared).toEqual([
      { dpid: 123, id: 'abc', authState: 1 },
      { ic: 'crm', id: 'u-1', authState: 0 },
      { dpid: 77, id: 'p9', authState: 0 },
    ]);
  });

  it('enforces declared-id limits: 300 invalid, 301+309 over ten, 310 over three per data source', () => {
    expect(codes('d_cid=abc%01x')).toEqual([300]);
    expect(codes('d_cid=1%01a:b')).toEqual([300]);
    const perDpid = Array.from({ length: 4 }, (_, i) => `d_cid=5%01id${i}`).join('&');
    expect(codes(perDpid)).toEqual([310]);
    const many = Array.from({ length: 12 }, (_, i) => `d_cid=${i}%01id${i}`).join('&');
    expect(codes(many)).toEqual([301, 309, 309]);
    expect(parse(many).declared).toHaveLength(10);
  });

  it('reads consent parameters and keeps them out of signals', () => {
    const p = parse('gdpr=1&gdpr_consent=CPabc&gpp=DBA&gpp_sid=7,8&us_privacy=1YNN');
    expect(p.consent).toEqual({
      gdpr: 1,
      gdprConsent: 'CPabc',
      gpp: 'DBA',
      gppSid: [7, 8],
      usPrivacy: '1YNN',
    });
    expect(p.signals.size).toBe(0);
  });
});

describe('parseEventParams: never throws', () => {
  it('handles any string without throwing, and a fatal parse yields no signals applied downstream', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (raw) => {
        const p = parse(raw);
        for (const [k, values] of p.signals) {
          expect(k).toMatch(/^[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_.-]*$/);
          for (const v of values) expect(v.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any encoded key-values', () => {
    const key = fc.stringMatching(/^c_[a-z][a-z0-9_]{0,10}$/);
    const value = fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((v) => !v.includes(',') && v.trim() === v && !v.startsWith('"'));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 10 }), (dict) => {
        const raw = Object.entries(dict)
          .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
          .join('&');
        const p = parse(raw);
        expect(p.fatal).toBeUndefined();
        expect(Object.fromEntries([...p.signals].map(([k, v]) => [k, v[0]]))).toEqual(dict);
      }),
    );
  });
});

describe('parseEventParams: plain and percent-encoded pairs read the same', () => {
  // The scanner cuts a plain pair straight from the text and checks a plain key's name as it
  // scans; a pair with an escape is decoded and its key checked with the AAM key regex. Encoding
  // every character (but the value's separating commas) must change nothing in what is read.
  const keyChar = fc.constantFrom(...'abcXYZ09_-.!~ é'.split(''), 'd_', 'c_', 'p_');
  const valueChar = fc.constantFrom(...'ab19,"=.!~ é\u0001-_'.split(''));
  const key = fc.oneof(
    fc.constantFrom('d_sid', 'd_rtbd', 'd_cb', 'd_cid', 'd_cid_ic', 'd_uuid', 'd_zx', 'd_bogus', 'gdpr'),
    fc.constantFrom('gpp_sid', 'ts', 'd_dpid', 'd_dpuuid', 'c_section'),
    fc.array(keyChar, { maxLength: 8 }).map((cs) => cs.join('')),
  );
  const value = fc.array(valueChar, { maxLength: 10 }).map((cs) => cs.join(''));
  const pairs = fc.array(fc.tuple(key, fc.option(value, { nil: undefined })), { maxLength: 8 });
  const encodeAll = (s: string) =>
    [...s].map((ch) => (ch === ',' ? ',' : encodeURIComponent(ch).replace(/^[^%]/, (c) => hex(c)))).join('');
  const hex = (ch: string) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`;
  const text = (ps: Array<[string, string | undefined]>, enc: (s: string) => string) =>
    ps.map(([k, v]) => (v === undefined ? enc(k) : `${enc(k)}=${enc(v)}`)).join('&');
  const view = (raw: string) => {
    const p = parse(raw);
    return { ...p, signals: [...p.signals] };
  };

  it('holds for random keys and values', () => {
    fc.assert(
      fc.property(pairs, (ps) => {
        expect(view(text(ps, encodeAll))).toEqual(view(text(ps, (s) => s)));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads the benchmark query the same plain and encoded', () => {
    const raw = 'd_orgid=ABC%40AdobeOrg&c_tags=football,league&d_sid=1001,1002&c_x.y=1&.c=2&c_q="a,b"';
    const p = view(raw);
    expect(p.signals).toEqual([
      ['d_orgid', ['ABC@AdobeOrg']],
      ['c_tags', ['football', 'league']],
      ['c_x.y', ['1']],
      ['c_q', ['a,b']],
    ]);
    expect(p.sids).toEqual([1001, 1002]);
    expect(p.errors.map((e) => e.code)).toEqual([353]);
  });
});

describe('parseEventParams: reply format after 311', () => {
  it('still honours d_rtbd=json and a valid d_cb so the caller can read the error', () => {
    const p = parse('c_%zz=1&d_rtbd=json&d_cb=cb1');
    expect(p.fatal?.code).toBe(311);
    expect(p.rtbd).toBe(true);
    expect(p.callback).toBe('cb1');
    expect(parse('d_cb=alert(1)&c_a=%zz').callback).toBeUndefined();
  });
});
