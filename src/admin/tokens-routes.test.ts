import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../storage/memory/memory-stores.js';
import { adminHarness, type AdminHarness } from './admin-test-kit.js';
import { hashToken } from './auth.js';

let h: AdminHarness;
beforeEach(async () => {
  h = await adminHarness(createMemoryStores());
});
afterEach(async () => {
  await h.app.close();
});

interface TokenJson {
  id: string;
  name: string;
  role: string;
  createTime: number;
  token?: string;
}

describe('/tokens/', () => {
  it('lists tokens without hashes', async () => {
    const res = await h.call('admin', 'GET', '/tokens/');
    expect(res.statusCode).toBe(200);
    const list = res.json<TokenJson[]>();
    expect(list.map((t) => t.role).sort()).toEqual(['admin', 'editor', 'viewer']);
    for (const t of list) expect(Object.keys(t).sort()).toEqual(['createTime', 'id', 'name', 'role']);
    expect(res.body).not.toContain(hashToken(h.tokens.admin));
  });

  it('mints a token shown once, stored only as its hash, usable with its role', async () => {
    const res = await h.call('admin', 'POST', '/tokens/', { name: 'ci', role: 'editor' });
    expect(res.statusCode).toBe(201);
    const t = res.json<TokenJson>();
    expect(t).toMatchObject({ name: 'ci', role: 'editor' });
    expect(t.token).toMatch(/^adx_/);
    expect((await h.stores.tokens.findByHash(hashToken(t.token ?? '')))?.id).toBe(t.id);

    const use = (method: string, path: string, body?: unknown) =>
      h.app.inject({
        method: method as 'GET',
        url: `/api/v1${path}`,
        headers: { authorization: `Bearer ${t.token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    expect((await use('POST', '/datasources/', { name: 'by ci' })).statusCode).toBe(201);
    expect((await use('GET', '/tokens/')).statusCode).toBe(403);
    expect((await h.call('admin', 'GET', '/tokens/')).body).not.toContain(t.token);
  });

  it('rejects bad bodies', async () => {
    const res = await h.call('admin', 'POST', '/tokens/', { name: 'x', role: 'root', hash: 'abc' });
    expect(res.statusCode).toBe(400);
    const fields = res.json<{ error: { details: { fields: { field: string }[] } } }>().error.details.fields;
    expect(fields.map((f) => f.field).sort()).toEqual(['hash', 'role']);
  });

  it('revokes tokens but never the last admin token', async () => {
    const list = (await h.call('admin', 'GET', '/tokens/')).json<TokenJson[]>();
    const byRole = (role: string): string => list.find((t) => t.role === role)?.id ?? '';

    expect((await h.call('admin', 'DELETE', `/tokens/${byRole('viewer')}`)).statusCode).toBe(204);
    expect((await h.call('viewer', 'GET', '/traits/')).statusCode).toBe(401);
    expect((await h.call('admin', 'DELETE', '/tokens/nope')).statusCode).toBe(404);

    const last = await h.call('admin', 'DELETE', `/tokens/${byRole('admin')}`);
    expect(last.statusCode).toBe(409);
    expect(last.json<{ error: { code: string } }>().error.code).toBe('AUDEX_CONFLICT');

    const second = (
      await h.call('admin', 'POST', '/tokens/', { name: 'a2', role: 'admin' })
    ).json<TokenJson>();
    expect((await h.call('admin', 'DELETE', `/tokens/${byRole('admin')}`)).statusCode).toBe(204);
    expect((await h.call('admin', 'GET', '/tokens/')).statusCode).toBe(401);
    const stillIn = await h.app.inject({
      url: '/api/v1/tokens/',
      headers: { authorization: `Bearer ${second.token}` },
    });
    expect(stillIn.statusCode).toBe(200);
  });
});
