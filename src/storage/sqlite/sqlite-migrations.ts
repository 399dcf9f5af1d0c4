/**
 * The SQLite schema as an ordered list of migrations. Append only: a shipped migration is never
 * edited, because databases in the field have already applied it. `schema_version` records how
 * many have run; the runner applies the rest in one `BEGIN IMMEDIATE` transaction, so several
 * worker processes starting together migrate once and never see a half-built schema.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  /** 1-based, consecutive. */
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'catalog, tokens, profiles, identity',
    sql: `
      CREATE TABLE catalog (
        kind TEXT NOT NULL,
        id INTEGER NOT NULL,
        json TEXT NOT NULL,
        integration_code TEXT,
        PRIMARY KEY (kind, id)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX catalog_integration_code ON catalog (kind, integration_code)
        WHERE integration_code IS NOT NULL;
      -- Highest id handed out or given per kind; auto ids continue from here (never reused).
      CREATE TABLE catalog_seq (kind TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
      -- One row; bumped in the same transaction as every catalog change so other processes can poll it.
      CREATE TABLE catalog_version (only INTEGER PRIMARY KEY CHECK (only = 1), version INTEGER NOT NULL);
      INSERT INTO catalog_version (only, version) VALUES (1, 0);

      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        create_time INTEGER NOT NULL
      );

      CREATE TABLE profiles (visitor_id TEXT PRIMARY KEY, json TEXT NOT NULL, seen INTEGER NOT NULL);
      CREATE INDEX profiles_seen ON profiles (seen);

      CREATE TABLE identity_links (
        dpid INTEGER NOT NULL,
        dpuuid TEXT NOT NULL,
        visitor_id TEXT NOT NULL,
        linked INTEGER NOT NULL,
        PRIMARY KEY (dpid, dpuuid)
      );
      CREATE INDEX identity_links_visitor ON identity_links (visitor_id);
      CREATE TABLE opt_outs (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    description: 'profile revision for optimistic merges',
    sql: `ALTER TABLE profiles ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 3,
    description: 'no index on profiles.seen: every event rewrote it; the purge scans instead',
    sql: `DROP INDEX IF EXISTS profiles_seen;`,
  },
  {
    version: 4,
    description: 'stored profiles that could not be decoded, kept aside when a write replaces them',
    sql: `CREATE TABLE profiles_quarantine (
        visitor_id TEXT NOT NULL,
        data BLOB NOT NULL,
        rev INTEGER NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
      );`,
  },
];

/** The schema version this build expects. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database up to {@link SCHEMA_VERSION}; returns the version it is at afterwards.
 * Idempotent. Refuses a database written by a newer build rather than guessing at its schema.
 */
export function runMigrations(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const migrate = db.transaction((): number => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new Error(`database schema version ${current} is newer than this build (${SCHEMA_VERSION})`);
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
    }
    return Math.max(current, SCHEMA_VERSION);
  });
  return migrate.immediate();
}
