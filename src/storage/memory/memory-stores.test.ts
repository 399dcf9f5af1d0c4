/** The in-memory backend against every shared contract, plus its own extras. */
import { describe, expect, it } from 'vitest';
import { catalogStoreContract } from '../contract/catalog-store.contract.js';
import { eventLogContract, sampleRecord, signalsObject } from '../contract/event-log.contract.js';
import { identityStoreContract } from '../contract/identity-store.contract.js';
import { profileStoreContract } from '../contract/profile-store.contract.js';
import { tokenStoreContract } from '../contract/token-store.contract.js';
import { createMemoryEventLog, createMemoryStores } from './memory-stores.js';

function harness<K extends 'catalog' | 'profiles' | 'identity' | 'tokens'>(key: K) {
  return async () => {
    const stores = createMemoryStores();
    return { store: stores[key], cleanup: () => stores.close() };
  };
}

catalogStoreContract('memory', harness('catalog'));
profileStoreContract('memory', harness('profiles'));
identityStoreContract('memory', harness('identity'));
tokenStoreContract('memory', harness('tokens'));
eventLogContract('memory', async () => {
  const log = createMemoryEventLog();
  // Kept as appended (signal maps, p_ keys included): read as the contract's logged form.
  const read = async () => log.records.map((r) => ({ ...r, signals: signalsObject(r.signals, true) }));
  return { log, read, cleanup: async () => {} };
});

describe('memory stores extras', () => {
  it('gives every factory call its own state', async () => {
    const a = createMemoryStores();
    const b = createMemoryStores();
    await a.profiles.merge('v', { segmentsAdd: [1] }, 1);
    expect(await b.profiles.get('v')).toBeUndefined();
  });

  it('memory event log keeps p_ keys so tests can catch callers that leak them', () => {
    const log = createMemoryEventLog();
    log.append(sampleRecord(1, { signals: new Map([['p_secret', ['x']]]) }));
    expect(log.records[0]?.signals).toEqual(new Map([['p_secret', ['x']]]));
  });
});
