import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Trait } from '../catalog/model.js';
import { createMemoryStores } from '../storage/memory/memory-stores.js';
import { adminHarness, created, type AdminHarness } from './admin-test-kit.js';

let h: AdminHarness;
beforeEach(async () => {
  h = await adminHarness(createMemoryStores());
});
afterEach(async () => {
  await h.app.close();
});

const code = (res: { json<T>(): T }): string => res.json<{ error: { code: string } }>().error.code;

async function folderTraitsOf(folderId: number): Promise<Trait[]> {
  return (await h.call('viewer', 'GET', `/traits/?folderId=${folderId}&traitType=FOLDER_TRAIT`)).json<
    Trait[]
  >();
}

async function folder(name: string, parentFolderId = 0): Promise<number> {
  return (await created<{ folderId: number }>(h, '/folders/traits/', { name, parentFolderId })).folderId;
}

describe('/folders/traits/', () => {
  it('creates a folder with its folder trait, renames both, deletes both', async () => {
    const res = await h.call('editor', 'POST', '/folders/traits/', { name: 'Sports' });
    expect(res.statusCode).toBe(201);
    const f = res.json<{ folderId: number; parentFolderId: number }>();
    expect(f.parentFolderId).toBe(0);

    const [ft, ...more] = await folderTraitsOf(f.folderId);
    expect(more).toHaveLength(0);
    expect(ft).toMatchObject({
      name: 'Sports Folder Trait',
      traitType: 'FOLDER_TRAIT',
      folderId: f.folderId,
      dataSourceId: 0,
      ttl: 0,
      status: 'ACTIVE',
    });
    expect(ft?.traitRule).toBeUndefined();

    expect(
      (await h.call('editor', 'PUT', `/folders/traits/${f.folderId}`, { name: 'Sport' })).statusCode,
    ).toBe(200);
    expect((await folderTraitsOf(f.folderId)).map((t) => t.name)).toEqual(['Sport Folder Trait']);

    expect((await h.call('editor', 'DELETE', `/folders/traits/${f.folderId}`)).statusCode).toBe(204);
    expect(await folderTraitsOf(f.folderId)).toEqual([]);
    expect((await h.call('viewer', 'GET', `/traits/${ft?.sid}`)).statusCode).toBe(404);
  });

  it('does not let the folder trait be created, edited or deleted directly', async () => {
    const f = await folder('F');
    const [ft] = await folderTraitsOf(f);
    const sid = ft?.sid ?? -1;
    const post = await h.call('editor', 'POST', '/traits/', {
      name: 'x',
      traitType: 'FOLDER_TRAIT',
      dataSourceId: 0,
      folderId: f,
    });
    expect(post.statusCode).toBe(400);
    expect(code(post)).toBe('AUDEX_VALIDATION');
    const put = await h.call('editor', 'PUT', `/traits/${sid}`, {
      name: 'renamed',
      traitType: 'ON_BOARDED_TRAIT',
      dataSourceId: (await created<{ dataSourceId: number }>(h, '/datasources/', { name: 'd' })).dataSourceId,
      folderId: f,
    });
    expect(put.statusCode).toBe(400);
    expect(code(put)).toBe('AUDEX_BAD_REQUEST');
    expect(code(await h.call('editor', 'DELETE', `/traits/${sid}`))).toBe('AUDEX_BAD_REQUEST');
    expect((await h.call('viewer', 'GET', `/traits/${sid}`)).json()).toMatchObject({
      name: 'F Folder Trait',
    });
  });

  it('refuses to delete a non-empty folder or one whose folder trait a segment uses', async () => {
    const parent = await folder('Parent');
    const child = await folder('Child', parent);
    const ds = (await created<{ dataSourceId: number }>(h, '/datasources/', { name: 'd' })).dataSourceId;

    const withChild = await h.call('editor', 'DELETE', `/folders/traits/${parent}`);
    expect(withChild.statusCode).toBe(409);
    expect(code(withChild)).toBe('AUDEX_IN_USE');

    const t = await created<{ sid: number }>(h, '/traits/', {
      name: 't',
      traitType: 'ON_BOARDED_TRAIT',
      dataSourceId: ds,
      folderId: child,
    });
    const withTrait = await h.call('editor', 'DELETE', `/folders/traits/${child}`);
    expect(code(withTrait)).toBe('AUDEX_IN_USE');
    expect(withTrait.json<{ error: { details: { traits: number[] } } }>().error.details.traits).toEqual([
      t.sid,
    ]);
    expect((await h.call('editor', 'DELETE', `/traits/${t.sid}`)).statusCode).toBe(204);

    const [ft] = await folderTraitsOf(child);
    const seg = await created<{ sid: number }>(h, '/segments/', {
      name: 's',
      dataSourceId: ds,
      segmentRule: `${ft?.sid}T`,
    });
    const used = await h.call('editor', 'DELETE', `/folders/traits/${child}`);
    expect(code(used)).toBe('AUDEX_IN_USE');
    expect(used.json<{ error: { details: { segments: number[] } } }>().error.details.segments).toEqual([
      seg.sid,
    ]);

    expect((await h.call('editor', 'DELETE', `/segments/${seg.sid}`)).statusCode).toBe(204);
    expect((await h.call('editor', 'DELETE', `/folders/traits/${child}`)).statusCode).toBe(204);
    expect((await h.call('editor', 'DELETE', `/folders/traits/${parent}`)).statusCode).toBe(204);
  });

  it('nests at most 5 levels and needs an existing parent', async () => {
    let parent = 0;
    for (let level = 1; level <= 5; level++) parent = await folder(`L${level}`, parent);
    const sixth = await h.call('editor', 'POST', '/folders/traits/', { name: 'L6', parentFolderId: parent });
    expect(sixth.statusCode).toBe(400);
    expect(
      sixth.json<{ error: { details: { fields: { field: string }[] } } }>().error.details.fields[0]?.field,
    ).toBe('parentFolderId');
    const orphan = await h.call('editor', 'POST', '/folders/traits/', { name: 'x', parentFolderId: 999 });
    expect(code(orphan)).toBe('AUDEX_VALIDATION');
  });

  it('moves folders, but not into themselves, their sub-folders, or too deep', async () => {
    const a = await folder('A');
    const b = await folder('B', a);
    const c = await folder('C', b);
    const other = await folder('Other');
    expect(
      code(await h.call('editor', 'PUT', `/folders/traits/${a}`, { name: 'A', parentFolderId: c })),
    ).toBe('AUDEX_VALIDATION');
    expect(
      code(await h.call('editor', 'PUT', `/folders/traits/${a}`, { name: 'A', parentFolderId: a })),
    ).toBe('AUDEX_VALIDATION');
    // Other/x/y then A (3 levels deep subtree) under y would make 6 levels.
    const x = await folder('x', other);
    const y = await folder('y', x);
    expect(
      code(await h.call('editor', 'PUT', `/folders/traits/${a}`, { name: 'A', parentFolderId: y })),
    ).toBe('AUDEX_VALIDATION');
    const moved = await h.call('editor', 'PUT', `/folders/traits/${b}`, { name: 'B', parentFolderId: y });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ folderId: b, parentFolderId: y });
    const children = await h.call('viewer', 'GET', `/folders/traits/?parentFolderId=${y}`);
    expect(children.json<{ folderId: number }[]>().map((f) => f.folderId)).toEqual([b]);
  });
});
