/**
 * Catalog entities: the configuration a workspace edits through the admin API. Field names follow
 * AAM's REST API where it has one (reference/aam-dcs.md §3.4, §5.9, §6.5, §12) so AAM users'
 * scripts port easily. Times are unix milliseconds.
 */

import type { Partner } from './partner-model.js';

export type IdType = 'COOKIE' | 'CROSS_DEVICE' | 'DEVICE_ADVERTISING_ID';
export type Status = 'ACTIVE' | 'INACTIVE';

export interface DataSource {
  dataSourceId: number;
  name: string;
  description?: string;
  integrationCode?: string;
  idType: IdType;
  /** First party (the site itself) or a third-party provider. */
  thirdParty: boolean;
  status: Status;
  createTime: number;
  updateTime: number;
}

export interface TraitFolder {
  folderId: number;
  /** `0` = root. */
  parentFolderId: number;
  name: string;
  createTime: number;
  updateTime: number;
}

/**
 * `FOLDER_TRAIT`: created and deleted with its folder (one per folder, `folderId` = that folder, no rule);
 * the OR of every trait in the folder subtree (AAM §5.6). Cannot be realised by `d_sid`.
 */
export type TraitType = 'RULE_BASED_TRAIT' | 'ON_BOARDED_TRAIT' | 'FOLDER_TRAIT';

export interface Trait {
  /** Trait id (AAM calls it `sid`). */
  sid: number;
  name: string;
  description?: string;
  integrationCode?: string;
  traitType: TraitType;
  dataSourceId: number;
  folderId: number;
  /** Rule text in the trait-rule language; absent = realisable only by `d_sid`. */
  traitRule?: string;
  /** Days; default 120; 0 = never expires (AAM §5.3). */
  ttl: number;
  status: Status;
  createTime: number;
  updateTime: number;
}

export interface Segment {
  /** Segment id (AAM calls it `sid`). */
  sid: number;
  name: string;
  description?: string;
  integrationCode?: string;
  dataSourceId: number;
  folderId: number;
  segmentRule: string;
  /** ACTIVE qualifies; INACTIVE (paused) keeps members but adds none (AAM §6.4). */
  status: Status;
  createTime: number;
  updateTime: number;
}

/** Entity kinds and their id fields, shared by the catalog store and the admin API. */
export interface CatalogEntities {
  dataSources: DataSource;
  traitFolders: TraitFolder;
  traits: Trait;
  segments: Segment;
  partners: Partner;
}

export type CatalogKind = keyof CatalogEntities;

export const ID_FIELD = {
  dataSources: 'dataSourceId',
  traitFolders: 'folderId',
  traits: 'sid',
  segments: 'sid',
  partners: 'partnerId',
} as const satisfies { [K in CatalogKind]: keyof CatalogEntities[K] };

/** The whole catalog as loaded for compilation into a snapshot. */
export type CatalogData = { [K in CatalogKind]: CatalogEntities[K][] };
