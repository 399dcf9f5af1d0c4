/**
 * Builds the one configuration: defaults ← file ← environment ← CLI flags, validates it with
 * every error reported at once, and deep-freezes it.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { AudexError } from '../errors/registry.js';
import { CONFIG_SCHEMA, DEFAULTS, type AudexConfig } from './config-schema.js';

type Json = Record<string, unknown>;

/** Environment variables and the config path each sets. Documented in docs/configuration.md. */
export const ENV_VARS: Readonly<Record<string, string>> = {
  AUDEX_PORT: 'port',
  AUDEX_HOST: 'host',
  AUDEX_DATA_DIR: 'dataDir',
  AUDEX_STORAGE: 'storage',
  AUDEX_LOG_LEVEL: 'logLevel',
  AUDEX_ADMIN_TOKEN: 'adminToken',
  AUDEX_DEMO: 'demo',
  AUDEX_WORKERS: 'workers',
  AUDEX_SQLITE_SYNCHRONOUS: 'sqliteSynchronous',
  AUDEX_PROFILE_CACHE_SIZE: 'profileCacheSize',
  AUDEX_PROFILE_WRITE_BEHIND_MS: 'profileWriteBehindMs',
  AUDEX_EVENT_BUDGET_MS: 'dcs.eventBudgetMs',
  AUDEX_COOKIE_NAME: 'dcs.cookieName',
  AUDEX_COOKIE_DOMAIN: 'dcs.cookieDomain',
  AUDEX_COOKIE_SECURE: 'dcs.cookieSecure',
  AUDEX_DCS_REGION: 'dcs.region',
  AUDEX_ALLOWED_ORIGINS: 'dcs.allowedOrigins',
  AUDEX_EVENT_LOG: 'eventLog.enabled',
  AUDEX_GDPR_DEFAULT: 'dcs.gdprDefault',
};

export interface ConfigSources {
  /** Path of a JSON config file (flag `--config` or `AUDEX_CONFIG`). */
  file?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Already-parsed CLI flags as dotted paths, e.g. `{ port: '9000', demo: false }`. */
  flags?: Readonly<Record<string, unknown>>;
}

/** Loads, validates and freezes the configuration. Throws AUDEX_CONFIG_INVALID listing every problem. */
export function loadConfig(sources: ConfigSources = {}): Readonly<AudexConfig> {
  const config = structuredClone(DEFAULTS) as unknown as Json;
  const problems: string[] = [];
  const file = sources.file ?? sources.env?.['AUDEX_CONFIG'];
  if (file !== undefined && file !== '') {
    try {
      deepMerge(config, JSON.parse(readFileSync(file, 'utf8')) as Json);
    } catch (err) {
      problems.push(`config file ${file}: ${(err as Error).message}`);
    }
  }
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const raw = sources.env?.[name];
    if (raw !== undefined && raw !== '') setPath(config, path, coerce(path, raw));
  }
  for (const [path, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) setPath(config, path, typeof value === 'string' ? coerce(path, value) : value);
  }
  const validate = new Ajv({ allErrors: true, strict: false }).compile(CONFIG_SCHEMA);
  if (!validate(config)) {
    for (const e of validate.errors ?? []) {
      const where = e.instancePath === '' ? '(root)' : e.instancePath.slice(1).replaceAll('/', '.');
      const extra =
        e.keyword === 'additionalProperties' ? ` '${String(e.params['additionalProperty'])}'` : '';
      problems.push(`${where}: ${e.message ?? 'invalid'}${extra}`);
    }
  }
  if (problems.length > 0) {
    throw new AudexError(
      'AUDEX_CONFIG_INVALID',
      `Configuration is invalid:\n  - ${problems.join('\n  - ')}`,
      problems,
    );
  }
  return deepFreeze(config) as unknown as Readonly<AudexConfig>;
}

const NUMERIC = new Set([
  'port',
  'workers',
  'profileRetentionDays',
  'profileCacheSize',
  'profileWriteBehindMs',
  'dcs.eventBudgetMs',
  'dcs.region',
]);
const BOOLEAN = new Set(['demo', 'dcs.cookieSecure', 'eventLog.enabled']);
const LIST = new Set(['dcs.allowedOrigins']);

/** Environment and flags are strings; turn them into the schema's types (ajv then checks). */
function coerce(path: string, raw: string): unknown {
  if (NUMERIC.has(path)) return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (BOOLEAN.has(path))
    return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
  if (LIST.has(path))
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return raw;
}

function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1] as string] = value;
}

function deepMerge(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isObject(value) && isObject(existing)) deepMerge(existing, value);
    else target[key] = value;
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
