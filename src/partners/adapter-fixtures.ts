/**
 * Loads the JSON fixture files of an adapter (`adapters/<name>/fixtures/{exemplary,supplemental}`),
 * the prebid-server `adapterstest` idea: the substance of an adapter's tests is data, and the
 * exemplary files double as documentation. Used by `adapters/adapters.test.ts` and the gatekeeping
 * `registry.test.ts`; not on the hot path (hence `node:fs`, outside the adapters' I/O boundary).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutboundRequest, PartnerAnswer, PartnerCallInput, PartnerResponse } from './adapter.js';

export type FixtureKind = 'exemplary' | 'supplemental';

/**
 * One fixture file. Only `description` is required; each other part, when present, is checked:
 * - `paramsInvalid: true` — `params` must fail the adapter's params schema (nothing else runs);
 * - `endpointProblems` — exactly what `checkEndpoint(endpoint)` must report;
 * - `expectedRequest` — what `buildRequest(input, params, endpoint)` must return; a non-string
 *   `body` is compared as parsed JSON;
 * - `response` + `expectedAnswer` — what `parseResponse` must make of it; a non-string response
 *   `body` is sent as its JSON text.
 * `input` is merged over {@link BASE_INPUT}, so supplemental files need only what they test.
 */
export interface AdapterFixture {
  description: string;
  endpoint?: string;
  params?: Record<string, unknown>;
  paramsInvalid?: boolean;
  endpointProblems?: string[];
  input?: Partial<PartnerCallInput>;
  expectedRequest?: Omit<OutboundRequest, 'body'> & { body?: unknown };
  response?: Omit<PartnerResponse, 'body' | 'headers'> & { headers?: Record<string, string>; body?: unknown };
  expectedAnswer?: PartnerAnswer;
}

export interface LoadedFixture {
  adapter: string;
  kind: FixtureKind;
  file: string;
  fixture: AdapterFixture;
}

/** The smallest valid input: a request with nothing known about the visitor. */
export const BASE_INPUT: PartnerCallInput = {
  requestId: '01JD0000000000000000000000',
  tmaxMs: 80,
  now: 1_735_689_600_000,
  user: {},
  signals: {},
  page: {},
  device: {},
  regs: {},
};

export const DEFAULT_ENDPOINT = 'https://provider.example/v1/segments';

export const ADAPTERS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'adapters');

export function fixtureFiles(adapter: string, kind: FixtureKind): string[] {
  const dir = join(ADAPTERS_DIR, adapter, 'fixtures', kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

export function loadFixtures(adapter: string): LoadedFixture[] {
  const kinds: FixtureKind[] = ['exemplary', 'supplemental'];
  return kinds.flatMap((kind) =>
    fixtureFiles(adapter, kind).map((file) => ({
      adapter,
      kind,
      file,
      fixture: JSON.parse(readFileSync(file, 'utf8')) as AdapterFixture,
    })),
  );
}

export function fixtureInput(fixture: AdapterFixture): PartnerCallInput {
  return { ...BASE_INPUT, ...fixture.input };
}

export function fixtureResponse(fixture: AdapterFixture): PartnerResponse | undefined {
  const res = fixture.response;
  if (res === undefined) return undefined;
  const body =
    res.body === undefined ? '' : typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  return { status: res.status, headers: res.headers ?? {}, body };
}
