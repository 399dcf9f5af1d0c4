import { TCString } from '@iabtcf/core';
import { describe, expect, it } from 'vitest';
import { createTcfDecoder, decodeTcString, hasBit, vendorHasPurposeConsent } from './tcf-decode.js';
import { makeTcString } from './tcf-test-strings.js';

const ALL_PURPOSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

describe('makeTcString', () => {
  it('encodes a TC string that @iabtcf/core decodes back to the same consents', () => {
    const s = makeTcString({ purposes: [1, 3, 4], vendors: [42, 755], cmpId: 31, vendorListVersion: 150 });
    const model = TCString.decode(s);
    expect(s.startsWith('C')).toBe(true);
    expect([...model.purposeConsents.values()].sort((a, b) => a - b)).toEqual([1, 3, 4]);
    expect([...model.vendorConsents.values()].sort((a, b) => a - b)).toEqual([42, 755]);
    expect(model.cmpId).toBe(31);
    expect(model.vendorListVersion).toBe(150);
    expect(model.policyVersion).toBe(4);
  });

  it('is reproducible when given a creation date', () => {
    const created = new Date('2025-03-01T12:00:00Z');
    const spec = { purposes: [1], vendors: [7], created };
    expect(makeTcString(spec)).toBe(makeTcString(spec));
  });

  it('rejects ids a TC string cannot hold', () => {
    expect(() => makeTcString({ purposes: [12], vendors: [] })).toThrow(RangeError);
    expect(() => makeTcString({ purposes: [1], vendors: [0] })).toThrow(RangeError);
  });
});

describe('decodeTcString', () => {
  it('keeps purpose and vendor consents and legitimate interests', () => {
    const tcf = decodeTcString(
      makeTcString({ purposes: [1, 3, 4], vendors: [42], legIntPurposes: [7, 10], legIntVendors: [99] }),
    );
    expect(tcf).toBeDefined();
    for (const p of ALL_PURPOSES) expect(hasBit(tcf!.purposeConsents, p)).toBe([1, 3, 4].includes(p));
    expect(hasBit(tcf!.purposeLegitimateInterests, 7)).toBe(true);
    expect(hasBit(tcf!.purposeLegitimateInterests, 3)).toBe(false);
    expect(tcf!.vendorConsents.has(42)).toBe(true);
    expect(tcf!.vendorConsents.has(99)).toBe(false);
    expect(tcf!.vendorLegitimateInterests.has(99)).toBe(true);
    expect(tcf!.cmpId).toBe(300);
    expect(tcf!.policyVersion).toBe(4);
  });

  it('reads publisher restrictions that take a purpose off consent for one vendor', () => {
    const tcf = decodeTcString(
      makeTcString({ purposes: [1, 3, 4], vendors: [42, 43], notAllowed: [{ vendor: 42, purpose: 3 }] }),
    )!;
    expect(vendorHasPurposeConsent(tcf, 42, 3)).toBe(false);
    expect(vendorHasPurposeConsent(tcf, 42, 1)).toBe(true);
    expect(vendorHasPurposeConsent(tcf, 43, 3)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['not base64url', '!!!'],
    ['one character', 'C'],
    ['truncated core segment', 'CQudjILQudjILEsABAEN'],
    ['TCF v1 string', 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA'],
    ['publisher segment only', 'YAAAAAAAAAAA'],
    ['cmpId 1 (invalid)', 'COtybn4Otybn4ABABBENAPCgAAAAAAAAAAAAAAAAAAA'],
    ['too long', `C${'A'.repeat(9000)}`],
  ])('returns undefined for an undecodable string (%s)', (_name, s) => {
    expect(decodeTcString(s)).toBeUndefined();
  });
});

describe('createTcfDecoder', () => {
  it('returns the cached decoding for a repeated string', () => {
    const decode = createTcfDecoder({ cacheSize: 2 });
    const s = makeTcString({ purposes: [1], vendors: [5] });
    const first = decode(s);
    expect(first).toBeDefined();
    expect(decode(s)).toBe(first);
  });

  it('caches failures as failures', () => {
    const decode = createTcfDecoder({ cacheSize: 2 });
    expect(decode('garbage')).toBeUndefined();
    expect(decode('garbage')).toBeUndefined();
  });

  it('decodes again after eviction, with the same result', () => {
    const decode = createTcfDecoder({ cacheSize: 1 });
    const a = makeTcString({ purposes: [1], vendors: [5] });
    const b = makeTcString({ purposes: [3], vendors: [6] });
    const first = decode(a);
    decode(b);
    const again = decode(a);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('works without a cache', () => {
    const decode = createTcfDecoder({ cacheSize: 0 });
    expect(decode(makeTcString({ purposes: [4], vendors: [8] }))?.vendorConsents.has(8)).toBe(true);
  });
});
