/**
 * Adapter-agnostic handling of catalog entities: id fields, integration codes, stamping and the
 * `ListQuery` filter semantics. Every catalog adapter uses these so they agree on edge cases.
 */
import { ID_FIELD, type CatalogEntities, type CatalogKind } from '../catalog/model.js';
import { AudexError } from '../errors/registry.js';
import type { ListQuery, NewEntity } from './ports.js';

/** The kinds in a fixed order (loadAll, migrations, tests). */
export const CATALOG_KINDS: readonly CatalogKind[] = [
  'dataSources',
  'traitFolders',
  'traits',
  'segments',
  'partners',
];

/** A stored entity viewed as plain JSON data. */
export type EntityRecord = Record<string, unknown>;

/** The id an entity carries, or 0 when absent (0 means "assign one", per the port). */
export function givenId(kind: CatalogKind, entity: object): number {
  const id = (entity as EntityRecord)[ID_FIELD[kind]];
  return typeof id === 'number' && Number.isFinite(id) ? id : 0;
}

/**
 * The integration code that must be unique per kind, or undefined. An empty string counts as no
 * code: otherwise two entities saved from a form with a blank field would clash.
 */
export function integrationCodeOf(entity: object): string | undefined {
  const code = (entity as EntityRecord)['integrationCode'];
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/**
 * The entity as stored: a JSON-clean copy (undefined-valued keys dropped, caller's object not
 * retained) with the id and times set by the store.
 */
export function stampEntity<K extends CatalogKind>(
  kind: K,
  entity: NewEntity<K>,
  id: number,
  createTime: number,
  updateTime: number,
): CatalogEntities[K] {
  const copy = JSON.parse(JSON.stringify(entity)) as EntityRecord;
  copy[ID_FIELD[kind]] = id;
  copy['createTime'] = createTime;
  copy['updateTime'] = updateTime;
  return copy as unknown as CatalogEntities[K];
}

export function conflict(kind: CatalogKind, what: string): AudexError {
  return new AudexError('AUDEX_CONFLICT', `${kind}: ${what} already exists`, { kind });
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Rejects `where` field names that are not plain identifiers. SQL adapters turn them into JSON
 * paths, so the memory adapter applies the same rule to keep behaviour identical.
 */
export function assertFieldNames(where: ListQuery['where']): void {
  for (const field of Object.keys(where ?? {})) {
    if (!FIELD_NAME.test(field)) {
      throw new AudexError('AUDEX_VALIDATION', `invalid filter field: ${field}`, { field });
    }
  }
}

/** Whether an entity passes `where` (strict equality, so `'5'` never matches `5`) and `search`. */
export function matchesQuery(entity: EntityRecord, query: ListQuery): boolean {
  if (query.where !== undefined) {
    for (const [field, value] of Object.entries(query.where)) if (entity[field] !== value) return false;
  }
  if (query.search !== undefined && query.search !== '') {
    const name = entity['name'];
    if (typeof name !== 'string' || !name.toLowerCase().includes(query.search.toLowerCase())) return false;
  }
  return true;
}

/** Offset and limit of a 0-based page; negative or fractional inputs are clamped, not rejected. */
export function pageWindow(query: ListQuery): { offset: number; limit: number } {
  const limit = Math.max(0, Math.floor(query.pageSize));
  const page = Math.max(0, Math.floor(query.page));
  return { offset: page * limit, limit };
}
