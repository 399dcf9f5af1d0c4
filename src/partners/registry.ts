/**
 * Every partner adapter Audex ships, one line each (STYLE.md §6). Registration is not
 * activation: a partner instance in the catalog names its adapter here and supplies params that
 * the adapter's `paramsSchema` validates. `registry.test.ts` gatekeeps every entry.
 */
import type { PartnerAdapter } from './adapter.js';
import { audex } from './adapters/audex/index.js';
import { httpGet } from './adapters/http-get/index.js';
import { openrtb } from './adapters/openrtb/index.js';

export const ADAPTERS = {
  audex,
  'http-get': httpGet,
  openrtb,
} as const;

export type AdapterName = keyof typeof ADAPTERS;

export function isAdapterName(name: string): name is AdapterName {
  return Object.hasOwn(ADAPTERS, name);
}

/** The adapter for a catalog entry, params typed as unknown until the schema has checked them. */
export function getAdapter(name: string): PartnerAdapter<unknown> | undefined {
  return isAdapterName(name) ? (ADAPTERS[name] as PartnerAdapter<unknown>) : undefined;
}
