/**
 * Options of the reference provider server (`audex partner-sim`), their defaults, and the CLI
 * flag parser. Every problem is reported at once (STYLE.md §10).
 */
import { AudexError } from '../../errors/registry.js';
import { MAX_SEGMENT_CODES, SEGMENT_CODE_PATTERN } from '../adapters/shared/segment-codes.js';
import { MAX_ACTIVE_SECRETS } from '../signing.js';

/** Ways the simulator can misbehave on its segment endpoints (never on `/sync` or `/stats`). */
export const SIM_FAULTS = ['hang', 'reset', '500', 'garbage', 'huge', 'trickle', 'redirect'] as const;
export type SimFault = (typeof SIM_FAULTS)[number];

export interface PartnerSimOptions {
  /** TCP port; `0` picks a free one. Default 0. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /**
   * Fixed answer for every visitor; `[]` makes every call a `204`. Default: deterministic codes
   * per user id (1–3 of `A1..A9`, `B1..B9`, see `sim-segments.ts`), `204` when there is no id.
   */
  segments?: readonly string[];
  /** Fixed delay before answering, ms. Default 0. */
  latencyMs?: number;
  /** Mean of an extra, long-tailed delay (Lomax, α = 2; capped at 100× the mean), ms. Default 0. */
  latencyJitter?: number;
  /** Share of segment calls answered `500` instead, 0..1. Default 0. */
  errorRate?: number;
  /** Misbehaviour applied to segment calls. Default none. */
  fault?: SimFault;
  /** Share of segment calls the fault applies to, 0..1. Default 1. */
  faultRate?: number;
  /**
   * Verify `X-Audex-Signature` on the POST endpoints with this secret (or two, while rotating);
   * a bad or missing signature gets `401`. Default: no verification.
   */
  secret?: string | readonly string[];
  /** Replay window for signatures, ms. Default 300 000. */
  signatureWindowMs?: number;
  /** `ttl` (seconds) in answers and `max-age` on `204`s. Default 3600. */
  ttl?: number;
  /** Seed for latency, error and fault draws, for reproducible runs. Default: random. */
  seed?: number;
  /** Name of the simulator's own uid cookie (ID sync). Default `audex_sim_uid`. */
  cookieName?: string;
}

export const SIM_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  latencyMs: 0,
  latencyJitter: 0,
  errorRate: 0,
  faultRate: 1,
  signatureWindowMs: 300_000,
  ttl: 3600,
  cookieName: 'audex_sim_uid',
} as const;

const MAX_DELAY_MS = 600_000;

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

function isRate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
}

/** Every problem with a set of options (empty = fine). */
export function checkPartnerSimOptions(opts: PartnerSimOptions): string[] {
  const problems: string[] = [];
  const { port, latencyMs, latencyJitter, errorRate, faultRate, ttl, seed, segments, secret, fault } = opts;
  if (port !== undefined && !isIntIn(port, 0, 65_535)) problems.push('port must be an integer 0..65535');
  if (latencyMs !== undefined && !isIntIn(latencyMs, 0, MAX_DELAY_MS))
    problems.push('latency must be 0..600000 ms');
  if (latencyJitter !== undefined && !isIntIn(latencyJitter, 0, MAX_DELAY_MS)) {
    problems.push('jitter must be 0..600000 ms');
  }
  if (errorRate !== undefined && !isRate(errorRate)) problems.push('error rate must be a number 0..1');
  if (faultRate !== undefined && !isRate(faultRate)) problems.push('fault rate must be a number 0..1');
  if (ttl !== undefined && !isIntIn(ttl, 0, 315_360_000))
    problems.push('ttl must be a whole number of seconds');
  if (seed !== undefined && !isIntIn(seed, 0, 2 ** 32 - 1))
    problems.push('seed must be an integer 0..4294967295');
  if (fault !== undefined && !SIM_FAULTS.includes(fault))
    problems.push(`fault must be one of ${SIM_FAULTS.join('|')}`);
  if (segments !== undefined) {
    const bad = segments.filter((c) => !SEGMENT_CODE_PATTERN.test(c));
    if (bad.length > 0)
      problems.push(`segments must be codes of 1-64 [A-Za-z0-9_.:-], not ${bad.join(', ')}`);
    if (segments.length > MAX_SEGMENT_CODES) problems.push(`at most ${MAX_SEGMENT_CODES} segments`);
  }
  if (secret !== undefined) {
    const list = typeof secret === 'string' ? [secret] : secret;
    if (list.length === 0 || list.length > MAX_ACTIVE_SECRETS || list.some((s) => s.length === 0)) {
      problems.push(`secret must be 1 or ${MAX_ACTIVE_SECRETS} non-empty secrets`);
    }
  }
  return problems;
}

type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** A flag's value by its camelCase (commander) or kebab-case name. */
function flag(flags: Flags, camel: string): string | boolean | undefined {
  return flags[camel] ?? flags[camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)];
}

/**
 * CLI flags → options: `--port 9090 --host 0.0.0.0 --segments A1,B7 --latency 20 --jitter 30
 * --error-rate 0.1 --fault hang --fault-rate 0.5 --secret s1[,s2] --signature-window 60000
 * --ttl 600 --seed 42 --cookie-name sim_uid`. Unknown keys are ignored (they belong to the host
 * CLI). Throws `AUDEX_CONFIG_INVALID` listing every bad value.
 */
export function parsePartnerSimFlags(flags: Flags): PartnerSimOptions {
  const problems: string[] = [];
  const opts: PartnerSimOptions = {};
  const text = (name: string): string | undefined => {
    const v = flag(flags, name);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') {
      problems.push(`--${name} needs a value`);
      return undefined;
    }
    return v.trim();
  };
  const num = (name: string, label: string): number | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    const n = v === '' ? NaN : Number(v);
    if (Number.isNaN(n)) problems.push(`--${label} must be a number, got "${v}"`);
    return Number.isNaN(n) ? undefined : n;
  };

  const port = num('port', 'port');
  const latencyMs = num('latency', 'latency');
  const latencyJitter = num('jitter', 'jitter');
  const errorRate = num('errorRate', 'error-rate');
  const faultRate = num('faultRate', 'fault-rate');
  const signatureWindowMs = num('signatureWindow', 'signature-window');
  const ttl = num('ttl', 'ttl');
  const seed = num('seed', 'seed');
  if (port !== undefined) opts.port = port;
  if (latencyMs !== undefined) opts.latencyMs = latencyMs;
  if (latencyJitter !== undefined) opts.latencyJitter = latencyJitter;
  if (errorRate !== undefined) opts.errorRate = errorRate;
  if (faultRate !== undefined) opts.faultRate = faultRate;
  if (signatureWindowMs !== undefined) opts.signatureWindowMs = signatureWindowMs;
  if (ttl !== undefined) opts.ttl = ttl;
  if (seed !== undefined) opts.seed = seed;

  const host = text('host');
  if (host !== undefined) opts.host = host;
  const cookieName = text('cookieName');
  if (cookieName !== undefined) opts.cookieName = cookieName;
  const segments = text('segments');
  // `--segments ""` is meaningful: answer 204 to everyone.
  if (segments !== undefined) opts.segments = segments === '' ? [] : segments.split(',').map((s) => s.trim());
  const secret = text('secret');
  if (secret !== undefined) opts.secret = secret.split(',');
  const fault = text('fault');
  if (fault !== undefined) {
    if ((SIM_FAULTS as readonly string[]).includes(fault)) opts.fault = fault as SimFault;
    else problems.push(`--fault must be one of ${SIM_FAULTS.join('|')}, got "${fault}"`);
  }

  problems.push(...checkPartnerSimOptions(opts));
  if (problems.length > 0) {
    throw new AudexError('AUDEX_CONFIG_INVALID', `partner-sim: ${problems.join('; ')}`, problems);
  }
  return opts;
}
