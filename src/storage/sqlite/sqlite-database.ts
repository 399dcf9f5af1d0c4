/**
 * Opens the one SQLite file all SQLite stores share, loading better-sqlite3 lazily (STYLE.md §7:
 * nothing imports the native driver unless SQLite was chosen).
 *
 * Durability: WAL journal. With `synchronous=NORMAL` (default) a committed transaction is in the
 * WAL file before `COMMIT` returns, so it survives a process crash (kill -9); only an OS crash or
 * power loss can drop the last transactions. `FULL` fsyncs the WAL at every commit and survives
 * power loss too; group commit in the profile store keeps that affordable (one fsync per batch).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { runMigrations } from './sqlite-migrations.js';

/** File name inside the data directory. */
export const DB_FILE = 'audex.db';

export interface OpenSqliteOptions {
  dataDir: string;
  /** SQLite `synchronous` level. Default `'NORMAL'` (survives process crashes; see module doc). */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another process's write lock, ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Read the database through mmap (default true). Off for files other processes write: SQLite
   * unmaps the whole region at the start of every read transaction after another connection has
   * committed, so each event would pay an munmap, an mmap and the page faults to map it again.
   */
  mmap?: boolean;
}

/** Opens (creating the directory and file if needed), configures and migrates the database. */
export async function openSqlite(opts: OpenSqliteOptions): Promise<Database.Database> {
  const { default: Driver } = await import('better-sqlite3');
  mkdirSync(opts.dataDir, { recursive: true });
  const db = new Driver(join(opts.dataDir, DB_FILE));
  try {
    // busy_timeout first: the journal-mode switch itself needs a lock another worker may hold.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    // Profiles are read and written on every event: keep hot pages in memory (64 MiB cache, reads
    // through mmap), and leave checkpoints to the worker thread (sqlite-checkpointer.ts); the
    // automatic threshold (≈ 80 MiB of WAL) is only a safety net.
    db.pragma('cache_size = -65536');
    db.pragma(`mmap_size = ${opts.mmap === false ? 0 : 268435456}`);
    db.pragma('wal_autocheckpoint = 20000');
    // SQLite's lower() folds ASCII only; catalog search must match the memory adapter's toLowerCase().
    db.function('audex_lower', { deterministic: true }, (s: unknown) =>
      typeof s === 'string' ? s.toLowerCase() : null,
    );
    runMigrations(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Whether an error is a SQLite uniqueness / primary-key violation (mapped to `AUDEX_CONFLICT`). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
