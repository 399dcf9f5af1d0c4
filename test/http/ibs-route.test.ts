import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp, visitorCookie } from '../helpers/test-app.js';

describe('/ibs ID synchronisation (AAM §3.3)', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(async () => app.close());

  it('stores provider id ↔ visitor id and redirects with ${DD_UUID} replaced', async () => {
    const visitor = '1'.repeat(38);
    const redir = encodeURIComponent('https://provider.example/done?aam=${DD_UUID}');
    const res = await app.server.inject({
      url: `/ibs:dpid=2&dpuuid=prov-77&redir=${redir}`,
      headers: { cookie: `audex_uuid=${visitor}` },
    });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`https://provider.example/done?aam=${visitor}`);
    expect(await app.stores.identity.resolve(2, 'prov-77')).toBe(visitor);
    expect((await app.stores.profiles.get(visitor))?.partners['2']).toMatchObject({ uid: 'prov-77' });
  });

  it('mints a visitor id when there is no cookie and answers a pixel without redir', async () => {
    const res = await app.server.inject({ url: '/ibs?dpid=2&dpuuid=prov-88' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    const visitor = visitorCookie(res.headers['set-cookie']);
    expect(visitor).toMatch(/^\d{38}$/);
    expect(await app.stores.identity.resolve(2, 'prov-88')).toBe(visitor);
  });

  it('accepts the d_cid form', async () => {
    await app.server.inject({
      url: '/ibs:d_cid=2%01prov-99',
      headers: { cookie: `audex_uuid=${'2'.repeat(38)}` },
    });
    expect(await app.stores.identity.resolve(2, 'prov-99')).toBe('2'.repeat(38));
  });

  it('rejects unknown data sources and bad ids (300) and malformed encoding (311), storing nothing', async () => {
    const unknown = await app.server.inject({ url: '/ibs:dpid=999&dpuuid=x' });
    expect(unknown.headers['x-error']).toBe('300');
    expect(await app.stores.identity.resolve(999, 'x')).toBeUndefined();
    const colon = await app.server.inject({ url: '/ibs:dpid=2&dpuuid=a%3Ab' });
    expect(colon.headers['x-error']).toBe('300');
    // A malformed escape in the path is a transport-level fault: 400 with the coded JSON error.
    const bad = await app.server.inject({ url: '/ibs:dpid=2&dpuuid=%zz' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('AUDEX_BAD_REQUEST');
  });

  it('does not sync an opted-out visitor or a GDPR call without a consent string', async () => {
    const out = await app.server.inject({
      url: '/ibs:dpid=2&dpuuid=opt-1',
      headers: { cookie: 'audex_uuid=NOTARGET' },
    });
    expect(out.statusCode).toBe(200);
    expect(await app.stores.identity.resolve(2, 'opt-1')).toBeUndefined();
    await app.server.inject({ url: '/ibs:dpid=2&dpuuid=gdpr-1&gdpr=1' });
    expect(await app.stores.identity.resolve(2, 'gdpr-1')).toBeUndefined();
  });

  it('makes the synced provider id available to the partner on the next event', async () => {
    const visitor = '3'.repeat(38);
    await app.server.inject({
      url: '/ibs:dpid=2&dpuuid=prov-sync-1',
      headers: { cookie: `audex_uuid=${visitor}` },
    });
    const profile = await app.stores.profiles.get(visitor);
    expect(profile?.partners['2']?.uid).toBe('prov-sync-1');
  });
});
