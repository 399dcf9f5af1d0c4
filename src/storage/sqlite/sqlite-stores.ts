/**
 * Factory for the SQLite backend: every store on one connection to `<dataDir>/audex.db`.
 * better-sqlite3 is imported inside the factory (via `openSqlite`), never at module load.
 * Durability and group commit: see `sqlite-database.ts` and `sqlite-profile-store.ts`.
 */
import { join } from 'node:path';
import type { Stores } from '../stores.js';
import { SqliteCatalogStore } from './sqlite-catalog-store.js';
import { openSqlite } from './sqlite-database.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { SqliteIdentityStore } from './sqlite-identity-store.js';
import { SqliteProfileStore, type CorruptProfileHandler } from './sqlite-profile-store.js';
import { CachedProfileStore } from '../profile-cache.js';
import { SqliteTokenStore } from './sqlite-token-store.js';
import { runMigrations } from './sqlite-migrations.js';

export interface SqliteStoresOptions {
  /** Directory holding `audex.db` (and its `-wal`/`-shm` files); created if missing. */
  dataDir: string;
  /**
   * `'NORMAL'` (default): committed data survives a process crash (kill -9).
   * `'FULL'`: also survives power loss, at one fsync per commit (batched by group commit).
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** Profiles kept in memory after their write (see `CachedProfileStore`); 0 or absent = none. */
  profileCacheSize?: number;
  /**
   * Profile writes go to a journal and reach the table every this many ms (`profile-write-behind.ts`);
   * 0 or absent = every write to the table. Not with `sharedWriters`.
   */
  profileWriteBehindMs?: number;
  /** Write-behind flushes on a worker thread (default) or, false, in slices on the event loop. */
  profileFlushInWorker?: boolean;
  /** Told when a write-behind flush fails (it is retried; the journal keeps the writes). */
  onStorageError?: (err: unknown) => void;
  /**
   * Other processes write the same database (cluster workers): cached profiles are then checked
   * against the stored revision before use.
   */
  sharedWriters?: boolean;
  /** How long a write waits for another process's write lock, ms (see `sqlite-database.ts`). */
  busyTimeoutMs?: number;
  /** Told when a write replaced a stored profile it could not decode (kept in `profiles_quarantine`). */
  onCorruptProfile?: CorruptProfileHandler;
}

/** The profile journal's directory inside the data directory (`profile-write-behind.ts`). */
export const JOURNAL_DIR = 'profile-journal';

/** Opens (creating and migrating as needed) the SQLite stores. Several processes may share one dataDir. */
export async function createSqliteStores(opts: SqliteStoresOptions): Promise<Stores> {
  const shared = opts.sharedWriters === true;
  const db = await openSqlite({ ...opts, mmap: !shared });
  const catalog = new SqliteCatalogStore(db);
  const stored = new SqliteProfileStore(db, {
    shared,
    ...(opts.onCorruptProfile !== undefined ? { onCorrupt: opts.onCorruptProfile } : {}),
    journal: {
      dir: join(opts.dataDir, JOURNAL_DIR),
      flushMs: opts.profileWriteBehindMs ?? 0,
      fsync: opts.synchronous === 'FULL',
      ...(opts.profileFlushInWorker !== undefined ? { flushInWorker: opts.profileFlushInWorker } : {}),
      ...(opts.onStorageError !== undefined ? { onError: opts.onStorageError } : {}),
    },
  });
  const cacheSize = opts.profileCacheSize ?? 0;
  const profiles =
    cacheSize > 0
      ? new CachedProfileStore(
          stored,
          cacheSize,
          shared ? (id, rev) => stored.getUnlessAt(id, rev) : undefined,
        )
      : stored;
  const identity = new SqliteIdentityStore(db, (run) => stored.exec(run));
  const checkpointer = startCheckpointer(db.name);
  let closing: Promise<void> | undefined;
  return {
    catalog,
    tokens: new SqliteTokenStore(db),
    profiles,
    identity,
    close() {
      closing ??= (async () => {
        // Profiles first: queued merges must commit before the connection goes away.
        await profiles.close();
        await Promise.all([catalog.close(), identity.close()]);
        await checkpointer.stop();
        db.close();
      })();
      return closing;
    },
  };
}

/**
 * `audex migrate`: creates or upgrades the schema in `<dataDir>/audex.db` and closes it.
 * Returns the schema version the database is at. Safe to run repeatedly and while servers run.
 */
export async function migrateSqlite(dataDir: string): Promise<number> {
  const db = await openSqlite({ dataDir });
  try {
    // openSqlite has already migrated; asking again reports the version without changing anything.
    return runMigrations(db);
  } finally {
    db.close();
  }
}
