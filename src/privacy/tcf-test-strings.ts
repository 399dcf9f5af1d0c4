/**
 * Encodes real TCF v2 TC strings with `@iabtcf/core`, offline. Used by the privacy tests and by
 * the demo's local CMP stub, so both exercise the same decoder the DCS runs in production.
 *
 * `TCString.encode` needs a ready GVL: its pre-encoder drops vendor consent bits for vendors
 * missing from the GVL or declaring no consent purposes, and marks GVL vendors as disclosed
 * (`SemanticPreEncoder` in @iabtcf/core). Instead of fetching the IAB's vendor-list.json we build
 * a minimal in-memory vendor list (`new GVL(object)` is synchronous and never touches the
 * network) that declares exactly the vendors asked for, each with the granted purposes.
 *
 * Never use these strings as real consent: they are only as truthful as their arguments.
 */
import { GVL, PurposeRestriction, RestrictionType, TCModel, TCString } from '@iabtcf/core';
import type { Feature, Purpose, Stack, Vendor, VendorList } from '@iabtcf/core';

/** Options for {@link makeTcString}. */
export interface TcStringSpec {
  /** Purposes (1–11) the user consented to. */
  readonly purposes: readonly number[];
  /** GVL vendor ids the user consented to. */
  readonly vendors: readonly number[];
  /** Purposes (2–11) granted on legitimate interest. Default: none. */
  readonly legIntPurposes?: readonly number[];
  /** Vendors with a legitimate-interest signal (dropped by the encoder unless `legIntPurposes` is non-empty). Default: none. */
  readonly legIntVendors?: readonly number[];
  /**
   * Publisher restrictions of type 0 "purpose flatly not allowed by publisher" for a vendor. The
   * purpose must be one the vendor declares (a granted purpose), or the encoder drops it. Default: none.
   */
  readonly notAllowed?: readonly { readonly vendor: number; readonly purpose: number }[];
  /** CMP id written into the string; must be > 1 (@iabtcf/core rejects 0 and 1). Default 300. */
  readonly cmpId?: number;
  /** Vendor-list version written into the string. Default 100. */
  readonly vendorListVersion?: number;
  /** `Created`/`LastUpdated` timestamps. Default: now (pass one for a reproducible string). */
  readonly created?: Date;
}

/** TCF policy version of TCF v2.2 (IAB TCF "Consent string and vendor list formats v2.2"). */
const TCF_V22_POLICY_VERSION = 4;
/** Standard purposes of TCF v2.2 are numbered 1–11. */
const PURPOSE_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;

/**
 * Encodes a TC string in which exactly `purposes` and `vendors` are consented. The string is
 * service-specific (`IsServiceSpecific=1`, as TCF v2.2 CMPs emit) with publisher country `DE`.
 * @throws when an id is out of range (purpose outside 1–11, vendor id < 1) — a test bug.
 */
export function makeTcString(spec: TcStringSpec): string {
  const legIntPurposes = spec.legIntPurposes ?? [];
  const legIntVendors = spec.legIntVendors ?? [];
  for (const id of [...spec.purposes, ...legIntPurposes]) {
    if (!PURPOSE_IDS.includes(id as (typeof PURPOSE_IDS)[number]))
      throw new RangeError(`purpose ${id} is not 1–11`);
  }
  for (const id of [...spec.vendors, ...legIntVendors]) {
    if (!Number.isInteger(id) || id < 1) throw new RangeError(`vendor id ${id} is not a positive integer`);
  }

  const vendorListVersion = spec.vendorListVersion ?? 100;
  const model = new TCModel(
    new GVL(
      minimalVendorList(
        [...spec.vendors, ...legIntVendors],
        vendorListVersion,
        spec.purposes,
        legIntPurposes,
      ),
    ),
  );
  model.cmpId = spec.cmpId ?? 300;
  model.cmpVersion = 1;
  model.vendorListVersion = vendorListVersion;
  model.policyVersion = TCF_V22_POLICY_VERSION;
  model.isServiceSpecific = true;
  model.publisherCountryCode = 'DE';
  const created = spec.created ?? new Date();
  model.created = created;
  model.lastUpdated = created;
  model.purposeConsents.set([...spec.purposes]);
  model.purposeLegitimateInterests.set([...legIntPurposes]);
  model.vendorConsents.set([...spec.vendors]);
  model.vendorLegitimateInterests.set([...legIntVendors]);
  for (const { vendor, purpose } of spec.notAllowed ?? []) {
    model.publisherRestrictions.add(vendor, new PurposeRestriction(purpose, RestrictionType.NOT_ALLOWED));
  }
  return TCString.encode(model);
}

/**
 * A vendor list holding just the given vendors. Each vendor declares the consent purposes granted
 * (or purpose 1 when none are, so the encoder keeps its consent bit: a vendor declaring no consent
 * purpose may not carry one) and the legitimate-interest purposes granted.
 */
function minimalVendorList(
  vendorIds: readonly number[],
  vendorListVersion: number,
  purposes: readonly number[],
  legIntPurposes: readonly number[],
): VendorList {
  const declaredPurposes = purposes.length > 0 ? [...purposes] : [1];
  const vendors: Record<string, Vendor> = {};
  for (const id of new Set(vendorIds)) {
    vendors[String(id)] = {
      id,
      name: `Test vendor ${id}`,
      purposes: declaredPurposes,
      legIntPurposes: [...legIntPurposes],
      flexiblePurposes: [],
      specialPurposes: [],
      features: [],
      specialFeatures: [],
      policyUrl: `https://vendor-${id}.invalid/privacy`,
      usesCookies: false,
      cookieMaxAgeSeconds: null,
      cookieRefresh: false,
      usesNonCookieAccess: false,
    };
  }
  const purposeMap: Record<string, Purpose> = {};
  for (const id of PURPOSE_IDS) {
    purposeMap[String(id)] = { id, name: `Purpose ${id}`, description: '', descriptionLegal: '' };
  }
  const none: Record<string, Feature> = {};
  const stacks: Record<string, Stack> = {};
  return {
    gvlSpecificationVersion: 3,
    vendorListVersion,
    tcfPolicyVersion: TCF_V22_POLICY_VERSION,
    lastUpdated: '2024-01-01T00:00:00Z',
    purposes: purposeMap,
    specialPurposes: {},
    features: none,
    specialFeatures: none,
    stacks,
    vendors,
  };
}
