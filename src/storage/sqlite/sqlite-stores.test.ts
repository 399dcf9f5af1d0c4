/**
 * The SQLite backend against every shared contract (fresh database per test, all under one temp
 * dir removed afterwards), plus SQLite's own promises: persistence, several connections (worker
 * processes) on one file, group commit atomicity, migrations, and the lazily loaded driver.
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { applyDelta, emptyProfile, type ProfileDelta } from '../../profiles/profile.js';
import { catalogStoreContract } from '../contract/catalog-store.contract.js';
import { trait } from '../contract/catalog-fixtures.js';
import { identityStoreContract } from '../contract/identity-store.contract.js';
import { profileStoreContract } from '../contract/profile-store.contract.js';
import { tokenStoreContract } from '../contract/token-store.contract.js';
import { DB_FILE } from './sqlite-database.js';
import { SCHEMA_VERSION } from './sqlite-migrations.js';
import { createSqliteStores, JOURNAL_DIR, migrateSqlite } from './sqlite-stores.js';
import { holdWriteLock, runConcurrentWriter } from './sqlite-test-writer.js';

const root = mkdtempSync(join(tmpdir(), 'audex-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(root, `db-${++n}`);

function harness<K extends 'catalog' | 'profiles' | 'identity' | 'tokens'>(key: K) {
  return async () => {
    const stores = await createSqliteStores({ dataDir: freshDir() });
    return { store: stores[key], cleanup: () => stores.close() };
  };
}

catalogStoreContract('sqlite', harness('catalog'));
profileStoreContract('sqlite', harness('profiles'));
profileStoreContract('sqlite behind the profile cache', async () => {
  const stores = await createSqliteStores({ dataDir: freshDir(), profileCacheSize: 1000 });
  return { store: stores.profiles, cleanup: () => stores.close() };
});
profileStoreContract('sqlite behind the profile cache, shared with other writers', async () => {
  const stores = await createSqliteStores({
    dataDir: freshDir(),
    profileCacheSize: 1000,
    sharedWriters: true,
  });
  return { store: stores.profiles, cleanup: () => stores.close() };
});
profileStoreContract('sqlite writing behind through the journal', async () => {
  const stores = await createSqliteStores({ dataDir: freshDir(), profileWriteBehindMs: 20 });
  return { store: stores.profiles, cleanup: () => stores.close() };
});
profileStoreContract('sqlite writing behind, behind the profile cache', async () => {
  const stores = await createSqliteStores({
    dataDir: freshDir(),
    profileCacheSize: 1000,
    profileWriteBehindMs: 60_000,
  });
  return { store: stores.profiles, cleanup: () => stores.close() };
});
identityStoreContract('sqlite', harness('identity'));
tokenStoreContract('sqlite', harness('tokens'));

/** A raw connection for inspecting the file, loaded the same lazy way the adapter does. */
async function rawDb(dataDir: string) {
  const { default: Driver } = await import('better-sqlite3');
  return new Driver(join(dataDir, DB_FILE));
}

const T0 = 1_790_000_000_000;
const realize1: ProfileDelta = { realize: [{ traitId: 1, ttlDays: 120 }] };

/** The table's row for a visitor, read on a separate connection. */
async function tableRow(dataDir: string, visitorId: string) {
  const db = await rawDb(dataDir);
  try {
    return db.prepare('SELECT rev FROM profiles WHERE visitor_id = ?').get(visitorId) as
      { rev: number } | undefined;
  } finally {
    db.close();
  }
}

/**
 * What a crash leaves: the database files and the journal as they are while the stores are open,
 * copied to a new data directory (the owner file names this live process, which is not the owner
 * of the copy: it is replayed as a dead owner's would be).
 */
function crashCopy(dataDir: string): string {
  const copy = freshDir();
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

describe('sqlite write-behind', () => {
  it('serves a write from the journal at once, and writes it to the table at the next flush', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir, profileWriteBehindMs: 50 });
    try {
      const written = await stores.profiles.merge('v', realize1, T0);
      expect(await stores.profiles.get('v')).toEqual(written);
      expect(await tableRow(dataDir, 'v')).toBeUndefined();
      await expect.poll(() => tableRow(dataDir, 'v'), { timeout: 5000 }).toEqual({ rev: 1 });
      await expect.poll(() => readdirSync(join(dataDir, JOURNAL_DIR)).sort()).toEqual(['2.journal', 'owner']);
      expect(await stores.profiles.get('v')).toEqual(written);
    } finally {
      await stores.close();
    }
    // Closing writes everything and leaves no journal behind.
    expect(readdirSync(join(dataDir, JOURNAL_DIR))).toEqual([]);
  });

  it('flushes from memory when the worker cannot read the journal file, and reports it', async () => {
    const dataDir = freshDir();
    const errors: string[] = [];
    const stores = await createSqliteStores({
      dataDir,
      profileWriteBehindMs: 300,
      onStorageError: (err) => errors.push(String(err)),
    });
    try {
      await stores.profiles.merge('v', realize1, T0);
      await stores.profiles.merge('w', realize1, T0);
      // Damage the generation being written before it closes: the worker's reading fails.
      appendFileSync(join(dataDir, JOURNAL_DIR, '1.journal'), Buffer.from([9, 0, 0, 0, 1, 2, 3, 4, 5]));
      await expect.poll(() => tableRow(dataDir, 'v'), { timeout: 5000 }).toEqual({ rev: 1 });
      expect(await tableRow(dataDir, 'w')).toEqual({ rev: 1 });
      expect(errors.join()).toMatch(/damaged block/);
      await expect.poll(() => readdirSync(join(dataDir, JOURNAL_DIR)).sort()).toEqual(['2.journal', 'owner']);
    } finally {
      await stores.close();
    }
  });

  it('under a light load commits a write without waiting for the end of the event-loop turn', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir, profileWriteBehindMs: 60_000 });
    try {
      let turnEnded = false;
      setImmediate(() => (turnEnded = true));
      const written = await stores.profiles.merge('v', realize1, T0);
      expect(turnEnded).toBe(false);
      // Durable as before: a copy of the files now (what a crash leaves) replays the write.
      const copy = crashCopy(dataDir);
      const replayed = await createSqliteStores({ dataDir: copy, profileWriteBehindMs: 60_000 });
      try {
        expect(await replayed.profiles.get('v')).toEqual(written);
      } finally {
        await replayed.close();
      }
    } finally {
      await stores.close();
    }
  });

  it.each([
    ['on a worker thread', true],
    ['in slices on the event loop', false],
  ])('flushes a large batch %s while it keeps serving, and loses no later write', async (_, inWorker) => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({
      dataDir,
      profileWriteBehindMs: 50,
      profileFlushInWorker: inWorker,
    });
    const ids = Array.from({ length: 3000 }, (_, i) => `v${String(i).padStart(4, '0')}`);
    const count = async () => {
      const db = await rawDb(dataDir);
      try {
        return db.prepare('SELECT count(*) AS n, sum(rev) AS revs FROM profiles').get() as {
          n: number;
          revs: number;
        };
      } finally {
        db.close();
      }
    };
    try {
      await Promise.all(ids.map((id) => stores.profiles.merge(id, realize1, T0)));
      // Writes while the batch is being flushed: each visitor's newer revision wins in the end.
      const later = ids.filter((_, i) => i % 100 === 0);
      await expect.poll(async () => (await count()).n, { timeout: 5000, interval: 1 }).toBeGreaterThan(0);
      await Promise.all(later.map((id) => stores.profiles.merge(id, { segmentsAdd: [1] }, T0 + 1)));
      await expect
        .poll(count, { timeout: 10_000 })
        .toEqual({ n: ids.length, revs: ids.length + later.length });
      for (const id of later) expect((await stores.profiles.get(id))?.rev).toBe(2);
    } finally {
      await stores.close();
    }
  });

  it('closing while the worker flushes: what the worker still held never overwrites a newer write or a deletion', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir, profileWriteBehindMs: 100 });
    const ids = Array.from({ length: 3000 }, (_, i) => `w${String(i).padStart(5, '0')}`);
    const rewritten = ids.filter((_, i) => i % 7 === 0);
    const deleted = ids.filter((_, i) => i % 7 === 3);
    let lock: ReturnType<typeof holdWriteLock> | undefined;
    try {
      await Promise.all(ids.map((id) => stores.profiles.merge(id, realize1, T0)));
      // Another connection holds the write lock: the worker's flush, started by the next interval,
      // waits inside its first transaction, holding the first rows' old images.
      lock = holdWriteLock(join(dataDir, DB_FILE), 800);
      await lock.held;
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all([
        ...rewritten.map((id) => stores.profiles.merge(id, { segmentsAdd: [1] }, T0 + 1)),
        ...deleted.map((id) => stores.profiles.delete(id)),
      ]);
    } finally {
      // Withdraws the worker's job: it finishes the transaction it is in once the lock is free,
      // then writes nothing more; the close writes every newer image and deletion after it.
      await stores.close();
      await lock?.done;
    }
    const db = await rawDb(dataDir);
    let rows: Array<{ id: string; rev: number }>;
    try {
      rows = db.prepare('SELECT visitor_id AS id, rev FROM profiles').all() as typeof rows;
    } finally {
      db.close();
    }
    const byId = new Map(rows.map((r) => [r.id, r.rev]));
    expect(byId.size).toBe(ids.length - deleted.length);
    for (const id of deleted) expect(byId.has(id)).toBe(false);
    for (const id of rewritten) expect(byId.get(id)).toBe(2);
    expect(byId.get('w00001')).toBe(1);
  });

  it('replays the journal after a crash: every acknowledged write, a deletion included, a torn tail ignored', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({
      dataDir,
      profileWriteBehindMs: 60_000,
      synchronous: 'FULL', // the journal is fsynced at each group commit
    });
    let copy: string;
    try {
      await stores.profiles.merge('kept', realize1, T0);
      await stores.profiles.merge('kept', realize1, T0 + 1);
      await stores.profiles.merge('gone', realize1, T0);
      await stores.profiles.delete('gone');
      copy = crashCopy(dataDir);
      // A record the crash cut short: never acknowledged, so never applied.
      appendFileSync(join(copy, JOURNAL_DIR, '1.journal'), Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    } finally {
      await stores.close();
    }
    const again = await createSqliteStores({ dataDir: copy });
    try {
      expect((await again.profiles.get('kept'))?.traits.get(1)?.count).toBe(2);
      expect((await again.profiles.get('kept'))?.rev).toBe(2);
      expect(await again.profiles.get('gone')).toBeUndefined();
      expect(readdirSync(join(copy, JOURNAL_DIR))).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('a deletion written behind removes a row the table already holds', async () => {
    const dataDir = freshDir();
    const direct = await createSqliteStores({ dataDir });
    await direct.profiles.merge('v', realize1, T0);
    await direct.close();
    const stores = await createSqliteStores({ dataDir, profileWriteBehindMs: 60_000 });
    try {
      expect(await stores.profiles.delete('v')).toBe(true);
      expect(await stores.profiles.get('v')).toBeUndefined();
      expect(await stores.profiles.delete('v')).toBe(false);
      expect((await stores.profiles.merge('v', realize1, T0 + 1)).rev).toBe(1);
      await stores.profiles.delete('v');
    } finally {
      await stores.close();
    }
    expect(await tableRow(dataDir, 'v')).toBeUndefined();
  });

  it('an event write on a stale revision re-reads the pending profile (no lost update)', async () => {
    const stores = await createSqliteStores({ dataDir: freshDir(), profileWriteBehindMs: 60_000 });
    try {
      const read = emptyProfile(T0);
      const delta = { segmentsAdd: [7] };
      await stores.profiles.merge('v', realize1, T0); // rev 1, pending
      // An event that read nothing (rev 0) writes on its own merged copy: stale, so re-applied.
      const merged = await stores.profiles.merge('v', delta, T0, {
        rev: 0,
        merged: applyDelta(read, delta, T0),
      });
      expect(merged.rev).toBe(2);
      expect(merged.traits.get(1)?.count).toBe(1);
      expect([...merged.segments.keys()]).toEqual([7]);
    } finally {
      await stores.close();
    }
  });

  it("only one store owns a data directory's journal; a second writes to the table directly", async () => {
    const dataDir = freshDir();
    const first = await createSqliteStores({ dataDir, profileWriteBehindMs: 60_000 });
    const second = await createSqliteStores({ dataDir, profileWriteBehindMs: 60_000 });
    try {
      await second.profiles.merge('direct', realize1, T0);
      expect(await tableRow(dataDir, 'direct')).toEqual({ rev: 1 });
      await first.profiles.merge('behind', realize1, T0);
      expect(await tableRow(dataDir, 'behind')).toBeUndefined();
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    expect(await tableRow(dataDir, 'behind')).toEqual({ rev: 1 });
  });

  it('an identity link that meets the write lock (a flush transaction) waits on later turns, without blocking the event loop', async () => {
    const dataDir = freshDir();
    // As in the shared case below: SQLite's busy handler sleeping on the event loop would hang the
    // test, since only a timer on that loop releases the lock.
    const stores = await createSqliteStores({ dataDir, profileWriteBehindMs: 20, busyTimeoutMs: 60_000 });
    const other = await rawDb(dataDir);
    try {
      other.prepare('BEGIN IMMEDIATE').run();
      const order: string[] = [];
      const merged = stores.profiles.merge('v', realize1, T0).then(() => order.push('merged'));
      const linked = stores.identity.link(7, 'crm-1', 'v', T0).then(() => order.push('linked'));
      setTimeout(() => {
        order.push('lock released');
        other.prepare('COMMIT').run();
      }, 30);
      await Promise.all([merged, linked]);
      // The profile went to the journal at once; the link waited for the lock, and did not hold up
      // the merge of its own group commit.
      expect(order).toEqual(['merged', 'lock released', 'linked']);
      expect(await stores.identity.resolve(7, 'crm-1')).toBe('v');
    } finally {
      other.close();
      await stores.close();
    }
  });

  it('identity links waiting for the lock past the busy timeout fail; later ones commit', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir, profileWriteBehindMs: 20, busyTimeoutMs: 50 });
    const other = await rawDb(dataDir);
    try {
      other.prepare('BEGIN IMMEDIATE').run();
      await expect(stores.identity.link(7, 'crm-1', 'v', T0)).rejects.toMatchObject({
        code: expect.stringMatching(/^SQLITE_BUSY/),
      });
      other.prepare('COMMIT').run();
      await stores.identity.link(7, 'crm-2', 'v', T0);
      expect(await stores.identity.resolve(7, 'crm-1')).toBeUndefined();
      expect(await stores.identity.resolve(7, 'crm-2')).toBe('v');
    } finally {
      other.close();
      await stores.close();
    }
  });

  it('closing with identity links waiting for the lock writes them once the lock is free', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir, profileWriteBehindMs: 20 });
    // Held for a second: the check below, 20 ms in, must not be outrun by the lock's release even
    // when a busy machine stalls this test for a few hundred ms.
    const lock = holdWriteLock(join(dataDir, DB_FILE), 1000);
    await lock.held;
    let settled = false;
    const linked = stores.identity.link(7, 'crm-1', 'v', T0).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // waiting on a retry, not inside SQLite
    await stores.close();
    await linked;
    await lock.done;
    const db = await rawDb(dataDir);
    try {
      expect(db.prepare('SELECT visitor_id FROM identity_links WHERE dpuuid = ?').pluck().get('crm-1')).toBe(
        'v',
      );
    } finally {
      db.close();
    }
  });

  it('purges inactive profiles that are still pending', async () => {
    const stores = await createSqliteStores({ dataDir: freshDir(), profileWriteBehindMs: 60_000 });
    try {
      await stores.profiles.merge('old', realize1, T0);
      await stores.profiles.merge('new', realize1, T0 + 10_000);
      expect(await stores.profiles.purgeInactive(T0 + 1)).toBe(1);
      expect(await stores.profiles.get('old')).toBeUndefined();
      expect(await stores.profiles.get('new')).toBeDefined();
    } finally {
      await stores.close();
    }
  });
});

describe('sqlite stores extras', () => {
  it('creates the data directory and keeps every store across close and reopen', async () => {
    const dataDir = join(freshDir(), 'nested', 'dir');
    const first = await createSqliteStores({ dataDir, synchronous: 'FULL' });
    const created = await first.catalog.create('traits', trait({ integrationCode: 'keep' }), T0);
    await first.tokens.put({ id: 't', name: 'n', role: 'viewer', hash: 'h'.repeat(64), createTime: T0 });
    const profile = await first.profiles.merge('v1', realize1, T0);
    await first.identity.link(10, 'crm', 'v1', T0);
    await first.identity.setOptOut('v2', T0);
    const version = await first.catalog.version();
    await first.close();

    const again = await createSqliteStores({ dataDir });
    try {
      expect(await again.catalog.get('traits', created.sid)).toEqual(created);
      expect(await again.catalog.version()).toBe(version);
      expect((await again.catalog.create('traits', trait(), T0)).sid).toBe(created.sid + 1);
      await expect(
        again.catalog.create('traits', trait({ integrationCode: 'keep' }), T0),
      ).rejects.toMatchObject({
        code: 'AUDEX_CONFLICT',
      });
      expect(await again.tokens.count()).toBe(1);
      expect(await again.profiles.get('v1')).toEqual(profile);
      expect(await again.identity.resolve(10, 'crm')).toBe('v1');
      expect(await again.identity.isOptedOut('v2')).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('uses WAL mode and records the schema version', async () => {
    const dataDir = freshDir();
    await (await createSqliteStores({ dataDir })).close();
    const db = await rawDb(dataDir);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT max(version) FROM schema_version').pluck().get()).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('commits merges still queued when the stores close, then refuses new ones', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir });
    const pending = Promise.all(Array.from({ length: 10 }, () => stores.profiles.merge('v', realize1, T0)));
    await stores.close();
    expect((await pending).length).toBe(10);
    await expect(stores.profiles.merge('v', realize1, T0)).rejects.toMatchObject({
      code: 'AUDEX_STORAGE_UNAVAILABLE',
    });
    await stores.close();
    const reopened = await createSqliteStores({ dataDir });
    expect((await reopened.profiles.get('v'))?.traits.get(1)?.count).toBe(10);
    await reopened.close();
  });

  it('rejects a merge that cannot be applied alone; the rest of its batch commits', async () => {
    const stores = await createSqliteStores({ dataDir: freshDir() });
    try {
      await stores.profiles.merge('existing', realize1, T0);
      // A delta applyDelta cannot process throws half-way through the batch.
      const poison = { realize: 5 } as unknown as ProfileDelta;
      const results = await Promise.allSettled([
        stores.profiles.merge('existing', realize1, T0),
        stores.profiles.merge('fresh', realize1, T0),
        stores.profiles.merge('existing', poison, T0),
        stores.profiles.merge('fresh', realize1, T0),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((await stores.profiles.get('existing'))?.traits.get(1)?.count).toBe(2);
      expect((await stores.profiles.get('fresh'))?.traits.get(1)?.count).toBe(2);
      expect((await stores.profiles.merge('existing', realize1, T0)).traits.get(1)?.count).toBe(3);
    } finally {
      await stores.close();
    }
  });

  it('quarantines a stored profile it cannot decode and starts it afresh, without failing the batch', async () => {
    const dataDir = freshDir();
    const reports: string[] = [];
    const stores = await createSqliteStores({
      dataDir,
      onCorruptProfile: (visitorId, reason) => reports.push(`${visitorId}: ${reason}`),
    });
    try {
      await stores.profiles.merge('damaged', realize1, T0);
      await stores.profiles.merge('healthy', realize1, T0);
      const garbage = Buffer.from([0xa1, 0xff, 0x00, 0x13]);
      const raw = await rawDb(dataDir);
      try {
        raw.prepare('UPDATE profiles SET json = ? WHERE visitor_id = ?').run(garbage, 'damaged');
      } finally {
        raw.close();
      }
      await expect(stores.profiles.get('damaged')).rejects.toThrow();
      const [damaged, healthy] = await Promise.all([
        stores.profiles.merge('damaged', realize1, T0 + 1000),
        stores.profiles.merge('healthy', realize1, T0 + 1000),
      ]);
      expect(damaged.traits.get(1)?.count).toBe(1);
      expect(damaged.rev).toBe(2);
      expect(healthy.traits.get(1)?.count).toBe(2);
      expect(reports).toEqual([expect.stringMatching(/^damaged: /)]);
      expect((await stores.profiles.get('damaged'))?.traits.get(1)?.count).toBe(1);
    } finally {
      await stores.close();
    }
    const raw = await rawDb(dataDir);
    try {
      const kept = raw.prepare('SELECT visitor_id, data, rev FROM profiles_quarantine').all();
      expect(kept).toEqual([{ visitor_id: 'damaged', data: Buffer.from([0xa1, 0xff, 0x00, 0x13]), rev: 1 }]);
    } finally {
      raw.close();
    }
  });

  it('two connections on one file (two workers) interleaving merges lose nothing', async () => {
    const dataDir = freshDir();
    const a = await createSqliteStores({ dataDir });
    const b = await createSqliteStores({ dataDir });
    try {
      const all: Array<Promise<unknown>> = [];
      for (let i = 0; i < 150; i++) {
        all.push(a.profiles.merge('shared', realize1, T0), b.profiles.merge('shared', realize1, T0));
        all.push(
          (i % 2 === 0 ? a : b).profiles.merge('shared', { realize: [{ traitId: 100 + i, ttlDays: 0 }] }, T0),
        );
      }
      await Promise.all(all);
      const [fromA, fromB] = await Promise.all([a.profiles.get('shared'), b.profiles.get('shared')]);
      expect(fromA).toEqual(fromB);
      expect(fromA?.traits.get(1)?.count).toBe(300);
      expect(keysOf(fromA?.traits)).toHaveLength(151);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('two workers with profile caches: neither serves a copy the other has changed', async () => {
    const dataDir = freshDir();
    const opts = { dataDir, profileCacheSize: 100, sharedWriters: true };
    const a = await createSqliteStores(opts);
    const b = await createSqliteStores(opts);
    try {
      // An event's write as write-profile makes it: the delta on the profile it read, as the basis.
      const eventWrite = async (stores: typeof a, id: string, sid: number) => {
        const read = await stores.profiles.get(id);
        const delta = { segmentsAdd: [sid] };
        const merged = applyDelta(read ?? emptyProfile(T0), delta, T0);
        return stores.profiles.merge(id, delta, T0, { rev: read?.rev ?? 0, merged });
      };
      await eventWrite(a, 'v', 1); // rev 1: not cached (first write)
      await eventWrite(a, 'v', 4); // a caches rev 2
      await eventWrite(b, 'v', 2); // rev 3, written by b
      expect(keysOf((await a.profiles.get('v'))?.segments).sort()).toEqual(['1', '2', '4']);
      // Untouched since a wrote it, a's cached copy is current and is used as is.
      await eventWrite(a, 'w', 3);
      const cached = await eventWrite(a, 'w', 5);
      expect(await a.profiles.get('w')).toBe(cached);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
  it('shared: a write batch that meets the write lock of another process waits on later turns, without blocking the event loop', async () => {
    const dataDir = freshDir();
    // A busy timeout far beyond the test's own: SQLite's busy handler sleeping on the event loop
    // would hang the test, since only a timer on that loop releases the lock.
    const stores = await createSqliteStores({ dataDir, sharedWriters: true, busyTimeoutMs: 60_000 });
    const other = await rawDb(dataDir);
    try {
      await stores.profiles.merge('v', realize1, T0);
      other.prepare('BEGIN IMMEDIATE').run();
      const pending = stores.profiles.merge('v', realize1, T0 + 1);
      setTimeout(() => other.prepare('COMMIT').run(), 30);
      const merged = await pending;
      expect(merged.traits.get(1)?.count).toBe(2);
      expect((await stores.profiles.get('v'))?.rev).toBe(2);
    } finally {
      other.close();
      await stores.close();
    }
  });

  it('shared: a write lock held past the busy timeout fails the batch (357) instead of waiting forever', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir, sharedWriters: true, busyTimeoutMs: 50 });
    const other = await rawDb(dataDir);
    try {
      await stores.profiles.merge('v', realize1, T0);
      other.prepare('BEGIN IMMEDIATE').run();
      await expect(stores.profiles.merge('v', realize1, T0 + 1)).rejects.toMatchObject({
        code: expect.stringMatching(/^SQLITE_BUSY/),
      });
      other.prepare('COMMIT').run();
      expect((await stores.profiles.merge('v', realize1, T0 + 2)).traits.get(1)?.count).toBe(2);
    } finally {
      other.close();
      await stores.close();
    }
  });

  it('shared: reads of one turn are batched, and a row that cannot be decoded fails only its own read', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir, sharedWriters: true });
    try {
      await Promise.all([stores.profiles.merge('a', realize1, T0), stores.profiles.merge('b', realize1, T0)]);
      const raw = await rawDb(dataDir);
      try {
        raw.prepare('UPDATE profiles SET json = ? WHERE visitor_id = ?').run(Buffer.from([0xa1, 0x01]), 'b');
      } finally {
        raw.close();
      }
      const [a, b, none] = await Promise.allSettled([
        stores.profiles.get('a'),
        stores.profiles.get('b'),
        stores.profiles.get('nobody'),
      ]);
      expect(a.status === 'fulfilled' && a.value?.traits.get(1)?.count).toBe(1);
      expect(b.status).toBe('rejected');
      expect(none).toEqual({ status: 'fulfilled', value: undefined });
    } finally {
      await stores.close();
    }
  });

  it('two connections share catalog ids and the version counter', async () => {
    const dataDir = freshDir();
    const a = await createSqliteStores({ dataDir });
    const b = await createSqliteStores({ dataDir });
    try {
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).catalog.create('segments', { ...segmentInput(i) }, T0),
        ),
      );
      expect(new Set(created.map((s) => s.sid)).size).toBe(20);
      expect(await a.catalog.version()).toBe(20);
      expect(await b.catalog.version()).toBe(20);
      await expect(b.catalog.create('segments', segmentInput(0), T0)).rejects.toMatchObject({
        code: 'AUDEX_CONFLICT',
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('serialises with a writer in another thread holding the write lock (no lost update)', async () => {
    const dataDir = freshDir();
    const stores = await createSqliteStores({ dataDir });
    try {
      await stores.profiles.merge('contended', realize1, T0);
      const writer = runConcurrentWriter({
        file: join(dataDir, DB_FILE),
        visitorId: 'contended',
        increments: 300,
      });
      await writer.started;
      for (let round = 0; round < 15; round++) {
        await Promise.all(Array.from({ length: 20 }, () => stores.profiles.merge('contended', realize1, T0)));
      }
      await writer.done;
      expect((await stores.profiles.get('contended'))?.traits.get(1)?.count).toBe(1 + 300 + 300);
    } finally {
      await stores.close();
    }
  });

  it('migrates idempotently and refuses a newer schema', async () => {
    const dataDir = freshDir();
    expect(await migrateSqlite(dataDir)).toBe(SCHEMA_VERSION);
    const stores = await createSqliteStores({ dataDir });
    await stores.profiles.merge('v', realize1, T0);
    await stores.close();
    expect(await migrateSqlite(dataDir)).toBe(SCHEMA_VERSION);
    const db = await rawDb(dataDir);
    try {
      expect(db.prepare('SELECT count(*) FROM schema_version').pluck().get()).toBe(SCHEMA_VERSION);
      expect(db.prepare('SELECT count(*) FROM profiles').pluck().get()).toBe(1);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION + 1);
    } finally {
      db.close();
    }
    await expect(createSqliteStores({ dataDir })).rejects.toThrow(/newer/);
  });

  it('loads better-sqlite3 only inside the factory (no static value import)', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(join(dir, name), 'utf8');
      expect(source, name).not.toMatch(/^import\s+(?!type\b)[^;]*from\s+'better-sqlite3'/m);
      expect(source, name).not.toMatch(/require\(\s*'better-sqlite3'/);
    }
    // Sanity check that the driver is resolvable where the adapter will import it from.
    expect(() => createRequire(import.meta.url).resolve('better-sqlite3')).not.toThrow();
  });
});

function segmentInput(i: number) {
  return {
    sid: 0,
    name: `s${i}`,
    integrationCode: `ic-${i}`,
    dataSourceId: 1,
    folderId: 1,
    segmentRule: '1T',
    status: 'ACTIVE' as const,
  };
}

/** A profile Map's sids as strings, in the Map's order (what tests compare). */
function keysOf(m: ReadonlyMap<number, unknown> | undefined): string[] {
  return [...(m?.keys() ?? [])].map(String);
}
