/** Builds an Audex app on in-memory stores for HTTP tests through `inject`. */
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { AudexConfig } from '../../src/config/config-schema.js';
import { createMemoryStores } from '../../src/storage/memory/memory-stores.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function testApp(
  overrides: { demo?: boolean; dcs?: Partial<AudexConfig['dcs']> } = {},
  opts: AppOptions = {},
): Promise<App> {
  const base = loadConfig({ env: {} });
  const config: AudexConfig = {
    ...base,
    storage: 'memory',
    logLevel: 'silent',
    adminToken: TEST_ADMIN_TOKEN,
    demo: overrides.demo ?? true,
    dcs: { ...base.dcs, ...overrides.dcs },
  };
  return createApp(config, { stores: createMemoryStores(), defaultMetrics: false, ...opts });
}

/** Extracts the visitor cookie value from a Set-Cookie header. */
export function visitorCookie(setCookie: string | string[] | undefined): string | undefined {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return header === undefined ? undefined : /^audex_uuid=([^;]*)/.exec(header)?.[1];
}
