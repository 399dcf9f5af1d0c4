import { describe, expect, it } from 'vitest';
import type { PartnerAdapter } from '../adapter.js';
import { DEFAULT_BREAKER } from './breaker.js';
import type { CompiledPartner } from './compiled-partner.js';
import { planPartners, type PlanInput } from './planner.js';

const adapter = { name: 'fake', paramsSchema: {} } as unknown as PartnerAdapter<unknown>;

function partner(over: Partial<CompiledPartner> = {}): CompiledPartner {
  return {
    key: 'p1',
    partnerId: 1,
    name: 'P',
    dataSourceId: 2,
    adapter,
    params: {},
    endpoint: 'http://127.0.0.1:1/',
    mode: 'sync',
    tmaxMs: 80,
    lateWindowMs: 1000,
    cacheTtlSec: 3600,
    cacheTtlMinSec: 60,
    cacheTtlMaxSec: 604800,
    callRuleUsesTraits: false,
    needsIdSync: false,
    samplingPct: 100,
    breaker: DEFAULT_BREAKER,
    send: { visitorId: false, pageUrl: false, ip: false, userAgent: false, signalKeys: [] },
    ...over,
  };
}

const base: PlanInput = {
  signals: new Map([['c_section', ['sports']]]),
  traitIds: () => ['1001'],
  partnerStates: {},
  optedOut: false,
  now: 1_000_000,
  gate: () => ({ allowed: true }),
  breakerOpen: () => false,
  takeRate: () => true,
  random: () => 0,
};

const decide = (p: CompiledPartner, over: Partial<PlanInput> = {}) =>
  planPartners([p], { ...base, ...over })[0];

describe('planPartners', () => {
  it('calls a partner when nothing stands in the way', () => {
    expect(decide(partner())).toMatchObject({ action: 'call' });
  });

  it('skips with the reason of the first check that fails', () => {
    expect(decide(partner(), { optedOut: true })).toMatchObject({ action: 'skip', reason: 'opted-out' });
    expect(decide(partner(), { gate: () => ({ allowed: false, reason: 'gdpr-vendor' }) })).toMatchObject({
      reason: 'consent:gdpr-vendor',
    });
    expect(decide(partner({ callRule: (s) => s.get('c_section')?.[0] === 'news' }))).toMatchObject({
      reason: 'call-rule',
    });
    expect(decide(partner({ needsIdSync: true }))).toMatchObject({ reason: 'no-id-sync' });
    expect(decide(partner(), { breakerOpen: () => true })).toMatchObject({ reason: 'breaker-open' });
    expect(decide(partner({ samplingPct: 20 }), { random: () => 20 })).toMatchObject({
      reason: 'sampled-out',
    });
    expect(decide(partner({ samplingPct: 20 }), { random: () => 19.9 })).toMatchObject({ action: 'call' });
    expect(decide(partner({ rateLimitPerSec: 5 }), { takeRate: () => false })).toMatchObject({
      reason: 'rate-limited',
    });
  });

  it('reuses a fresh stored answer instead of calling, even while the breaker is open', () => {
    const states = { '2': { codes: ['A1'], freshUntil: base.now + 1 } };
    expect(decide(partner(), { partnerStates: states, breakerOpen: () => true })).toMatchObject({
      action: 'cached',
      codes: ['A1'],
    });
    const stale = { '2': { codes: ['A1'], freshUntil: base.now } };
    expect(decide(partner(), { partnerStates: stale })).toMatchObject({ action: 'call' });
  });

  it('calls a partner that needs an ID sync once the sync exists', () => {
    expect(decide(partner({ needsIdSync: true }), { partnerStates: { '2': { uid: 'p-7' } } })).toMatchObject({
      action: 'call',
    });
  });

  it('passes realised trait ids to call rules that read `trait`', () => {
    const p = partner({
      callRuleUsesTraits: true,
      callRule: (s) => s.get('trait')?.includes('1001') === true,
    });
    expect(decide(p)).toMatchObject({ action: 'call' });
    expect(decide(p, { traitIds: () => [] })).toMatchObject({ action: 'skip', reason: 'call-rule' });
  });

  it('leaves browser-side partners to the iframe', () => {
    expect(decide(partner({ mode: 'browser' }))).toMatchObject({ action: 'browser' });
  });
});
