/**
 * The published JSON Schemas (docs/schemas/) and the `audex` adapter agree: every exemplary
 * request it builds and every exemplary answer validates, and every 200 answer the adapter calls
 * `invalid` for its shape is one the response schema also rejects.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureInput, fixtureResponse, loadFixtures, DEFAULT_ENDPOINT } from './adapter-fixtures.js';
import { ADAPTERS } from './registry.js';

const SCHEMAS_DIR = join(import.meta.dirname, '..', '..', 'docs', 'schemas');
const load = (file: string): object => JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')) as object;

// `format` is documentation here; the DCS does not promise RFC 3986 for page URLs it relays.
const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
const validateRequest = ajv.compile(load('partner-request.schema.json'));
const validateResponse = ajv.compile(load('partner-response.schema.json'));
const fixtures = loadFixtures('audex');

describe('docs/schemas and the audex adapter', () => {
  for (const { kind, file, fixture } of fixtures.filter((f) => f.kind === 'exemplary')) {
    it(`${kind}/${basename(file)}: request and response validate`, () => {
      const req = ADAPTERS.audex.buildRequest(
        fixtureInput(fixture),
        {},
        fixture.endpoint ?? DEFAULT_ENDPOINT,
      );
      expect(validateRequest(JSON.parse(req.body ?? 'null')), JSON.stringify(validateRequest.errors)).toBe(
        true,
      );
      const res = fixtureResponse(fixture);
      if (res?.status === 200) {
        expect(validateResponse(JSON.parse(res.body)), JSON.stringify(validateResponse.errors)).toBe(true);
      }
    });
  }

  const shapeFailures = fixtures.filter(({ fixture }) => {
    const res = fixtureResponse(fixture);
    return res?.status === 200 && fixture.expectedAnswer?.kind === 'invalid' && isJson(res.body);
  });
  it('has shape-failure fixtures to compare', () => expect(shapeFailures.length).toBeGreaterThan(3));
  for (const { file, fixture } of shapeFailures) {
    it(`supplemental/${basename(file)}: the response schema rejects it too`, () => {
      expect(validateResponse(JSON.parse(fixtureResponse(fixture)?.body ?? 'null'))).toBe(false);
    });
  }

  it('rejects a request carrying a private p_ signal', () => {
    const req = ADAPTERS.audex.buildRequest(
      fixtureInput({ description: 'x', input: { signals: { p_email: ['x'] } } }),
      {},
      DEFAULT_ENDPOINT,
    );
    expect(validateRequest(JSON.parse(req.body ?? 'null'))).toBe(false);
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
