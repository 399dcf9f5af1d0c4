import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../storage/memory/memory-stores.js';
import { adminHarness, created, seedBasics, type AdminHarness } from './admin-test-kit.js';
import type { AdminValidators } from './admin-options.js';
import type { TraitInfo } from '../rules/index.js';

let h: AdminHarness;
let ids: { own: number; vendor: number; folder: number; own1: number; vendor1: number; onboarded: number };
beforeEach(async () => {
  h = await adminHarness(createMemoryStores());
  const basics = await seedBasics(h);
  const trait = async (dataSourceId: number, traitType = 'RULE_BASED_TRAIT'): Promise<number> =>
    (
      await created<{ sid: number }>(h, '/traits/', {
        name: `t${dataSourceId}${traitType}`,
        traitType,
        dataSourceId,
        folderId: basics.folder,
        traitRule: 'c_a == "1"',
      })
    ).sid;
  ids = {
    ...basics,
    own1: await trait(basics.own),
    vendor1: await trait(basics.vendor),
    onboarded: await trait(basics.own, 'ON_BOARDED_TRAIT'),
  };
});
afterEach(async () => {
  await h.app.close();
});

const err = (res: { json<T>(): T }): { code: string; details: Record<string, unknown> } =>
  res.json<{ error: { code: string; details: Record<string, unknown> } }>().error;

describe('/segments/', () => {
  it('creates with defaults, replaces, and deletes by id and by integration code', async () => {
    const res = await h.call('editor', 'POST', '/segments/', {
      name: 'Runners',
      dataSourceId: ids.own,
      segmentRule: `${ids.own1}T OR ${ids.vendor1}T`,
      integrationCode: 'runners',
    });
    expect(res.statusCode).toBe(201);
    const s = res.json<{ sid: number }>();
    expect(s).toMatchObject({ folderId: 0, status: 'ACTIVE', integrationCode: 'runners' });

    const put = await h.call('editor', 'PUT', `/segments/${s.sid}`, {
      name: 'Runners (paused)',
      dataSourceId: ids.own,
      segmentRule: `${ids.own1}T`,
      status: 'INACTIVE',
      folderId: 7,
    });
    expect(put.json()).toMatchObject({ sid: s.sid, status: 'INACTIVE', folderId: 7 });
    expect((await h.call('viewer', 'GET', '/segments/?status=INACTIVE')).json<unknown[]>()).toHaveLength(1);
    expect(
      (await h.call('viewer', 'GET', '/segments/?folderId=7&dataSourceId=' + ids.own)).json<unknown[]>(),
    ).toHaveLength(1);

    expect((await h.call('editor', 'DELETE', '/segments/ic:nope')).statusCode).toBe(404);
    expect((await h.call('editor', 'DELETE', `/segments/${s.sid}`)).statusCode).toBe(204);
    const again = await created<{ sid: number }>(h, '/segments/', {
      name: 'x',
      dataSourceId: ids.own,
      segmentRule: `${ids.own1}T`,
      integrationCode: 'x-code',
    });
    expect((await h.call('editor', 'DELETE', '/segments/ic:x-code')).statusCode).toBe(204);
    expect((await h.call('viewer', 'GET', `/segments/${again.sid}`)).statusCode).toBe(404);
  });

  it('requires an existing data source and a rule the validator accepts', async () => {
    const noDs = await h.call('editor', 'POST', '/segments/', {
      name: 'x',
      dataSourceId: 999,
      segmentRule: `${ids.own1}T`,
    });
    expect(err(noDs).code).toBe('AUDEX_VALIDATION');
    const unknown = await h.call('editor', 'POST', '/segments/', {
      name: 'x',
      dataSourceId: ids.own,
      segmentRule: `${ids.own1}T AND 424242T`,
    });
    expect(unknown.statusCode).toBe(400);
    expect(err(unknown)).toMatchObject({
      code: 'AUDEX_RULE_INVALID',
      details: {
        field: 'segmentRule',
        message: 'unknown trait 424242',
        position: String(ids.own1).length + 6,
      },
    });
  });

  it('describes referenced traits to the validator: kind and first party from the catalog', async () => {
    const seen = new Map<number, TraitInfo | undefined>();
    const spy: AdminValidators = {
      trait: () => undefined,
      testTrait: () => false,
      segment(text, lookup) {
        for (const m of text.matchAll(/(\d+)T/g)) seen.set(Number(m[1]), lookup(Number(m[1])));
        return undefined;
      },
    };
    await h.app.close();
    const stores = createMemoryStores();
    h = await adminHarness(stores, spy);
    const basics = await seedBasics(h);
    const mk = async (dataSourceId: number, traitType: string): Promise<number> =>
      (
        await created<{ sid: number }>(h, '/traits/', {
          name: 'n',
          traitType,
          dataSourceId,
          folderId: basics.folder,
          traitRule: 'r',
        })
      ).sid;
    const rule = await mk(basics.own, 'RULE_BASED_TRAIT');
    const vendor = await mk(basics.vendor, 'ON_BOARDED_TRAIT');
    const [folderTrait] = (await h.call('viewer', 'GET', '/traits/?traitType=FOLDER_TRAIT')).json<
      { sid: number }[]
    >();
    const res = await h.call('viewer', 'POST', '/segments/validate', {
      segmentRule: `${rule}T OR ${vendor}T OR ${folderTrait?.sid}T OR 999T`,
    });
    expect(res.json()).toEqual({ valid: true });
    expect(seen.get(rule)).toEqual({ kind: 'RULE_BASED', firstParty: true });
    expect(seen.get(vendor)).toEqual({ kind: 'ON_BOARDED', firstParty: false });
    expect(seen.get(folderTrait?.sid ?? -1)).toEqual({ kind: 'FOLDER', firstParty: true });
    expect(seen.get(999)).toBeUndefined();
  });

  it('validates segment rules without saving', async () => {
    const ok = await h.call('viewer', 'POST', '/segments/validate', {
      segmentRule: `frequency([${ids.own1}T]) >= 2`,
    });
    expect(ok.json()).toEqual({ valid: true });
    for (const sid of [ids.vendor1, ids.onboarded]) {
      const bad = await h.call('viewer', 'POST', '/segments/validate', {
        segmentRule: `frequency([${sid}T]) >= 2`,
      });
      expect(bad.json()).toMatchObject({ valid: false, error: { position: 11 } });
    }
    expect((await h.call('viewer', 'GET', '/segments/')).json<unknown[]>()).toEqual([]);
  });
});
