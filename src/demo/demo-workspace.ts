/**
 * The demo workspace seeded into an empty catalog on first start (`--no-demo` skips it). Every
 * entity is labelled "[demo]". Ids are fixed so the README's curl examples are stable.
 */
import type { CatalogStore } from '../storage/ports.js';

export const DEMO = {
  siteDataSource: 1,
  providerDataSource: 2,
  folder: 1,
  folderTrait: 1000,
  providerFolder: 2,
  providerFolderTrait: 3000,
  traits: { sportsReader: 1001, portuguese: 1002, newsletter: 1003, highValueCart: 1004 },
  providerTraits: { aCodes: 3001, bCodes: 3002 },
  segments: {
    sportsFans: 2001,
    engagedSports: 2002,
    lusophoneSports: 2003,
    providerAudience: 2004,
    sportsInMarket: 2005,
  },
  partner: 1,
  /** IAB TCF vendor id of the demo provider, so it can be called under GDPR with the demo CMP's consent. */
  tcfVendorId: 1000,
} as const;

/** Seeds the demo workspace when the catalog has no data source yet. Returns whether it seeded. */
export async function seedDemoWorkspace(catalog: CatalogStore, now: number): Promise<boolean> {
  const existing = await catalog.list('dataSources', { page: 0, pageSize: 1 });
  if (existing.total > 0) return false;
  await catalog.create(
    'dataSources',
    {
      dataSourceId: DEMO.siteDataSource,
      name: '[demo] Example News (first party)',
      integrationCode: 'demo-site',
      idType: 'COOKIE',
      thirdParty: false,
      status: 'ACTIVE',
    },
    now,
  );
  await catalog.create(
    'dataSources',
    {
      dataSourceId: DEMO.providerDataSource,
      name: '[demo] Simulated data provider',
      integrationCode: 'demo-provider',
      idType: 'COOKIE',
      thirdParty: true,
      status: 'ACTIVE',
    },
    now,
  );
  await catalog.create(
    'traitFolders',
    { folderId: DEMO.folder, parentFolderId: 0, name: '[demo] Site behaviour' },
    now,
  );
  const trait = (sid: number, name: string, traitRule: string, ttl = 120) =>
    catalog.create(
      'traits',
      {
        sid,
        name,
        traitType: 'RULE_BASED_TRAIT',
        dataSourceId: DEMO.siteDataSource,
        folderId: DEMO.folder,
        traitRule,
        ttl,
        status: 'ACTIVE',
      },
      now,
    );
  await catalog.create(
    'traits',
    {
      sid: DEMO.folderTrait,
      name: '[demo] Site behaviour Folder Trait',
      traitType: 'FOLDER_TRAIT',
      // Folder traits belong to data source 0, "the workspace" (docs/admin-api.md).
      dataSourceId: 0,
      folderId: DEMO.folder,
      ttl: 0,
      status: 'ACTIVE',
    },
    now,
  );
  await trait(DEMO.traits.sportsReader, '[demo] Sports reader', 'c_section == "sports"');
  await trait(
    DEMO.traits.portuguese,
    '[demo] Portuguese speaker',
    'c_lang == "pt" OR h_accept-language startswith "pt"',
  );
  await trait(DEMO.traits.newsletter, '[demo] Newsletter click (pixel, d_sid)', 'c_newsletter == "1"', 30);
  await trait(DEMO.traits.highValueCart, '[demo] High-value cart', 'c_cart_value >= 100');
  const segment = (sid: number, name: string, segmentRule: string) =>
    catalog.create(
      'segments',
      { sid, name, segmentRule, dataSourceId: DEMO.siteDataSource, folderId: 0, status: 'ACTIVE' },
      now,
    );
  await segment(DEMO.segments.sportsFans, '[demo] Sports fans', `${DEMO.traits.sportsReader}T`);
  await segment(
    DEMO.segments.engagedSports,
    '[demo] Engaged sports readers (3 visits in 7 days)',
    `frequency([${DEMO.traits.sportsReader}T] <= 7D) >= 3`,
  );
  await segment(
    DEMO.segments.lusophoneSports,
    '[demo] Portuguese-speaking sports fans',
    `${DEMO.traits.sportsReader}T AND ${DEMO.traits.portuguese}T`,
  );
  await seedDemoProvider(catalog, now);
  return true;
}

/**
 * The simulated provider's part of the demo: onboarded traits over its codes (AAM's `ic == …`
 * convention; the reference provider answers 1–3 codes from A1–A9, B1–B9 per visitor), segments
 * that use them, and the partner instance. Its endpoint is set at each start
 * ({@link setDemoPartnerEndpoint}) because the embedded provider listens on a fresh port.
 */
async function seedDemoProvider(catalog: CatalogStore, now: number): Promise<void> {
  await catalog.create(
    'traitFolders',
    { folderId: DEMO.providerFolder, parentFolderId: 0, name: '[demo] Provider segments' },
    now,
  );
  await catalog.create(
    'traits',
    {
      sid: DEMO.providerFolderTrait,
      name: '[demo] Provider segments Folder Trait',
      traitType: 'FOLDER_TRAIT',
      dataSourceId: 0,
      folderId: DEMO.providerFolder,
      ttl: 0,
      status: 'ACTIVE',
    },
    now,
  );
  const onboarded = (sid: number, name: string, traitRule: string) =>
    catalog.create(
      'traits',
      {
        sid,
        name,
        traitType: 'ON_BOARDED_TRAIT',
        dataSourceId: DEMO.providerDataSource,
        folderId: DEMO.providerFolder,
        traitRule,
        ttl: 30,
        status: 'ACTIVE',
      },
      now,
    );
  await onboarded(DEMO.providerTraits.aCodes, '[demo] Provider: in-market (A codes)', 'ic startswith "A"');
  await onboarded(DEMO.providerTraits.bCodes, '[demo] Provider: affinity (B codes)', 'ic startswith "B"');
  const segment = (sid: number, name: string, segmentRule: string) =>
    catalog.create(
      'segments',
      { sid, name, segmentRule, dataSourceId: DEMO.siteDataSource, folderId: 0, status: 'ACTIVE' },
      now,
    );
  await segment(
    DEMO.segments.providerAudience,
    '[demo] Provider audience (real time)',
    `${DEMO.providerTraits.aCodes}T OR ${DEMO.providerTraits.bCodes}T`,
  );
  await segment(
    DEMO.segments.sportsInMarket,
    '[demo] Sports fans in market (site + provider)',
    `${DEMO.traits.sportsReader}T AND ${DEMO.providerTraits.aCodes}T`,
  );
  await catalog.create(
    'partners',
    {
      partnerId: DEMO.partner,
      name: '[demo] Reference provider (embedded partner-sim)',
      dataSourceId: DEMO.providerDataSource,
      adapter: 'audex',
      endpoint: 'http://127.0.0.1:9/v1/segments',
      mode: 'sync',
      tmaxMs: 80,
      tcfVendorId: DEMO.tcfVendorId,
      send: { visitorId: true, signalKeys: ['c_section', 'c_lang'] },
      status: 'ACTIVE',
    },
    now,
  );
}

/**
 * Points the demo partner at the embedded provider started for this process, and gives a demo
 * partner seeded before it had one the demo's TCF vendor id (data directories from older versions).
 */
export async function setDemoPartnerEndpoint(
  catalog: CatalogStore,
  baseUrl: string,
  now: number,
): Promise<void> {
  const partner = await catalog.get('partners', DEMO.partner);
  if (partner === undefined || !partner.name.startsWith('[demo]')) return;
  const endpoint = `${baseUrl}/v1/segments`;
  if (partner.endpoint === endpoint && partner.tcfVendorId !== undefined) return;
  const { createTime: _c, updateTime: _u, ...rest } = partner;
  const tcfVendorId = partner.tcfVendorId ?? DEMO.tcfVendorId;
  await catalog.update('partners', DEMO.partner, { ...rest, endpoint, tcfVendorId }, now);
}
