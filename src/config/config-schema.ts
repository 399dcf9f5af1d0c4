/**
 * The configuration schema and its defaults (STYLE.md §10: validated once, reported in full,
 * then frozen). Modules receive their slice as a parameter and never read `process.env`.
 */

export interface DcsConfig {
  /** `dcs_region` reported in every reply (AAM §2.10). Default 1. */
  region: number;
  /** Name of the first-party visitor cookie on the DCS origin. Default `audex_uuid`. */
  cookieName: string;
  /** Visitor cookie lifetime in days, renewed on each call. Default 180 (AAM `demdex`). */
  cookieMaxAgeDays: number;
  /** Cookie `Domain` attribute; empty = host-only. */
  cookieDomain: string;
  /** `SameSite=None; Secure` (needed for the cross-site iframe); off only for plain-HTTP test hosts. Default true. */
  cookieSecure: boolean;
  /** Event budget in ms: the longest an `/event` reply waits for partners. Default 100. */
  eventBudgetMs: number;
  /** Origins allowed to make credentialed CORS calls; `*` reflects any origin (AAM behaviour). */
  allowedOrigins: string[];
  /** Max GET URL bytes (AAM: 8K). */
  maxUrlBytes: number;
  /** Max POST body bytes (AAM: 32K). */
  maxBodyBytes: number;
  /** Max distinct keys per call; extras are dropped with error 354. Default 200. */
  maxKeys: number;
  /** Max values per key. Default 100. */
  maxValuesPerKey: number;
  /** Max length of one value in characters. Default 2048. */
  maxValueLength: number;
  /** What an absent `gdpr` parameter means: `not-applies` (TCF default) or `applies` (EU-only sites). */
  gdprDefault: 'applies' | 'not-applies';
}

export interface AudexConfig {
  port: number;
  host: string;
  dataDir: string;
  storage: 'sqlite' | 'memory';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seeds an admin token (stored hashed) on start. */
  adminToken?: string;
  /** Seed the demo workspace into an empty catalog. Default true. */
  demo: boolean;
  /** Processes to fork with node:cluster. Default 1. */
  workers: number;
  /** SQLite `synchronous`: NORMAL survives process crashes; FULL also power loss. */
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /** Days of inactivity after which a profile is purged (AAM: 120). */
  profileRetentionDays: number;
  /**
   * Profiles kept in memory after their write, so the visitor's next event skips the storage read.
   * Default 50,000; `0` turns it off. With several workers each checks a cached profile's revision
   * against storage before using it, so no worker serves a copy another has changed since.
   */
  profileCacheSize: number;
  /**
   * SQLite with one process: an event's profile write is appended to a journal (durable before the
   * reply, as a commit is) and profiles are written to the table every this many ms, each once
   * whatever the number of its events. Default 5000; `0` writes every event to the table. Ignored
   * with several workers (they share the table and must see each other's writes).
   */
  profileWriteBehindMs: number;
  eventLog: { enabled: boolean; maxBytes: number };
  dcs: DcsConfig;
}

export const DEFAULTS: AudexConfig = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: './data',
  storage: 'sqlite',
  logLevel: 'info',
  demo: true,
  workers: 1,
  sqliteSynchronous: 'NORMAL',
  profileRetentionDays: 120,
  profileCacheSize: 50_000,
  profileWriteBehindMs: 5000,
  eventLog: { enabled: true, maxBytes: 64 * 1024 * 1024 },
  dcs: {
    region: 1,
    cookieName: 'audex_uuid',
    cookieMaxAgeDays: 180,
    cookieDomain: '',
    cookieSecure: true,
    eventBudgetMs: 100,
    allowedOrigins: ['*'],
    maxUrlBytes: 8192,
    maxBodyBytes: 32768,
    maxKeys: 200,
    maxValuesPerKey: 100,
    maxValueLength: 2048,
    gdprDefault: 'not-applies',
  },
};

const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });

/** JSON Schema of {@link AudexConfig}; unknown keys are errors so typos are caught. */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['port', 'host', 'dataDir', 'storage', 'logLevel', 'demo', 'workers', 'dcs', 'eventLog'],
  properties: {
    port: int(0, 65535),
    host: { type: 'string', minLength: 1 },
    dataDir: { type: 'string', minLength: 1 },
    storage: { enum: ['sqlite', 'memory'] },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    adminToken: { type: 'string', minLength: 16, maxLength: 256 },
    demo: { type: 'boolean' },
    workers: int(1, 256),
    sqliteSynchronous: { enum: ['NORMAL', 'FULL'] },
    profileRetentionDays: int(1, 3650),
    profileCacheSize: int(0, 10_000_000),
    profileWriteBehindMs: int(0, 3_600_000),
    eventLog: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: { type: 'boolean' }, maxBytes: int(1024, 2 ** 40) },
    },
    dcs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        region: int(0, 1000),
        cookieName: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
        cookieMaxAgeDays: int(1, 3650),
        cookieDomain: { type: 'string', pattern: '^(\\.?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*)?$' },
        cookieSecure: { type: 'boolean' },
        eventBudgetMs: int(1, 10_000),
        allowedOrigins: { type: 'array', items: { type: 'string', minLength: 1 } },
        maxUrlBytes: int(256, 65_536),
        maxBodyBytes: int(256, 1_048_576),
        maxKeys: int(1, 10_000),
        maxValuesPerKey: int(1, 10_000),
        maxValueLength: int(1, 65_536),
        gdprDefault: { enum: ['applies', 'not-applies'] },
      },
    },
  },
} as const;
