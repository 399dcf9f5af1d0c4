/** Test fixtures shared by the collector's tests: a call input and a minimal adapter. */
import type { PartnerAdapter, PartnerCallInput } from '../adapter.js';

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
