/** SQLite `TokenStore`: admin API tokens, only their SHA-256 hashes, unique by id and by hash. */
import type Database from 'better-sqlite3';
import { AudexError } from '../../errors/registry.js';
import type { ApiToken, TokenStore } from '../ports.js';
import { isUniqueViolation } from './sqlite-database.js';

interface Row {
  id: string;
  name: string;
  role: ApiToken['role'];
  hash: string;
  create_time: number;
}

function fromRow(row: Row): ApiToken {
  return { id: row.id, name: row.name, role: row.role, hash: row.hash, createTime: row.create_time };
}

export class SqliteTokenStore implements TokenStore {
  readonly #sql;

  constructor(db: Database.Database) {
    this.#sql = {
      put: db.prepare(
        `INSERT INTO api_tokens (id, name, role, hash, create_time) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, hash = excluded.hash,
           create_time = excluded.create_time`,
      ),
      byHash: db.prepare('SELECT id, name, role, hash, create_time FROM api_tokens WHERE hash = ?'),
      list: db.prepare('SELECT id, name, role, hash, create_time FROM api_tokens ORDER BY create_time, id'),
      remove: db.prepare('DELETE FROM api_tokens WHERE id = ?'),
      count: db.prepare('SELECT count(*) FROM api_tokens').pluck(),
    };
  }

  async put(token: ApiToken): Promise<void> {
    try {
      this.#sql.put.run(token.id, token.name, token.role, token.hash, token.createTime);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AudexError('AUDEX_CONFLICT', 'a token with this hash already exists');
      throw err;
    }
  }

  async findByHash(hash: string): Promise<ApiToken | undefined> {
    const row = this.#sql.byHash.get(hash) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  async list(): Promise<ApiToken[]> {
    return (this.#sql.list.all() as Row[]).map(fromRow);
  }

  async delete(id: string): Promise<boolean> {
    return this.#sql.remove.run(id).changes > 0;
  }

  async count(): Promise<number> {
    return this.#sql.count.get() as number;
  }
}
