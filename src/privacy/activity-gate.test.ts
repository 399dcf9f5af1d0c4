import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayCallPartner, mayTarget, partnerFields } from './activity-gate.js';
import type { EventPrivacyInput, PartnerPrivacySettings } from './activity-gate.js';
import { parseConsent } from './consent.js';
import type { Consent } from './consent.js';
import { decodeTcString, hasBit } from './tcf-decode.js';
import { makeTcString } from './tcf-test-strings.js';

const VENDOR = 42;
const partner = { tcfVendorId: VENDOR };
const gdpr = (purposes: number[], vendors: number[] = [VENDOR]): Consent =>
  parseConsent({ gdpr: 1, gdprConsent: makeTcString({ purposes, vendors }) });

describe('mayCallPartner', () => {
  it('allows a call when Purposes 1 and 3 and the vendor are granted', () => {
    expect(mayCallPartner(gdpr([1, 3, 4]), partner, false)).toEqual({ allowed: true });
  });

  it.each([
    ['Purpose 1 missing', [3, 4], [VENDOR], 'gdpr-purpose-1'],
    ['Purpose 3 missing', [1, 4], [VENDOR], 'gdpr-purpose-3'],
    ['vendor missing', [1, 3, 4], [7], 'gdpr-vendor'],
    ['nothing granted', [], [], 'gdpr-purpose-1'],
  ] as const)('refuses when %s', (_name, purposes, vendors, reason) => {
    expect(mayCallPartner(gdpr([...purposes], [...vendors]), partner, false)).toEqual({
      allowed: false,
      reason,
    });
  });

  it('refuses when a publisher restriction forbids Purpose 3 for this vendor', () => {
    const consent = parseConsent({
      gdpr: 1,
      gdprConsent: makeTcString({
        purposes: [1, 3, 4],
        vendors: [VENDOR],
        notAllowed: [{ vendor: VENDOR, purpose: 3 }],
      }),
    });
    expect(mayCallPartner(consent, partner, false)).toEqual({ allowed: false, reason: 'gdpr-purpose-3' });
  });

  it('fails closed on a missing or undecodable TC string', () => {
    expect(mayCallPartner(parseConsent({ gdpr: 1 }), partner, false)).toEqual({
      allowed: false,
      reason: 'gdpr-no-consent-string',
    });
    expect(mayCallPartner(parseConsent({ gdpr: 1, gdprConsent: 'CO-garbage' }), partner, false)).toEqual({
      allowed: false,
      reason: 'gdpr-no-consent-string',
    });
  });

  it('refuses a partner without a GVL vendor id under GDPR', () => {
    expect(mayCallPartner(gdpr([1, 3, 4]), {}, false)).toEqual({
      allowed: false,
      reason: 'gdpr-no-vendor-id',
    });
    expect(mayCallPartner(gdpr([1, 3, 4]), { tcfVendorId: 0 }, false)).toMatchObject({
      reason: 'gdpr-no-vendor-id',
    });
  });

  it('allows any partner when GDPR does not apply', () => {
    expect(mayCallPartner(parseConsent({ gdpr: 0 }), {}, false)).toEqual({ allowed: true });
    expect(mayCallPartner(parseConsent({}), partner, false)).toEqual({ allowed: true });
  });

  it('applies GDPR to an absent gdpr when the operator says so', () => {
    const consent = parseConsent({}, { gdprDefault: 'applies' });
    expect(mayCallPartner(consent, partner, false)).toMatchObject({ reason: 'gdpr-no-consent-string' });
  });

  it('never calls for an opted-out visitor, whatever the consent', () => {
    expect(mayCallPartner(gdpr([1, 3, 4]), partner, true)).toEqual({ allowed: false, reason: 'opted-out' });
    expect(mayCallPartner(parseConsent({ gdpr: 0 }), partner, true)).toEqual({
      allowed: false,
      reason: 'opted-out',
    });
  });
});

describe('mayTarget', () => {
  it('needs Purpose 4 under GDPR', () => {
    expect(mayTarget(gdpr([1, 3, 4]))).toBe(true);
    expect(mayTarget(gdpr([1, 3]))).toBe(false);
  });

  it('fails closed without a valid TC string', () => {
    expect(mayTarget(parseConsent({ gdpr: 1 }))).toBe(false);
    expect(mayTarget(parseConsent({ gdpr: 1, gdprConsent: '###' }))).toBe(false);
  });

  it('allows targeting when GDPR does not apply, unless the visitor opted out', () => {
    expect(mayTarget(parseConsent({ gdpr: 0 }))).toBe(true);
    expect(mayTarget(parseConsent({ gdpr: 0 }), true)).toBe(false);
  });
});

describe('partnerFields', () => {
  const event: EventPrivacyInput = {
    visitorId: '59761234567890123456789012345678908252',
    partnerUid: 'p-77',
    signals: new Map([
      ['c_section', ['sports']],
      ['c_lang', ['pt']],
      ['c_secret', ['x']],
      ['p_email', ['a@example.com']],
      ['P_upper', ['y']],
      ['h_x-forwarded-for', ['203.0.113.77']],
      ['d_mid', ['1234']],
      ['__proto__', ['polluted']],
    ]),
    pageUrl: 'https://site.example/article/1',
    referrer: 'https://search.example/',
    ua: 'Mozilla/5.0',
    ip: '203.0.113.77',
    acceptLanguage: 'pt-BR,pt;q=0.9,en;q=0.8',
  };
  const open = parseConsent({ gdpr: 0, gpp: 'DBABMA~1YNN', gppSid: [6], usPrivacy: '1YNN' });

  it('sends only the partner id and regs by default', () => {
    expect(partnerFields(open, {}, event)).toEqual({
      user: { partnerUid: 'p-77' },
      signals: {},
      page: {},
      device: {},
      regs: { gdpr: 0, gpp: 'DBABMA~1YNN', gppSid: [6], usPrivacy: '1YNN' },
    });
  });

  it('sends each opt-in field when enabled, with the IP truncated', () => {
    const all: PartnerPrivacySettings = {
      sendVisitorId: true,
      sendPageUrl: true,
      sendIp: true,
      sendUserAgent: true,
    };
    expect(partnerFields(open, all, event)).toMatchObject({
      user: { partnerUid: 'p-77', visitorId: event.visitorId },
      page: { url: event.pageUrl, ref: event.referrer },
      device: { ua: 'Mozilla/5.0', ip: '203.0.113.0', lang: 'pt-BR' },
    });
  });

  it('truncates an IPv6 address to /48', () => {
    const fields = partnerFields(
      open,
      { sendIp: true },
      { ...event, ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348' },
    );
    expect(fields.device).toEqual({ ip: '2001:db8:85a3::' });
  });

  it('drops an IP address it cannot parse rather than forwarding it', () => {
    expect(partnerFields(open, { sendIp: true }, { ...event, ip: 'unknown' }).device).toEqual({});
  });

  it('sends only allow-listed signals and never p_ or h_ keys', () => {
    const signalKeys = [
      'c_section',
      'c_lang',
      'c_absent',
      'p_email',
      'P_upper',
      'h_x-forwarded-for',
      '__proto__',
    ];
    const { signals } = partnerFields(open, { signalKeys }, event);
    expect(signals).toEqual({ c_section: ['sports'], c_lang: ['pt'], ['__proto__']: ['polluted'] });
    expect(Object.getPrototypeOf(signals)).toBe(Object.prototype);
  });

  it('sends the d_mid identifier signal only to a partner allowed the visitor id', () => {
    expect(partnerFields(open, { signalKeys: ['d_mid'] }, event).signals).toEqual({});
    expect(partnerFields(open, { signalKeys: ['d_mid'], sendVisitorId: true }, event).signals).toEqual({
      d_mid: ['1234'],
    });
  });

  it('sends nothing but regs when consent does not allow the call', () => {
    const noVendor = parseConsent({
      gdpr: 1,
      gdprConsent: makeTcString({ purposes: [1, 3, 4], vendors: [7] }),
    });
    const all: PartnerPrivacySettings = {
      tcfVendorId: VENDOR,
      sendVisitorId: true,
      sendPageUrl: true,
      sendIp: true,
      sendUserAgent: true,
      signalKeys: ['c_section'],
    };
    expect(partnerFields(noVendor, all, event)).toEqual({
      user: {},
      signals: {},
      page: {},
      device: {},
      regs: noVendor.regs,
    });
    const granted = gdpr([1, 3, 4]);
    expect(partnerFields(granted, all, event).signals).toEqual({ c_section: ['sports'] });
    expect(partnerFields(granted, all, event).regs).toMatchObject({
      gdpr: 1,
      gdprConsent: granted.regs.gdprConsent,
    });
  });
});

describe('mayCallPartner properties', () => {
  const purposeSet = fc.uniqueArray(fc.integer({ min: 1, max: 11 }), { maxLength: 11 });
  const vendorSet = fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 8 });
  const vendorId = fc.option(
    fc.oneof({ arbitrary: fc.integer({ min: 1, max: 12 }), weight: 4 }, fc.integer(), fc.double()),
    { nil: undefined },
  );

  it('with gdpr=1 and a valid string, allows exactly when P1, P3 and the vendor are granted', () => {
    fc.assert(
      fc.property(
        purposeSet,
        vendorSet,
        fc.integer({ min: 1, max: 12 }),
        (purposes, vendors, tcfVendorId) => {
          const consent = parseConsent({ gdpr: 1, gdprConsent: makeTcString({ purposes, vendors }) });
          const expected = purposes.includes(1) && purposes.includes(3) && vendors.includes(tcfVendorId);
          expect(mayCallPartner(consent, { tcfVendorId }, false).allowed).toBe(expected);
          expect(mayTarget(consent)).toBe(purposes.includes(4));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws and, under GDPR, allows only with P1, P3 and vendor consent (real strings)', () => {
    fc.assert(
      fc.property(
        purposeSet,
        vendorSet,
        vendorId,
        fc.constantFrom<0 | 1 | undefined>(0, 1, undefined),
        fc.constantFrom('valid', 'absent', 'garbage'),
        fc.string(),
        fc.boolean(),
        (purposes, vendors, tcfVendorId, gdprParam, kind, garbage, optedOut) => {
          const gdprConsent =
            kind === 'valid' ? makeTcString({ purposes, vendors }) : kind === 'garbage' ? garbage : undefined;
          const consent = parseConsent({
            ...(gdprParam !== undefined && { gdpr: gdprParam }),
            ...(gdprConsent !== undefined && { gdprConsent }),
          });
          const decision = mayCallPartner(
            consent,
            tcfVendorId === undefined ? {} : { tcfVendorId },
            optedOut,
          );
          if (optedOut) expect(decision.allowed).toBe(false);
          if (decision.allowed && consent.gdprApplies) {
            const tcf = gdprConsent === undefined ? undefined : decodeTcString(gdprConsent);
            expect(tcf).toBeDefined();
            expect(purposes).toContain(1);
            expect(purposes).toContain(3);
            expect(vendors).toContain(tcfVendorId);
            expect(hasBit(tcf!.purposeConsents, 1) && hasBit(tcf!.purposeConsents, 3)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws for arbitrary, even inconsistent, consent values', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.tuple(purposeSet, vendorSet), { nil: undefined }),
        vendorId,
        fc.boolean(),
        (gdprApplies, tcfValid, decoded, tcfVendorId, optedOut) => {
          const tcf =
            decoded === undefined
              ? undefined
              : decodeTcString(makeTcString({ purposes: decoded[0], vendors: decoded[1] }));
          const consent: Consent = { gdprApplies, tcfValid, ...(tcf !== undefined && { tcf }), regs: {} };
          const decision = mayCallPartner(
            consent,
            tcfVendorId === undefined ? {} : { tcfVendorId },
            optedOut,
          );
          if (decision.allowed && gdprApplies) {
            expect(tcfValid).toBe(true);
            expect(decoded?.[0]).toContain(1);
            expect(decoded?.[0]).toContain(3);
            expect(decoded?.[1]).toContain(tcfVendorId);
          }
          expect(() => mayTarget(consent, optedOut)).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });
});
