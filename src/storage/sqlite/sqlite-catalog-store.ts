/**
 * SQLite `CatalogStore`: one table of (kind, id, json, integration_code), a unique partial index
 * on (kind, integration_code), a per-kind id sequence and a version row bumped in the same
 * transaction as each change, so other processes see a consistent version through `version()`.
 */
import type Database from 'better-sqlite3';
import { ID_FIELD, type CatalogData, type CatalogEntities, type CatalogKind } from '../../catalog/model.js';
import {
  assertFieldNames,
  conflict,
  givenId,
  integrationCodeOf,
  pageWindow,
  stampEntity,
} from '../catalog-entities.js';
import { ChangeListeners } from '../change-listeners.js';
import type { CatalogStore, ListQuery, ListResult, NewEntity } from '../ports.js';
import { isUniqueViolation } from './sqlite-database.js';

interface Row {
  kind: CatalogKind;
  id: number;
  json: string;
}

export class SqliteCatalogStore implements CatalogStore {
  readonly #listeners = new ChangeListeners();
  readonly #sql;
  readonly #create;
  readonly #update;
  readonly #delete;

  constructor(private readonly db: Database.Database) {
    this.#sql = {
      all: db.prepare('SELECT kind, id, json FROM catalog ORDER BY kind, id'),
      get: db.prepare('SELECT json FROM catalog WHERE kind = ? AND id = ?').pluck(),
      exists: db.prepare('SELECT 1 FROM catalog WHERE kind = ? AND id = ?').pluck(),
      lastId: db.prepare('SELECT last FROM catalog_seq WHERE kind = ?').pluck(),
      insert: db.prepare('INSERT INTO catalog (kind, id, json, integration_code) VALUES (?, ?, ?, ?)'),
      replace: db.prepare('UPDATE catalog SET json = ?, integration_code = ? WHERE kind = ? AND id = ?'),
      remove: db.prepare('DELETE FROM catalog WHERE kind = ? AND id = ?'),
      bumpSeq: db.prepare(
        `INSERT INTO catalog_seq (kind, last) VALUES (?, ?)
         ON CONFLICT (kind) DO UPDATE SET last = max(last, excluded.last)`,
      ),
      bumpVersion: db.prepare('UPDATE catalog_version SET version = version + 1 WHERE only = 1'),
      version: db.prepare('SELECT version FROM catalog_version WHERE only = 1').pluck(),
    };
    // IMMEDIATE: take the write lock before reading the sequence, so two processes never pick one id.
    this.#create = db.transaction((kind: CatalogKind, entity: object, now: number): object => {
      const requested = givenId(kind, entity);
      if (requested > 0 && this.#sql.exists.get(kind, requested) !== undefined) {
        throw conflict(kind, `${ID_FIELD[kind]} ${requested}`);
      }
      const id = requested > 0 ? requested : ((this.#sql.lastId.get(kind) as number | undefined) ?? 0) + 1;
      const stored = stampEntity(kind, entity as NewEntity<CatalogKind>, id, now, now);
      this.#write(kind, id, stored, 'insert');
      this.#sql.bumpSeq.run(kind, id);
      this.#sql.bumpVersion.run();
      return stored;
    });
    this.#update = db.transaction((kind: CatalogKind, id: number, entity: object, now: number) => {
      const json = this.#sql.get.get(kind, id) as string | undefined;
      if (json === undefined) return undefined;
      const createTime = (JSON.parse(json) as { createTime: number }).createTime;
      const stored = stampEntity(kind, entity as NewEntity<CatalogKind>, id, createTime, now);
      this.#write(kind, id, stored, 'replace');
      this.#sql.bumpVersion.run();
      return stored;
    });
    this.#delete = db.transaction((kind: CatalogKind, id: number): boolean => {
      if (this.#sql.remove.run(kind, id).changes === 0) return false;
      this.#sql.bumpVersion.run();
      return true;
    });
  }

  async loadAll(): Promise<CatalogData> {
    const data: CatalogData = { dataSources: [], traitFolders: [], traits: [], segments: [], partners: [] };
    for (const row of this.#sql.all.all() as Row[]) {
      (data[row.kind] as unknown[] | undefined)?.push(JSON.parse(row.json));
    }
    // ORDER BY kind, id already sorts each kind by id.
    return data;
  }

  async list<K extends CatalogKind>(kind: K, query: ListQuery): Promise<ListResult<CatalogEntities[K]>> {
    assertFieldNames(query.where);
    // Admin-side and rare: the filter SQL is built per call; values are always bound parameters.
    const clauses = ['kind = ?'];
    const params: Array<string | number> = [kind];
    for (const [field, value] of Object.entries(query.where ?? {})) {
      // json_type keeps strict equality: the string '5' never matches the number 5, nor 1 `true`.
      const types = typeof value === 'number' ? "('integer', 'real')" : "('text')";
      clauses.push(`json_type(json, ?) IN ${types} AND json_extract(json, ?) = ?`);
      params.push(`$.${field}`, `$.${field}`, value);
    }
    if (query.search !== undefined && query.search !== '') {
      clauses.push("instr(audex_lower(json_extract(json, '$.name')), ?) > 0");
      params.push(query.search.toLowerCase());
    }
    const where = clauses.join(' AND ');
    const total = this.db
      .prepare(`SELECT count(*) FROM catalog WHERE ${where}`)
      .pluck()
      .get(...params) as number;
    const { offset, limit } = pageWindow(query);
    const rows = this.db
      .prepare(`SELECT json FROM catalog WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`)
      .pluck()
      .all(...params, limit, offset) as string[];
    return { items: rows.map((json) => JSON.parse(json) as CatalogEntities[K]), total };
  }

  async get<K extends CatalogKind>(kind: K, id: number): Promise<CatalogEntities[K] | undefined> {
    const json = this.#sql.get.get(kind, id) as string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as CatalogEntities[K]);
  }

  async create<K extends CatalogKind>(
    kind: K,
    entity: NewEntity<K>,
    now: number,
  ): Promise<CatalogEntities[K]> {
    const stored = this.#create.immediate(kind, entity, now) as CatalogEntities[K];
    this.#listeners.emit();
    return stored;
  }

  async update<K extends CatalogKind>(
    kind: K,
    id: number,
    entity: NewEntity<K>,
    now: number,
  ): Promise<CatalogEntities[K] | undefined> {
    const stored = this.#update.immediate(kind, id, entity, now) as CatalogEntities[K] | undefined;
    if (stored !== undefined) this.#listeners.emit();
    return stored;
  }

  async delete(kind: CatalogKind, id: number): Promise<boolean> {
    const deleted = this.#delete.immediate(kind, id);
    if (deleted) this.#listeners.emit();
    return deleted;
  }

  async version(): Promise<number> {
    return this.#sql.version.get() as number;
  }

  onChange(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  /** Inserts or replaces one row, turning a uniqueness violation into `AUDEX_CONFLICT`. */
  #write(kind: CatalogKind, id: number, stored: object, mode: 'insert' | 'replace'): void {
    const json = JSON.stringify(stored);
    const code = integrationCodeOf(stored) ?? null;
    try {
      if (mode === 'insert') this.#sql.insert.run(kind, id, json, code);
      else this.#sql.replace.run(json, code, kind, id);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw conflict(kind, code === null ? `${ID_FIELD[kind]} ${id}` : `integrationCode ${code}`);
    }
  }
}
