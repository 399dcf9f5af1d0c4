import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../storage/memory/memory-stores.js';
import { adminHarness, created, seedBasics, type AdminHarness } from './admin-test-kit.js';
import { testSignals } from './traits-routes.js';

let h: AdminHarness;
let ids: { own: number; vendor: number; folder: number };
beforeEach(async () => {
  h = await adminHarness(createMemoryStores());
  ids = await seedBasics(h);
});
afterEach(async () => {
  await h.app.close();
});

interface ErrorJson {
  error: { code: string; message: string; details: { fields?: { field: string }[]; position?: number } };
}
const err = (res: { json<T>(): T }): ErrorJson['error'] => res.json<ErrorJson>().error;

function ruleTrait(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Runners',
    traitType: 'RULE_BASED_TRAIT',
    dataSourceId: ids.own,
    folderId: ids.folder,
    traitRule: 'c_sport == "running"',
    ...extra,
  };
}

describe('/traits/', () => {
  it('creates with defaults, replaces and deletes', async () => {
    const res = await h.call('editor', 'POST', '/traits/', ruleTrait({ integrationCode: 'run' }));
    expect(res.statusCode).toBe(201);
    const t = res.json<{ sid: number }>();
    expect(t).toMatchObject({ ...ruleTrait(), ttl: 120, status: 'ACTIVE', integrationCode: 'run' });

    const put = await h.call('editor', 'PUT', `/traits/${t.sid}`, ruleTrait({ ttl: 0, status: 'INACTIVE' }));
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ sid: t.sid, ttl: 0, status: 'INACTIVE' });

    expect((await h.call('editor', 'DELETE', `/traits/${t.sid}`)).statusCode).toBe(204);
    expect((await h.call('viewer', 'GET', `/traits/${t.sid}`)).statusCode).toBe(404);
  });

  it('checks that the data source and folder exist, naming the field', async () => {
    for (const [field, body] of [
      ['dataSourceId', ruleTrait({ dataSourceId: 999 })],
      ['folderId', ruleTrait({ folderId: 999 })],
      ['folderId', ruleTrait({ folderId: 0 })],
    ] as const) {
      const res = await h.call('editor', 'POST', '/traits/', body);
      expect(res.statusCode).toBe(400);
      expect(err(res).code).toBe('AUDEX_VALIDATION');
      expect(err(res).details.fields?.map((f) => f.field)).toEqual([field]);
    }
  });

  it('requires a valid rule for rule-based traits and reports where it breaks', async () => {
    const missing = await h.call('editor', 'POST', '/traits/', ruleTrait({ traitRule: undefined }));
    expect(err(missing).details.fields?.map((f) => f.field)).toEqual(['traitRule']);

    const bad = await h.call('editor', 'POST', '/traits/', ruleTrait({ traitRule: 'c_a !! "x"' }));
    expect(bad.statusCode).toBe(400);
    expect(err(bad).code).toBe('AUDEX_RULE_INVALID');
    expect(err(bad).details).toEqual({
      field: 'traitRule',
      message: 'unexpected "!"',
      position: 4,
      expected: ['==', '!='],
    });

    // Onboarded traits need no rule.
    const onboarded = await h.call(
      'editor',
      'POST',
      '/traits/',
      ruleTrait({ traitType: 'ON_BOARDED_TRAIT', traitRule: undefined }),
    );
    expect(onboarded.statusCode).toBe(201);
  });

  it('refuses to delete a trait a segment references (409 AUDEX_IN_USE), by id and by integration code', async () => {
    const t = await created<{ sid: number }>(h, '/traits/', ruleTrait({ integrationCode: 'run' }));
    const other = await created<{ sid: number }>(h, '/traits/', ruleTrait({ name: 'Other' }));
    const seg = await created<{ sid: number }>(h, '/segments/', {
      name: 's',
      dataSourceId: ids.own,
      segmentRule: `(${t.sid}T) AND NOT ${other.sid}t`,
    });
    for (const path of [`/traits/${t.sid}`, '/traits/ic:run', `/traits/${other.sid}`]) {
      const res = await h.call('editor', 'DELETE', path);
      expect(res.statusCode, path).toBe(409);
      expect(err(res).code).toBe('AUDEX_IN_USE');
      expect(res.json<{ error: { details: { segments: number[] } } }>().error.details.segments).toEqual([
        seg.sid,
      ]);
    }
    expect((await h.call('editor', 'DELETE', `/segments/${seg.sid}`)).statusCode).toBe(204);
    expect((await h.call('editor', 'DELETE', '/traits/ic:run')).statusCode).toBe(204);
    expect((await h.call('editor', 'DELETE', '/traits/ic:run')).statusCode).toBe(404);
  });

  it('filters lists by folder, data source, status and type, and pages them', async () => {
    const f2 = (await created<{ folderId: number }>(h, '/folders/traits/', { name: 'Other' })).folderId;
    await created(h, '/traits/', ruleTrait({ name: 'a' }));
    await created(h, '/traits/', ruleTrait({ name: 'b', folderId: f2, status: 'INACTIVE' }));
    await created(
      h,
      '/traits/',
      ruleTrait({ name: 'c', dataSourceId: ids.vendor, traitType: 'ON_BOARDED_TRAIT' }),
    );
    const names = async (q: string): Promise<string[]> =>
      (await h.call('viewer', 'GET', `/traits/${q}`)).json<{ name: string }[]>().map((t) => t.name);
    expect(await names(`?folderId=${ids.folder}`)).toEqual(['Sports Folder Trait', 'a', 'c']);
    expect(await names(`?folderId=${ids.folder}&traitType=RULE_BASED_TRAIT`)).toEqual(['a']);
    expect(await names(`?dataSourceId=${ids.vendor}`)).toEqual(['c']);
    expect(await names('?status=INACTIVE')).toEqual(['b']);
    const page = (
      await h.call('viewer', 'GET', '/traits/?traitType=RULE_BASED_TRAIT&page=0&pageSize=1')
    ).json();
    expect(page).toMatchObject({ page: 0, pageSize: 1, total: 2, list: [{ name: 'a' }] });
  });
});

describe('POST /traits/validate and /traits/test', () => {
  it('validates without saving', async () => {
    const ok = await h.call('editor', 'POST', '/traits/validate', { traitRule: 'c_a == "1"' });
    expect(ok.json()).toEqual({ valid: true });
    const bad = await h.call('editor', 'POST', '/traits/validate', { traitRule: 'c_a !! 1' });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toEqual({
      valid: false,
      error: { message: 'unexpected "!"', position: 4, expected: ['==', '!='] },
    });
    expect((await h.call('viewer', 'GET', '/traits/')).json<unknown[]>()).toHaveLength(1);
  });

  it('tests a rule against signals or a query string', async () => {
    const test = async (body: unknown): Promise<unknown> =>
      (await h.call('editor', 'POST', '/traits/test', body)).json();
    expect(await test({ traitRule: 'c_b == "y"', signals: { c_b: ['x', 'y'] } })).toEqual({ matched: true });
    expect(await test({ traitRule: 'c_b == "z"', signals: { c_b: ['x'] } })).toEqual({ matched: false });
    expect(await test({ traitRule: 'c_b == "y"', query: 'c_a=1&c_b=x,y' })).toEqual({ matched: true });
    const invalid = await h.call('editor', 'POST', '/traits/test', { traitRule: 'nonsense', query: 'a=1' });
    expect(invalid.statusCode).toBe(400);
    expect(err(invalid).code).toBe('AUDEX_RULE_INVALID');
    const none = await h.call('editor', 'POST', '/traits/test', { traitRule: 'a == "1"' });
    expect(err(none).code).toBe('AUDEX_VALIDATION');
  });

  it('turns a query string into signals: repeated keys and comma-serialised values add values', () => {
    const map = testSignals({ query: '?c_a=1&c_b=x,y&c_a=2&c_c=%2Fpath', signals: { c_d: ['d'] } });
    expect(Object.fromEntries(map)).toEqual({ c_d: ['d'], c_a: ['1', '2'], c_b: ['x', 'y'], c_c: ['/path'] });
  });
});
