import { describe, expect, it } from 'vitest';
import { parseConsent } from './consent.js';
import { createTcfDecoder } from './tcf-decode.js';
import { makeTcString } from './tcf-test-strings.js';

const tc = makeTcString({ purposes: [1, 3, 4], vendors: [42] });

describe('parseConsent', () => {
  it('decodes the TC string when gdpr=1', () => {
    const consent = parseConsent({ gdpr: 1, gdprConsent: tc });
    expect(consent.gdprApplies).toBe(true);
    expect(consent.tcfValid).toBe(true);
    expect(consent.tcf?.vendorConsents.has(42)).toBe(true);
  });

  it('marks a missing TC string under gdpr=1 as invalid', () => {
    const consent = parseConsent({ gdpr: 1 });
    expect(consent).toMatchObject({ gdprApplies: true, tcfValid: false });
    expect(consent.tcf).toBeUndefined();
  });

  it('marks an undecodable TC string under gdpr=1 as invalid', () => {
    expect(parseConsent({ gdpr: 1, gdprConsent: 'CPnotastring' })).toMatchObject({ tcfValid: false });
  });

  it('does not decode when GDPR does not apply', () => {
    const consent = parseConsent({ gdpr: 0, gdprConsent: tc });
    expect(consent).toMatchObject({ gdprApplies: false, tcfValid: false });
    expect(consent.tcf).toBeUndefined();
  });

  it('treats an absent gdpr as not applicable by default', () => {
    expect(parseConsent({}).gdprApplies).toBe(false);
    expect(parseConsent({}, { gdprDefault: 'not-applies' }).gdprApplies).toBe(false);
  });

  it('treats an absent gdpr as gdpr=1 when the operator says GDPR applies', () => {
    const consent = parseConsent({ gdprConsent: tc }, { gdprDefault: 'applies' });
    expect(consent).toMatchObject({ gdprApplies: true, tcfValid: true });
    expect(consent.regs.gdpr).toBe(1);
  });

  it('lets an explicit gdpr=0 win over gdprDefault "applies"', () => {
    expect(parseConsent({ gdpr: 0 }, { gdprDefault: 'applies' }).gdprApplies).toBe(false);
  });

  it('forwards every regulatory signal as sent', () => {
    const consent = parseConsent({
      gdpr: 1,
      gdprConsent: tc,
      gpp: 'DBABMA~CPXxRfAPXxRfAAfKABENB',
      gppSid: [2, 7],
      usPrivacy: '1YNN',
    });
    expect(consent.regs).toEqual({
      gdpr: 1,
      gdprConsent: tc,
      gpp: 'DBABMA~CPXxRfAPXxRfAAfKABENB',
      gppSid: [2, 7],
      usPrivacy: '1YNN',
    });
  });

  it('forwards the consent string even when it does not decode, and omits absent signals', () => {
    expect(parseConsent({ gdpr: 1, gdprConsent: 'junk' }).regs).toEqual({ gdpr: 1, gdprConsent: 'junk' });
    expect(parseConsent({}).regs).toEqual({});
  });

  it('uses the decoder it is given', () => {
    const decoder = createTcfDecoder({ cacheSize: 4 });
    const a = parseConsent({ gdpr: 1, gdprConsent: tc }, { decoder });
    const b = parseConsent({ gdpr: 1, gdprConsent: tc }, { decoder });
    expect(b.tcf).toBe(a.tcf);
  });
});
