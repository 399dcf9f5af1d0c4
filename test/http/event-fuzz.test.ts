import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../helpers/test-app.js';

// Throws random query strings and bodies at /event: the server answers every one (never 5xx) and
// a request answered with 311 leaves no profile behind.
describe('/event under random input', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(async () => app.close());

  const pieces = fc.oneof(
    fc.constantFrom(
      'd_sid=',
      'd_rtbd=json',
      'd_cb=',
      'd_cid=',
      'd_cid_ic=',
      'd_uuid=',
      'c_',
      'p_',
      'h_',
      '%',
      '%0',
      '%01',
      '%zz',
      ',',
      '=',
      '&',
      '"',
      '+',
      'gdpr=1',
      'd_tdpid=',
    ),
    fc.string({ maxLength: 12 }),
    fc.stringMatching(/^[a-z0-9_]{1,8}=[a-z0-9,%]{0,10}$/),
  );
  const query = fc.array(pieces, { maxLength: 25 }).map((xs) => xs.join(''));

  it('answers any query string with 200 (or 413), never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const res = await app.server.inject({
          method: 'GET',
          url: `/event?${encodeURI(q).replaceAll('#', '%23')}`,
        });
        expect([200, 413]).toContain(res.statusCode);
      }),
      { numRuns: 300 },
    );
  });

  it('answers any form body with 200 (or 413), never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        query,
        fc.constantFrom('application/x-www-form-urlencoded', 'text/plain'),
        async (body, type) => {
          const res = await app.server.inject({
            method: 'POST',
            url: '/event?d_rtbd=json',
            headers: { 'content-type': type },
            payload: body,
          });
          expect([200, 413]).toContain(res.statusCode);
          if (String(res.headers['content-type']).startsWith('application/json'))
            expect(() => res.json()).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });
});
