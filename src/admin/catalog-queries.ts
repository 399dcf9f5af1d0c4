/**
 * Catalog look-ups the admin routes share: existence checks, "who references this", and the trait
 * lookup the segment validator needs. Admin-side only: these scan stored rule text, which is fine
 * at admin request rates and keeps the storage port small (STYLE.md §7).
 */
import type { CatalogEntities, CatalogKind, Trait } from '../catalog/model.js';
import type { TraitInfo } from '../rules/index.js';
import type { CatalogStore } from '../storage/ports.js';

/** Page size used when an admin check must see every match. */
const SCAN_PAGE = 1000;

/** AAM §6.1: at most 5,000 traits per segment; more ids than that is not a rule worth resolving. */
const MAX_REFERENCED_TRAITS = 5000;

/** Every entity of a kind matching `where`, fetched a page at a time. */
export async function listAll<K extends CatalogKind>(
  catalog: CatalogStore,
  kind: K,
  where?: Readonly<Record<string, string | number>>,
): Promise<CatalogEntities[K][]> {
  const out: CatalogEntities[K][] = [];
  for (let page = 0; ; page++) {
    const query = where === undefined ? { page, pageSize: SCAN_PAGE } : { page, pageSize: SCAN_PAGE, where };
    const { items, total } = await catalog.list(kind, query);
    out.push(...items);
    if (items.length < SCAN_PAGE || out.length >= total) return out;
  }
}

/** How many entities of a kind match `where` (one small page read). */
export async function countWhere(
  catalog: CatalogStore,
  kind: CatalogKind,
  where: Readonly<Record<string, string | number>>,
): Promise<number> {
  return (await catalog.list(kind, { page: 0, pageSize: 1, where })).total;
}

/**
 * Trait ids a segment rule mentions as `<sid>T` (AAM §6.2). Case-insensitive because the rules
 * language treats keywords that way; a false positive only makes an admin check stricter.
 */
export function referencedTraitIds(rule: string): Set<number> {
  const ids = new Set<number>();
  for (const m of rule.matchAll(/\b(\d{1,15})T\b/gi)) {
    ids.add(Number(m[1]));
    if (ids.size >= MAX_REFERENCED_TRAITS) break;
  }
  return ids;
}

/** Segment ids whose rule mentions trait `sid`. */
export async function segmentsUsingTrait(catalog: CatalogStore, sid: number): Promise<number[]> {
  const segments = await listAll(catalog, 'segments');
  return segments.filter((s) => referencedTraitIds(s.segmentRule).has(sid)).map((s) => s.sid);
}

const KIND: Record<Trait['traitType'], TraitInfo['kind']> = {
  RULE_BASED_TRAIT: 'RULE_BASED',
  ON_BOARDED_TRAIT: 'ON_BOARDED',
  FOLDER_TRAIT: 'FOLDER',
};

/**
 * The synchronous trait lookup `validators.segment` takes, prepared for the traits `rule`
 * mentions (so validation reads only those traits and their data sources, not the catalog).
 * Folder traits have no data source (id 0, "the workspace") and count as first party.
 */
export async function traitLookup(
  catalog: CatalogStore,
  rule: string,
): Promise<(sid: number) => TraitInfo | undefined> {
  const infos = new Map<number, TraitInfo>();
  const thirdParty = new Map<number, boolean>();
  for (const sid of referencedTraitIds(rule)) {
    const trait = await catalog.get('traits', sid);
    if (trait === undefined) continue;
    let firstParty = true;
    if (trait.dataSourceId !== 0) {
      let third = thirdParty.get(trait.dataSourceId);
      if (third === undefined) {
        // A dangling data source cannot vouch for first-party data: treat it as third party.
        third = (await catalog.get('dataSources', trait.dataSourceId))?.thirdParty ?? true;
        thirdParty.set(trait.dataSourceId, third);
      }
      firstParty = !third;
    }
    infos.set(sid, { kind: KIND[trait.traitType], firstParty });
  }
  return (sid) => infos.get(sid);
}
