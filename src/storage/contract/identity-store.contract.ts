/** The `IdentityStore` contract every adapter passes (STYLE.md §8). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdentityStore } from '../ports.js';

/** A fresh, empty store and how to dispose of it. */
export interface IdentityStoreHarness {
  store: IdentityStore;
  cleanup(): Promise<void>;
}

const T0 = 1_790_000_000_000;

export function identityStoreContract(name: string, make: () => Promise<IdentityStoreHarness>): void {
  describe(`IdentityStore contract: ${name}`, () => {
    let h: IdentityStoreHarness;
    let store: IdentityStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('resolves a linked id and nothing else', async () => {
      await store.link(10, 'crm-1', 'visitor-a', T0);
      expect(await store.resolve(10, 'crm-1')).toBe('visitor-a');
      expect(await store.resolve(10, 'crm-2')).toBeUndefined();
      expect(await store.resolve(11, 'crm-1')).toBeUndefined();
    });

    it('lets the most recent mapping win (AAM §3.2)', async () => {
      await store.link(10, 'crm-1', 'visitor-a', T0);
      await store.link(10, 'crm-1', 'visitor-b', T0 + 10);
      expect(await store.resolve(10, 'crm-1')).toBe('visitor-b');
      // Same time: the later call wins.
      await store.link(10, 'crm-1', 'visitor-c', T0 + 10);
      expect(await store.resolve(10, 'crm-1')).toBe('visitor-c');
    });

    it('ignores a link older than the current one (late-arriving event)', async () => {
      await store.link(10, 'crm-1', 'visitor-new', T0 + 10);
      await store.link(10, 'crm-1', 'visitor-old', T0);
      expect(await store.resolve(10, 'crm-1')).toBe('visitor-new');
    });

    it('keeps data sources apart', async () => {
      await store.link(10, 'same', 'visitor-a', T0);
      await store.link(20, 'same', 'visitor-b', T0);
      expect(await store.resolve(10, 'same')).toBe('visitor-a');
      expect(await store.resolve(20, 'same')).toBe('visitor-b');
    });

    it('unlinks every mapping to a visitor and counts them', async () => {
      await store.link(10, 'a', 'visitor-a', T0);
      await store.link(20, 'b', 'visitor-a', T0);
      await store.link(10, 'c', 'visitor-b', T0);
      expect(await store.unlinkVisitor('visitor-a')).toBe(2);
      expect(await store.resolve(10, 'a')).toBeUndefined();
      expect(await store.resolve(20, 'b')).toBeUndefined();
      expect(await store.resolve(10, 'c')).toBe('visitor-b');
      expect(await store.unlinkVisitor('visitor-a')).toBe(0);
    });

    it('allows relinking after an unlink', async () => {
      await store.link(10, 'a', 'visitor-a', T0 + 10);
      await store.unlinkVisitor('visitor-a');
      await store.link(10, 'a', 'visitor-z', T0);
      expect(await store.resolve(10, 'a')).toBe('visitor-z');
    });

    it('keeps opt-out marks per key, idempotently', async () => {
      expect(await store.isOptedOut('visitor-a')).toBe(false);
      await store.setOptOut('visitor-a', T0);
      await store.setOptOut('visitor-a', T0 + 1);
      await store.setOptOut('10:crm-1', T0);
      expect(await store.isOptedOut('visitor-a')).toBe(true);
      expect(await store.isOptedOut('10:crm-1')).toBe(true);
      expect(await store.isOptedOut('10:crm-2')).toBe(false);
    });

    it('keeps opt-out marks when the visitor is unlinked', async () => {
      await store.link(10, 'a', 'visitor-a', T0);
      await store.setOptOut('visitor-a', T0);
      await store.unlinkVisitor('visitor-a');
      expect(await store.isOptedOut('visitor-a')).toBe(true);
    });
  });
}
