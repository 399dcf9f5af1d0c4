/**
 * `/folders/traits/`: the trait folder tree (AAM §5.6). Each folder owns one folder trait
 * (`traitType: FOLDER_TRAIT`, `"<Folder> Folder Trait"`) that this file keeps in step with it:
 * created with the folder, renamed with it, deleted with it.
 *
 * Folder traits belong to data source 0, "the workspace", rather than to some first-party data
 * source: a folder exists before any data source may, and no data source deletion should ever be
 * blocked by, or have to re-home, a trait nobody created by hand. They count as first party.
 */
import type { FastifyInstance } from 'fastify';
import type { Trait, TraitFolder } from '../catalog/model.js';
import { AudexError } from '../errors/registry.js';
import type { CatalogStore } from '../storage/ports.js';
import { invalidField } from './admin-errors.js';
import { countWhere, listAll, segmentsUsingTrait } from './catalog-queries.js';
import { registerCrudRoutes } from './crud-routes.js';
import { folderBody, folderSchema, id } from './schemas.js';

/** AAM §5.6 / §11: trait folders nest at most 5 levels deep (a root-level folder is level 1). */
export const MAX_FOLDER_DEPTH = 5;

/** The data source id of folder traits: none, the workspace itself. */
export const WORKSPACE_DATA_SOURCE = 0;

/** A validated folder body (see `folderBody`). */
export interface FolderBody {
  name: string;
  parentFolderId?: number;
}

/** The folder trait's name, derived from the folder's (AAM: "<Folder> Folder Trait"). */
export function folderTraitName(folderName: string): string {
  return `${folderName} Folder Trait`;
}

/** Level of `folderId` in the tree (root-level folder = 1), walking parents with a cycle guard. */
function levelOf(folderId: number, parents: ReadonlyMap<number, number>): number {
  let level = 0;
  for (let at: number | undefined = folderId; at !== undefined && at !== 0; at = parents.get(at)) {
    if (++level > parents.size) break;
  }
  return level;
}

/** Height of the subtree rooted at `folderId` (a leaf = 1). */
function heightOf(folderId: number, folders: readonly TraitFolder[]): number {
  const children = folders.filter((f) => f.parentFolderId === folderId && f.folderId !== folderId);
  return 1 + Math.max(0, ...children.map((c) => heightOf(c.folderId, folders)));
}

/** Rejects a parent that is missing, the folder itself or inside it, or too deep for the subtree. */
async function checkParent(catalog: CatalogStore, folderId: number, parentFolderId: number): Promise<void> {
  if (parentFolderId === 0) return;
  const folders = await listAll(catalog, 'traitFolders');
  const parents = new Map(folders.map((f) => [f.folderId, f.parentFolderId]));
  if (!parents.has(parentFolderId)) throw invalidField('parentFolderId', `no trait folder ${parentFolderId}`);
  if (folderId !== 0) {
    for (let at: number | undefined = parentFolderId; at !== undefined && at !== 0; at = parents.get(at)) {
      if (at === folderId)
        throw invalidField('parentFolderId', 'a folder cannot move into itself or its sub-folders');
    }
  }
  const height = folderId === 0 ? 1 : heightOf(folderId, folders);
  if (levelOf(parentFolderId, parents) + height > MAX_FOLDER_DEPTH) {
    throw invalidField('parentFolderId', `trait folders nest at most ${MAX_FOLDER_DEPTH} levels`);
  }
}

async function folderTraits(catalog: CatalogStore, folderId: number): Promise<Trait[]> {
  return listAll(catalog, 'traits', { folderId, traitType: 'FOLDER_TRAIT' });
}

async function createFolderTrait(catalog: CatalogStore, folder: TraitFolder, now: number): Promise<void> {
  await catalog.create(
    'traits',
    {
      sid: 0,
      name: folderTraitName(folder.name),
      traitType: 'FOLDER_TRAIT',
      dataSourceId: WORKSPACE_DATA_SOURCE,
      folderId: folder.folderId,
      ttl: 0,
      status: 'ACTIVE',
    },
    now,
  );
}

/** Registers the trait folder routes. */
export function registerFolderRoutes(app: FastifyInstance, catalog: CatalogStore, now: () => number): void {
  registerCrudRoutes<'traitFolders', FolderBody>(app, catalog, now, {
    kind: 'traitFolders',
    base: '/folders/traits',
    singular: 'TraitFolder',
    plural: 'TraitFolders',
    entity: folderSchema,
    body: folderBody,
    filters: { parentFolderId: id },
    async toEntity(body, folderId) {
      const parentFolderId = body.parentFolderId ?? 0;
      await checkParent(catalog, folderId, parentFolderId);
      return { folderId, parentFolderId, name: body.name };
    },
    async afterCreate(folder) {
      try {
        await createFolderTrait(catalog, folder, now());
      } catch (err) {
        // A folder without its folder trait would be half made: undo the folder, report the cause.
        await catalog.delete('traitFolders', folder.folderId);
        throw err;
      }
    },
    async afterUpdate(folder, before) {
      const traits = await folderTraits(catalog, folder.folderId);
      // Catalogs imported without folder traits get theirs on the first edit.
      if (traits.length === 0) return createFolderTrait(catalog, folder, now());
      if (folder.name === before.name) return;
      for (const { createTime: _c, updateTime: _u, ...trait } of traits) {
        await catalog.update('traits', trait.sid, { ...trait, name: folderTraitName(folder.name) }, now());
      }
    },
    async beforeDelete(folder) {
      const { folderId } = folder;
      const subFolders = await countWhere(catalog, 'traitFolders', { parentFolderId: folderId });
      const traits = (await listAll(catalog, 'traits', { folderId })).filter(
        (t) => t.traitType !== 'FOLDER_TRAIT',
      );
      if (subFolders > 0 || traits.length > 0) {
        throw new AudexError(
          'AUDEX_IN_USE',
          `Folder ${folderId} is not empty: ${subFolders} sub-folder(s), ${traits.length} trait(s)`,
          { subFolders, traits: traits.map((t) => t.sid) },
        );
      }
      for (const trait of await folderTraits(catalog, folderId)) {
        const segments = await segmentsUsingTrait(catalog, trait.sid);
        if (segments.length > 0) {
          throw new AudexError(
            'AUDEX_IN_USE',
            `Folder trait ${trait.sid} is used by segment(s) ${segments.join(', ')}`,
            {
              segments,
            },
          );
        }
      }
    },
    async afterDelete(folder) {
      for (const trait of await folderTraits(catalog, folder.folderId))
        await catalog.delete('traits', trait.sid);
    },
  });
}
