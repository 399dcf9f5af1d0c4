import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../storage/memory/memory-stores.js';
import { adminHarness, type AdminHarness } from './admin-test-kit.js';
import { ensureAdminToken, hashToken, mintToken, roleAllows } from './auth.js';

describe('tokens', () => {
  it('hashes to hex SHA-256 and mints adx_ + 32 random bytes base64url', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const t = mintToken();
    expect(t).toMatch(/^adx_[A-Za-z0-9_-]{43}$/);
    expect(mintToken()).not.toBe(t);
  });

  it('orders roles viewer < editor < admin', () => {
    expect(roleAllows('admin', 'editor')).toBe(true);
    expect(roleAllows('editor', 'viewer')).toBe(true);
    expect(roleAllows('editor', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'editor')).toBe(false);
  });
});

describe('ensureAdminToken', () => {
  it('mints and stores an admin token on first start, returning the plaintext once', async () => {
    const { tokens } = createMemoryStores();
    const minted = await ensureAdminToken(tokens, undefined, 5);
    expect(minted).toMatch(/^adx_/);
    const stored = await tokens.findByHash(hashToken(minted ?? ''));
    expect(stored).toMatchObject({ role: 'admin', createTime: 5 });
    expect(await ensureAdminToken(tokens, undefined, 6)).toBeUndefined();
    expect(await tokens.count()).toBe(1);
  });

  it('stores a seed token once, also when other tokens exist, and never returns it', async () => {
    const { tokens } = createMemoryStores();
    await ensureAdminToken(tokens, undefined, 1);
    expect(await ensureAdminToken(tokens, 'adx_seed', 2)).toBeUndefined();
    expect(await ensureAdminToken(tokens, 'adx_seed', 3)).toBeUndefined();
    expect(await tokens.count()).toBe(2);
    expect((await tokens.findByHash(hashToken('adx_seed')))?.role).toBe('admin');
    expect((await tokens.list()).some((t) => t.hash.includes('seed'))).toBe(false);
  });
});

describe('auth hook', () => {
  let h: AdminHarness;
  afterEach(async () => {
    await h.app.close();
  });

  it('answers 401 AUDEX_UNAUTHORIZED with a Bearer challenge without or with an unknown token', async () => {
    h = await adminHarness(createMemoryStores());
    const none = await h.call(null, 'GET', '/traits/');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.json<{ error: { code: string } }>().error.code).toBe('AUDEX_UNAUTHORIZED');
    for (const authorization of ['Bearer adx_nope', 'Basic YTpi', 'Bearer', h.tokens.admin]) {
      const res = await h.app.inject({ url: '/api/v1/traits/', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('checks the token before the body: an anonymous bad body is 401, not 400', async () => {
    h = await adminHarness(createMemoryStores());
    expect((await h.call(null, 'POST', '/traits/', { nonsense: true })).statusCode).toBe(401);
  });

  it('lets viewers read, editors write the catalog, and only admins manage tokens', async () => {
    h = await adminHarness(createMemoryStores());
    const expectStatus = async (
      role: 'admin' | 'editor' | 'viewer',
      method: string,
      path: string,
      want: number,
      body?: unknown,
    ) => {
      const res = await h.call(role, method, path, body);
      expect(res.statusCode, `${role} ${method} ${path}: ${res.body}`).toBe(want);
      if (want === 403) expect(res.json<{ error: { code: string } }>().error.code).toBe('AUDEX_FORBIDDEN');
    };
    for (const role of ['viewer', 'editor', 'admin'] as const)
      await expectStatus(role, 'GET', '/datasources/', 200);
    await expectStatus('viewer', 'POST', '/datasources/', 403, { name: 'x' });
    await expectStatus('viewer', 'PUT', '/datasources/1', 403, { name: 'x' });
    await expectStatus('viewer', 'DELETE', '/datasources/1', 403);
    await expectStatus('editor', 'POST', '/datasources/', 201, { name: 'x' });
    await expectStatus('editor', 'PUT', '/datasources/1', 200, { name: 'y' });
    await expectStatus('admin', 'POST', '/datasources/', 201, { name: 'z' });
    await expectStatus('editor', 'DELETE', '/datasources/1', 204);
    // Token management is admin-only, reads included.
    await expectStatus('viewer', 'GET', '/tokens/', 403);
    await expectStatus('editor', 'GET', '/tokens/', 403);
    await expectStatus('editor', 'POST', '/tokens/', 403, { name: 'n', role: 'viewer' });
    await expectStatus('admin', 'GET', '/tokens/', 200);
    // Validation helpers change nothing, so viewers may use them.
    await expectStatus('viewer', 'POST', '/traits/validate', 200, { traitRule: 'a == "b"' });
    await expectStatus('viewer', 'POST', '/segments/validate', 200, { segmentRule: '1T' });
    await expectStatus('viewer', 'POST', '/traits/test', 200, { traitRule: 'a == "b"', query: 'a=b' });
  });
});
