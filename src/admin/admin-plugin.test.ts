import { afterEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { createMemoryStores } from '../storage/memory/memory-stores.js';
import { adminHarness, type AdminHarness } from './admin-test-kit.js';

let h: AdminHarness;
afterEach(async () => {
  await h.app.close();
});

/** Every documented operation, as `METHOD /path` in OpenAPI notation. */
const OPERATIONS = [
  'get /api/v1/openapi.json',
  'get /api/v1/datasources/',
  'post /api/v1/datasources/',
  'get /api/v1/datasources/{id}',
  'put /api/v1/datasources/{id}',
  'delete /api/v1/datasources/{id}',
  'get /api/v1/folders/traits/',
  'post /api/v1/folders/traits/',
  'get /api/v1/folders/traits/{id}',
  'put /api/v1/folders/traits/{id}',
  'delete /api/v1/folders/traits/{id}',
  'get /api/v1/traits/',
  'post /api/v1/traits/',
  'get /api/v1/traits/{id}',
  'put /api/v1/traits/{id}',
  'delete /api/v1/traits/{id}',
  'delete /api/v1/traits/ic:{code}',
  'post /api/v1/traits/validate',
  'post /api/v1/traits/test',
  'get /api/v1/segments/',
  'post /api/v1/segments/',
  'get /api/v1/segments/{id}',
  'put /api/v1/segments/{id}',
  'delete /api/v1/segments/{id}',
  'delete /api/v1/segments/ic:{code}',
  'post /api/v1/segments/validate',
  'get /api/v1/partners/',
  'post /api/v1/partners/',
  'get /api/v1/partners/{id}',
  'put /api/v1/partners/{id}',
  'delete /api/v1/partners/{id}',
  'get /api/v1/tokens/',
  'post /api/v1/tokens/',
  'delete /api/v1/tokens/{id}',
];

describe('OpenAPI document', () => {
  it('is served without a token, is OpenAPI 3 JSON and lists exactly the admin operations', async () => {
    h = await adminHarness(createMemoryStores());
    const res = await h.call(null, 'GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const doc = JSON.parse(res.body) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m} ${path}`),
    );
    expect(ops.sort()).toEqual([...OPERATIONS].sort());
  });

  it('documents bodies, bearer security and error responses', async () => {
    h = await adminHarness(createMemoryStores());
    const doc = (await h.call(null, 'GET', '/openapi.json')).json<{
      security: unknown;
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    }>();
    expect(doc.components.securitySchemes['bearer']).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    const create = doc.paths['/api/v1/traits/']?.['post'];
    expect(create?.requestBody).toBeDefined();
    const responses = (create?.responses ?? {}) as Record<string, { description?: string }>;
    expect(Object.keys(responses).sort()).toEqual(['201', '4XX']);
    expect(responses['4XX']?.description).toMatch(/401 AUDEX_UNAUTHORIZED.*409 AUDEX_CONFLICT/);
  });

  it('documents only admin routes when the app has others', async () => {
    const app = Fastify();
    app.get('/event', async () => ({}));
    const { adminPlugin } = await import('./admin-plugin.js');
    const stores = createMemoryStores();
    await app.register(adminPlugin, {
      prefix: '/api/v1',
      catalog: stores.catalog,
      tokens: stores.tokens,
      validators: (await import('./admin-test-kit.js')).fakeValidators,
    });
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/api/v1/'))).toBe(true);
    // The app's own routes stay outside the plugin's auth hook.
    expect((await app.inject({ url: '/event' })).statusCode).toBe(200);
    await app.close();
    h = await adminHarness(createMemoryStores());
  });
});

describe('error shape', () => {
  it('lists every failing body field with AUDEX_VALIDATION', async () => {
    h = await adminHarness(createMemoryStores());
    const res = await h.call('editor', 'POST', '/traits/', { name: '', ttl: -1, colour: 'red' });
    expect(res.statusCode).toBe(400);
    const { error } = res.json<{
      error: { code: string; details: { fields: { in: string; field: string }[] } };
    }>();
    expect(error.code).toBe('AUDEX_VALIDATION');
    const fields = error.details.fields.map((f) => `${f.in}.${f.field}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'body.name',
        'body.ttl',
        'body.colour',
        'body.traitType',
        'body.dataSourceId',
        'body.folderId',
      ]),
    );
  });

  it('rejects unknown query parameters and bad ids', async () => {
    h = await adminHarness(createMemoryStores());
    const q = await h.call('viewer', 'GET', '/traits/?pageSize=5000&sortBy=name');
    expect(q.statusCode).toBe(400);
    const fields = q.json<{ error: { details: { fields: { field: string }[] } } }>().error.details.fields;
    expect(fields.map((f) => f.field).sort()).toEqual(['pageSize', 'sortBy']);
    const p = await h.call('viewer', 'GET', '/traits/abc');
    expect(p.statusCode).toBe(400);
    expect(p.json<{ error: { code: string } }>().error.code).toBe('AUDEX_VALIDATION');
  });

  it('answers malformed JSON with AUDEX_BAD_REQUEST and unknown routes with AUDEX_NOT_FOUND', async () => {
    h = await adminHarness(createMemoryStores());
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/v1/datasources/',
      headers: { authorization: `Bearer ${h.tokens.editor}`, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('AUDEX_BAD_REQUEST');
    const missing = await h.call('viewer', 'GET', '/nothing-here');
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('AUDEX_NOT_FOUND');
  });

  it('maps store conflicts (duplicate integration code) to 409 AUDEX_CONFLICT', async () => {
    h = await adminHarness(createMemoryStores());
    expect(
      (await h.call('editor', 'POST', '/datasources/', { name: 'A', integrationCode: 'x' })).statusCode,
    ).toBe(201);
    const dup = await h.call('editor', 'POST', '/datasources/', { name: 'B', integrationCode: 'x' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json<{ error: { code: string } }>().error.code).toBe('AUDEX_CONFLICT');
  });
});
