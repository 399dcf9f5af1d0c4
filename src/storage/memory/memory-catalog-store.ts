/**
 * In-memory `CatalogStore` for tests and `--storage memory`. Entities are kept as JSON-clean
 * copies so callers can never mutate stored state through a returned object.
 */
import { ID_FIELD, type CatalogData, type CatalogEntities, type CatalogKind } from '../../catalog/model.js';
import {
  CATALOG_KINDS,
  assertFieldNames,
  conflict,
  givenId,
  integrationCodeOf,
  matchesQuery,
  pageWindow,
  stampEntity,
  type EntityRecord,
} from '../catalog-entities.js';
import { ChangeListeners } from '../change-listeners.js';
import type { CatalogStore, ListQuery, ListResult, NewEntity } from '../ports.js';

interface KindTable {
  rows: Map<number, EntityRecord>;
  /** Highest id handed out or given; auto ids continue from here. */
  last: number;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

export class MemoryCatalogStore implements CatalogStore {
  readonly #tables = new Map<CatalogKind, KindTable>(
    CATALOG_KINDS.map((kind) => [kind, { rows: new Map(), last: 0 }]),
  );
  readonly #listeners = new ChangeListeners();
  #version = 0;

  #table(kind: CatalogKind): KindTable {
    const table = this.#tables.get(kind);
    if (table === undefined) throw new TypeError(`unknown catalog kind: ${String(kind)}`);
    return table;
  }

  loadAll(): Promise<CatalogData> {
    const all = (kind: CatalogKind): EntityRecord[] =>
      [...this.#table(kind).rows.values()].sort((a, b) => givenId(kind, a) - givenId(kind, b)).map(copy);
    return Promise.resolve({
      dataSources: all('dataSources') as unknown as CatalogData['dataSources'],
      traitFolders: all('traitFolders') as unknown as CatalogData['traitFolders'],
      traits: all('traits') as unknown as CatalogData['traits'],
      segments: all('segments') as unknown as CatalogData['segments'],
      partners: all('partners') as unknown as CatalogData['partners'],
    });
  }

  async list<K extends CatalogKind>(kind: K, query: ListQuery): Promise<ListResult<CatalogEntities[K]>> {
    assertFieldNames(query.where);
    const matching = [...this.#table(kind).rows.values()]
      .filter((e) => matchesQuery(e, query))
      .sort((a, b) => givenId(kind, a) - givenId(kind, b));
    const { offset, limit } = pageWindow(query);
    const items = matching.slice(offset, offset + limit).map(copy) as unknown as CatalogEntities[K][];
    return { items, total: matching.length };
  }

  get<K extends CatalogKind>(kind: K, id: number): Promise<CatalogEntities[K] | undefined> {
    const row = this.#table(kind).rows.get(id);
    return Promise.resolve(row === undefined ? undefined : (copy(row) as unknown as CatalogEntities[K]));
  }

  create<K extends CatalogKind>(kind: K, entity: NewEntity<K>, now: number): Promise<CatalogEntities[K]> {
    const table = this.#table(kind);
    const requested = givenId(kind, entity);
    if (requested > 0 && table.rows.has(requested)) {
      return Promise.reject(conflict(kind, `${ID_FIELD[kind]} ${requested}`));
    }
    const code = integrationCodeOf(entity);
    if (code !== undefined && this.#codeOwner(table, code) !== undefined) {
      return Promise.reject(conflict(kind, `integrationCode ${code}`));
    }
    const id = requested > 0 ? requested : table.last + 1;
    const stored = stampEntity(kind, entity, id, now, now);
    table.rows.set(id, stored as unknown as EntityRecord);
    table.last = Math.max(table.last, id);
    this.#changed();
    return Promise.resolve(copy(stored));
  }

  update<K extends CatalogKind>(
    kind: K,
    id: number,
    entity: NewEntity<K>,
    now: number,
  ): Promise<CatalogEntities[K] | undefined> {
    const table = this.#table(kind);
    const existing = table.rows.get(id);
    if (existing === undefined) return Promise.resolve(undefined);
    const code = integrationCodeOf(entity);
    const owner = code === undefined ? undefined : this.#codeOwner(table, code);
    if (owner !== undefined && owner !== id) return Promise.reject(conflict(kind, `integrationCode ${code}`));
    const stored = stampEntity(kind, entity, id, existing['createTime'] as number, now);
    table.rows.set(id, stored as unknown as EntityRecord);
    this.#changed();
    return Promise.resolve(copy(stored));
  }

  delete(kind: CatalogKind, id: number): Promise<boolean> {
    const deleted = this.#table(kind).rows.delete(id);
    if (deleted) this.#changed();
    return Promise.resolve(deleted);
  }

  version(): Promise<number> {
    return Promise.resolve(this.#version);
  }

  onChange(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }

  #codeOwner(table: KindTable, code: string): number | undefined {
    for (const [id, row] of table.rows) if (integrationCodeOf(row) === code) return id;
    return undefined;
  }

  #changed(): void {
    this.#version += 1;
    this.#listeners.emit();
  }
}
