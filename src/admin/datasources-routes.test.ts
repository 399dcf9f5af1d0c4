import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../storage/memory/memory-stores.js';
import { adminHarness, created, seedBasics, T0, type AdminHarness } from './admin-test-kit.js';

let h: AdminHarness;
beforeEach(async () => {
  h = await adminHarness(createMemoryStores());
});
afterEach(async () => {
  await h.app.close();
});

const code = (res: { json<T>(): T }): string => res.json<{ error: { code: string } }>().error.code;

describe('/datasources/', () => {
  it('creates with defaults, reads, replaces and deletes', async () => {
    const res = await h.call('editor', 'POST', '/datasources/', { name: 'Site', integrationCode: 'site' });
    expect(res.statusCode).toBe(201);
    const ds = res.json<{ dataSourceId: number; createTime: number; integrationCode?: string }>();
    expect(ds).toMatchObject({ name: 'Site', idType: 'COOKIE', thirdParty: false, status: 'ACTIVE' });
    expect(ds.createTime).toBeGreaterThan(T0);

    expect((await h.call('viewer', 'GET', `/datasources/${ds.dataSourceId}`)).json()).toEqual(ds);

    const { integrationCode: _dropped, ...rest } = ds;
    const put = await h.call('editor', 'PUT', `/datasources/${ds.dataSourceId}`, {
      ...rest,
      name: 'Site 2',
      thirdParty: true,
      idType: 'CROSS_DEVICE',
    });
    expect(put.statusCode).toBe(200);
    const replaced = put.json<Record<string, unknown>>();
    expect(replaced).toMatchObject({
      name: 'Site 2',
      thirdParty: true,
      idType: 'CROSS_DEVICE',
      createTime: ds.createTime,
    });
    // PUT replaces: the integration code not sent again is gone.
    expect(replaced['integrationCode']).toBeUndefined();

    expect((await h.call('editor', 'DELETE', `/datasources/${ds.dataSourceId}`)).statusCode).toBe(204);
    expect((await h.call('viewer', 'GET', `/datasources/${ds.dataSourceId}`)).statusCode).toBe(404);
    expect((await h.call('editor', 'DELETE', `/datasources/${ds.dataSourceId}`)).statusCode).toBe(404);
  });

  it('ignores read-only fields on POST and rejects a PUT whose body id differs from the path', async () => {
    const ds = await created<{ dataSourceId: number }>(h, '/datasources/', {
      name: 'A',
      dataSourceId: 99,
      createTime: 1,
    });
    expect(ds.dataSourceId).not.toBe(99);
    const res = await h.call('editor', 'PUT', `/datasources/${ds.dataSourceId}`, {
      name: 'A',
      dataSourceId: 99,
    });
    expect(res.statusCode).toBe(400);
    expect(code(res)).toBe('AUDEX_VALIDATION');
    expect((await h.call('editor', 'PUT', '/datasources/12345', { name: 'A' })).statusCode).toBe(404);
  });

  it('lists as a bare array without page and as a page object with it', async () => {
    for (const name of ['Alpha', 'Beta', 'Gamma', 'alphabet']) await created(h, '/datasources/', { name });
    await created(h, '/datasources/', { name: 'Off', status: 'INACTIVE' });

    const all = await h.call('viewer', 'GET', '/datasources/');
    expect(all.json<unknown[]>()).toHaveLength(5);
    expect(all.headers['x-total-count']).toBe('5');

    const page = await h.call('viewer', 'GET', '/datasources/?page=1&pageSize=2');
    const body = page.json<{ list: { name: string }[]; page: number; pageSize: number; total: number }>();
    expect(body).toMatchObject({ page: 1, pageSize: 2, total: 5 });
    expect(body.list.map((d) => d.name)).toEqual(['Gamma', 'alphabet']);

    const first = await h.call('viewer', 'GET', '/datasources/?page=0');
    expect(first.json<{ pageSize: number; list: unknown[] }>()).toMatchObject({ pageSize: 10 });

    const search = await h.call('viewer', 'GET', '/datasources/?search=ALPHA');
    expect(search.json<{ name: string }[]>().map((d) => d.name)).toEqual(['Alpha', 'alphabet']);

    const inactive = await h.call('viewer', 'GET', '/datasources?status=INACTIVE');
    expect(inactive.json<{ name: string }[]>().map((d) => d.name)).toEqual(['Off']);
  });

  it('refuses to delete a data source used by a trait or a segment (409 AUDEX_IN_USE)', async () => {
    const { own, folder } = await seedBasics(h);
    const trait = await created<{ sid: number }>(h, '/traits/', {
      name: 't',
      traitType: 'ON_BOARDED_TRAIT',
      dataSourceId: own,
      folderId: folder,
    });
    const res = await h.call('editor', 'DELETE', `/datasources/${own}`);
    expect(res.statusCode).toBe(409);
    expect(code(res)).toBe('AUDEX_IN_USE');
    expect(res.json<{ error: { details: unknown } }>().error.details).toEqual({ traits: 1, segments: 0 });

    const other = await created<{ dataSourceId: number }>(h, '/datasources/', { name: 'Segments only' });
    await created(h, '/segments/', {
      name: 's',
      dataSourceId: other.dataSourceId,
      segmentRule: `${trait.sid}T`,
    });
    expect(code(await h.call('editor', 'DELETE', `/datasources/${other.dataSourceId}`))).toBe('AUDEX_IN_USE');
  });

  it('rejects unknown fields and bad enum values, naming each', async () => {
    const res = await h.call('editor', 'POST', '/datasources/', { name: 'x', idType: 'EMAIL', pid: 4 });
    expect(res.statusCode).toBe(400);
    const fields = res.json<{ error: { details: { fields: { field: string }[] } } }>().error.details.fields;
    expect(fields.map((f) => f.field).sort()).toEqual(['idType', 'pid']);
  });
});
