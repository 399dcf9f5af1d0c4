/** Test fixtures shared by the collector's tests: a call input, a minimal adapter, breaker settings. */
import type { PartnerAdapter, PartnerCallInput } from '../adapter.js';
import type { BreakerSettings } from './breaker.js';

/** Breaker settings that open a partner's breaker at its first failure. */
export const OPEN_AT_FIRST_FAILURE: BreakerSettings = {
  errorThresholdPercentage: 0,
  volumeThreshold: 1,
  windowMs: 10_000,
  resetMs: 60_000,
  consecutiveFailures: 0,
  consecutiveSpanMs: 0,
};

export function callInput(tmaxMs: number): PartnerCallInput {
  return { requestId: 'r1', tmaxMs, now: 0, user: {}, signals: {}, page: {}, device: {}, regs: {} };
}

/** GETs the endpoint; a 200's body is a comma-separated list of codes, any other status invalid. */
export const csvAdapter: PartnerAdapter<unknown> = {
  name: 'fake',
  paramsSchema: {},
  buildRequest: (_input, _params, endpoint) => ({ method: 'GET', url: endpoint, headers: {} }),
  parseResponse: (res) =>
    res.status === 200
      ? { kind: 'segments', codes: res.body.split(',') }
      : { kind: 'invalid', reason: `status ${res.status}` },
};
