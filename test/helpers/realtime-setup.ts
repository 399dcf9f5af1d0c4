/**
 * Sets up a provider end to end through the admin API, as an operator would: a third-party data
 * source, an onboarded trait over one of its codes, a segment on that trait, and the partner.
 */
import type { App } from '../../src/app.js';
import type { Partner } from '../../src/catalog/partner-model.js';
import { TEST_ADMIN_TOKEN } from './test-app.js';

export interface ProviderSetup {
  dataSourceId: number;
  traitSid: number;
  segmentSid: number;
  partnerId: number;
}

async function post(app: App, url: string, body: object): Promise<Record<string, unknown>> {
  const res = await app.server.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function setUpProvider(
  app: App,
  opts: { name: string; endpoint: string; code: string; partner?: Partial<Partner> },
): Promise<ProviderSetup> {
  const ds = await post(app, '/datasources/', { name: `${opts.name} data`, thirdParty: true });
  const folder = await post(app, '/folders/traits/', { parentFolderId: 0, name: `${opts.name} segments` });
  const trait = await post(app, '/traits/', {
    name: `${opts.name} ${opts.code}`,
    traitType: 'ON_BOARDED_TRAIT',
    dataSourceId: ds['dataSourceId'],
    folderId: folder['folderId'],
    traitRule: `ic == "${opts.code}"`,
  });
  const segment = await post(app, '/segments/', {
    name: `${opts.name} audience`,
    dataSourceId: ds['dataSourceId'],
    segmentRule: `${String(trait['sid'])}T`,
  });
  const partner = await post(app, '/partners/', {
    name: opts.name,
    dataSourceId: ds['dataSourceId'],
    adapter: 'audex',
    endpoint: opts.endpoint,
    mode: 'sync',
    tmaxMs: 80,
    send: { visitorId: true },
    ...opts.partner,
  });
  return {
    dataSourceId: ds['dataSourceId'] as number,
    traitSid: trait['sid'] as number,
    segmentSid: segment['sid'] as number,
    partnerId: partner['partnerId'] as number,
  };
}

/** Waits until the app's compiled catalog has `n` partners (catalog swaps are asynchronous). */
export async function waitForPartners(app: App, n: number): Promise<void> {
  for (let i = 0; i < 200 && app.catalog.current.partners.length !== n; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (app.catalog.current.partners.length !== n) throw new Error('catalog did not pick up the partners');
}
