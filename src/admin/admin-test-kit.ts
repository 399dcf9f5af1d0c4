/**
 * Test support for the admin API tests: an app with the plugin under `/api/v1`, one token per role,
 * fake rule validators, and a request helper. Takes the stores as a parameter so the tests (not
 * this file) choose the concrete adapter (eslint: only tests and `app.ts` import adapters).
 */
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import type { RuleError } from '../rules/index.js';
import type { Stores } from '../storage/stores.js';
import { adminPlugin, type AdminValidators } from './admin-plugin.js';
import { tokenRecord, type Role } from './auth.js';

export const T0 = 1_700_000_000_000;

/**
 * Fake validators with just enough behaviour to observe: a trait rule is invalid where it has `!!`;
 * a segment rule is invalid where it names a trait the lookup does not know, or puts a third-party
 * or onboarded trait inside `frequency(...)`; `testTrait` understands `key == "value"` only.
 */
export const fakeValidators: AdminValidators = {
  trait(text) {
    const at = text.indexOf('!!');
    return at < 0 ? undefined : { message: 'unexpected "!"', position: at, expected: ['==', '!='] };
  },
  segment(text, lookup) {
    const inFrequency = /^frequency\(/i.test(text);
    for (const m of text.matchAll(/(\d+)T/g)) {
      const info = lookup(Number(m[1]));
      if (info === undefined) return { message: `unknown trait ${m[1]}`, position: m.index };
      if (inFrequency && (!info.firstParty || info.kind === 'ON_BOARDED')) {
        return {
          message: 'recency/frequency needs a first-party rule-based or folder trait',
          position: m.index,
        };
      }
    }
    return undefined;
  },
  testTrait(text, signals): boolean | RuleError {
    const m = /^(\w+) == "([^"]*)"$/.exec(text);
    if (m === null) return { message: 'fake grammar: key == "value"', position: 0 };
    return signals.get(m[1] ?? '')?.includes(m[2] ?? '') ?? false;
  },
};

export interface AdminHarness {
  app: FastifyInstance;
  stores: Stores;
  /** Plaintext tokens by role. */
  tokens: Record<Role, string>;
  /** Calls `/api/v1<path>` with the given role's token (`null`: no Authorization header). */
  call(role: Role | null, method: string, path: string, body?: unknown): Promise<LightMyRequestResponse>;
}

/** Builds the app around `stores` and seeds one token per role. */
export async function adminHarness(
  stores: Stores,
  validators: AdminValidators = fakeValidators,
): Promise<AdminHarness> {
  const tokens = { admin: 'adx_test_admin', editor: 'adx_test_editor', viewer: 'adx_test_viewer' };
  for (const role of ['admin', 'editor', 'viewer'] as const) {
    await stores.tokens.put(tokenRecord(tokens[role], `${role} token`, role, T0));
  }
  const app = Fastify();
  let clock = T0;
  await app.register(adminPlugin, {
    prefix: '/api/v1',
    catalog: stores.catalog,
    tokens: stores.tokens,
    validators,
    now: () => (clock += 1000),
  });
  await app.ready();
  return {
    app,
    stores,
    tokens,
    call(role, method, path, body) {
      const headers: Record<string, string> =
        role === null ? {} : { authorization: `Bearer ${tokens[role]}` };
      return app.inject({
        method: method as 'GET',
        url: `/api/v1${path}`,
        headers,
        ...(body === undefined ? {} : { payload: body as object }),
      });
    },
  };
}

/** Creates an entity through the API as editor and returns its JSON; fails the test otherwise. */
export async function created<T = Record<string, unknown>>(
  h: AdminHarness,
  path: string,
  body: unknown,
): Promise<T> {
  const res = await h.call('editor', 'POST', path, body);
  if (res.statusCode !== 201) throw new Error(`POST ${path} → ${res.statusCode} ${res.body}`);
  return res.json<T>();
}

/** A first-party and a third-party data source and one root folder, for trait and segment tests. */
export async function seedBasics(h: AdminHarness): Promise<{ own: number; vendor: number; folder: number }> {
  const own = await created<{ dataSourceId: number }>(h, '/datasources/', { name: 'Site' });
  const vendor = await created<{ dataSourceId: number }>(h, '/datasources/', {
    name: 'Vendor',
    thirdParty: true,
  });
  const folder = await created<{ folderId: number }>(h, '/folders/traits/', { name: 'Sports' });
  return { own: own.dataSourceId, vendor: vendor.dataSourceId, folder: folder.folderId };
}
