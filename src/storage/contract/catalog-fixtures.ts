/** Catalog entities for the contract suites: valid, minimal, and distinct unless told otherwise. */
import type { NewEntity } from '../ports.js';

export function dataSource(overrides: Partial<NewEntity<'dataSources'>> = {}): NewEntity<'dataSources'> {
  return {
    dataSourceId: 0,
    name: 'Site',
    idType: 'COOKIE',
    thirdParty: false,
    status: 'ACTIVE',
    ...overrides,
  };
}

export function folder(overrides: Partial<NewEntity<'traitFolders'>> = {}): NewEntity<'traitFolders'> {
  return { folderId: 0, parentFolderId: 0, name: 'Folder', ...overrides };
}

export function trait(overrides: Partial<NewEntity<'traits'>> = {}): NewEntity<'traits'> {
  return {
    sid: 0,
    name: 'Trait',
    traitType: 'RULE_BASED_TRAIT',
    dataSourceId: 1,
    folderId: 1,
    traitRule: 'x == "1"',
    ttl: 120,
    status: 'ACTIVE',
    ...overrides,
  };
}

export function segment(overrides: Partial<NewEntity<'segments'>> = {}): NewEntity<'segments'> {
  return {
    sid: 0,
    name: 'Segment',
    dataSourceId: 1,
    folderId: 1,
    segmentRule: '1T',
    status: 'ACTIVE',
    ...overrides,
  };
}
