/**
 * The one fixture runner for every registered adapter (STYLE.md §3): each JSON file under
 * `adapters/<name>/fixtures/` is a test case. Add cases by adding files, not code.
 */
import { Ajv } from 'ajv';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PartnerAdapter } from '../adapter.js';
import {
  DEFAULT_ENDPOINT,
  fixtureInput,
  fixtureResponse,
  loadFixtures,
  type LoadedFixture,
} from '../adapter-fixtures.js';
import { ADAPTERS } from '../registry.js';

const ajv = new Ajv({ strict: true, allErrors: true });

function runFixture(adapter: PartnerAdapter<unknown>, { fixture }: LoadedFixture): void {
  const params = fixture.params ?? {};
  const validParams = ajv.validate(adapter.paramsSchema, params);
  if (fixture.paramsInvalid === true) {
    expect(validParams, 'params should be rejected by the schema').toBe(false);
    return;
  }
  expect(ajv.errors ?? [], 'params should pass the schema').toEqual([]);

  const endpoint = fixture.endpoint ?? DEFAULT_ENDPOINT;
  if (fixture.endpointProblems !== undefined) {
    expect(adapter.checkEndpoint?.(endpoint) ?? []).toEqual(fixture.endpointProblems);
  }
  const input = fixtureInput(fixture);

  if (fixture.expectedRequest !== undefined) {
    const { body, ...rest } = adapter.buildRequest(input, params, endpoint);
    const { body: expectedBody, ...expectedRest } = fixture.expectedRequest;
    expect(rest).toStrictEqual(expectedRest);
    if (typeof expectedBody === 'string' || expectedBody === undefined) expect(body).toEqual(expectedBody);
    else expect(JSON.parse(body ?? 'null')).toEqual(expectedBody);
  }

  const response = fixtureResponse(fixture);
  if (response !== undefined) {
    expect(fixture.expectedAnswer, 'a response needs an expectedAnswer').toBeDefined();
    expect(adapter.parseResponse(response, input, params)).toStrictEqual(fixture.expectedAnswer);
  }
}

for (const [name, entry] of Object.entries(ADAPTERS)) {
  const adapter = entry as PartnerAdapter<unknown>;
  describe(`adapter ${name}`, () => {
    for (const loaded of loadFixtures(name)) {
      it(`${loaded.kind}/${basename(loaded.file)}: ${loaded.fixture.description}`, () => {
        runFixture(adapter, loaded);
      });
    }

    it('never throws while parsing arbitrary bodies', () => {
      const input = fixtureInput({ description: 'fuzz' });
      const bodies = ['', 'null', '[]', '"x"', '1e999', '{"segments":', '{"user":{"data":[null]}}', '\u0000'];
      for (const status of [200, 204, 302, 404, 500]) {
        for (const body of bodies) {
          const answer = adapter.parseResponse({ status, headers: {}, body }, input, {});
          expect(['segments', 'empty', 'invalid']).toContain(answer.kind);
        }
      }
    });
  });
}
