/**
 * Compiles partner instances for a catalog snapshot: resolves the adapter from the registry,
 * validates params with the adapter's JSON Schema and the endpoint with the adapter's check,
 * compiles the call rule, applies defaults. A partner that fails any check is left out and
 * reported (the rest of the catalog still loads).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { DataSource } from '../../catalog/model.js';
import type { Partner } from '../../catalog/partner-model.js';
import { TraitMatcher } from '../../rules/index.js';
import { getAdapter } from '../registry.js';
import { DEFAULT_BREAKER } from './breaker.js';
import type { CompiledPartner } from './compiled-partner.js';

export interface PartnerProblem {
  partnerId: number;
  message: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

/** Problems with one partner instance (used by the admin API at save time and at compile). */
export function checkPartner(p: Partner, dataSources: ReadonlyMap<number, DataSource>): string[] {
  const problems: string[] = [];
  const adapter = getAdapter(p.adapter);
  if (adapter === undefined) return [`unknown adapter '${p.adapter}'`];
  let validate = validators.get(adapter.name);
  if (validate === undefined) {
    validate = ajv.compile(adapter.paramsSchema);
    validators.set(adapter.name, validate);
  }
  if (!validate(p.params ?? {})) {
    for (const e of validate.errors ?? [])
      problems.push(`params${e.instancePath}: ${e.message ?? 'invalid'}`);
  }
  try {
    const url = new URL(p.endpoint.replace(/\{[^}]*\}/g, 'x'));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('endpoint must be http(s)');
  } catch {
    problems.push('endpoint is not a URL');
  }
  problems.push(...(adapter.checkEndpoint?.(p.endpoint) ?? []));
  const ds = dataSources.get(p.dataSourceId);
  if (ds === undefined) problems.push(`dataSourceId ${p.dataSourceId} does not exist`);
  if (p.callRule !== undefined) {
    const { errors } = TraitMatcher.compile([{ sid: 1, dataSourceId: 0, rule: p.callRule }]);
    for (const e of errors) problems.push(`callRule at ${e.error.position}: ${e.error.message}`);
  }
  return problems;
}

export function compilePartners(
  partners: readonly Partner[],
  dataSources: ReadonlyMap<number, DataSource>,
): { partners: CompiledPartner[]; problems: PartnerProblem[] } {
  const out: CompiledPartner[] = [];
  const problems: PartnerProblem[] = [];
  for (const p of partners) {
    if (p.status !== 'ACTIVE') continue;
    const issues = checkPartner(p, dataSources);
    const adapter = getAdapter(p.adapter);
    if (issues.length > 0 || adapter === undefined) {
      for (const message of issues) problems.push({ partnerId: p.partnerId, message });
      continue;
    }
    out.push({
      key: `p${p.partnerId}`,
      partnerId: p.partnerId,
      name: p.name,
      dataSourceId: p.dataSourceId,
      adapter,
      params: p.params ?? {},
      endpoint: p.endpoint,
      mode: p.mode,
      tmaxMs: p.tmaxMs ?? 80,
      lateWindowMs: p.lateWindowMs ?? 1000,
      cacheTtlSec: p.cacheTtlSec ?? 3600,
      cacheTtlMinSec: p.cacheTtlMinSec ?? 60,
      cacheTtlMaxSec: p.cacheTtlMaxSec ?? 604_800,
      ...(p.callRule !== undefined ? { callRule: compileCallRule(p.callRule) } : {}),
      callRuleUsesTraits: p.callRule !== undefined && /\btrait\b/.test(p.callRule),
      needsIdSync: p.needsIdSync ?? false,
      ...(p.idSyncUrl !== undefined ? { idSyncUrl: p.idSyncUrl } : {}),
      ...(p.tcfVendorId !== undefined ? { tcfVendorId: p.tcfVendorId } : {}),
      samplingPct: p.samplingPct ?? 100,
      ...(p.rateLimitPerSec !== undefined ? { rateLimitPerSec: p.rateLimitPerSec } : {}),
      breaker: { ...DEFAULT_BREAKER, ...p.breaker },
      ...(p.secrets !== undefined && p.secrets.length > 0 ? { secrets: p.secrets } : {}),
      send: {
        visitorId: p.send?.visitorId ?? false,
        pageUrl: p.send?.pageUrl ?? false,
        ip: p.send?.ip ?? false,
        userAgent: p.send?.userAgent ?? false,
        signalKeys: (p.send?.signalKeys ?? []).filter((k) => !k.startsWith('p_')),
      },
    });
  }
  return { partners: out, problems };
}

function compileCallRule(rule: string) {
  const { matcher } = TraitMatcher.compile([{ sid: 1, dataSourceId: 0, rule }]);
  return (signals: Parameters<TraitMatcher['match']>[0]) => matcher.match(signals).length > 0;
}
