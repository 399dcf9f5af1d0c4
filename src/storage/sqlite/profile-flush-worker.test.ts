import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FlushWorker,
  packRows,
  type FlushWorkerOptions,
  type JobResult,
  type PackedRow,
} from './profile-flush-worker.js';
import { journalFile, JournalWriter, readGeneration, RecordKind } from './profile-journal.js';

const root = mkdtempSync(join(tmpdir(), 'audex-flush-worker-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const UPSERT =
  'INSERT INTO p (id, data, seen, rev) VALUES (?, ?, ?, ?) ' +
  'ON CONFLICT(id) DO UPDATE SET data = excluded.data, seen = excluded.seen, rev = excluded.rev';
const REMOVE = 'DELETE FROM p WHERE id = ?';

async function table() {
  const { default: Driver } = await import('better-sqlite3');
  const file = join(root, `t${++n}.db`);
  const db = new Driver(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE p (id TEXT PRIMARY KEY, data BLOB, seen REAL, rev INTEGER)');
  return { db, file };
}

/** A fresh table and a worker writing to it (options as given), both closed after `fn`. */
async function withWorker(
  fn: (worker: FlushWorker, db: Database) => Promise<void>,
  opts: Partial<FlushWorkerOptions> = {},
): Promise<void> {
  const { db, file } = await table();
  const worker = new FlushWorker({
    file,
    upsertSql: UPSERT,
    removeSql: REMOVE,
    synchronous: 'NORMAL',
    ...opts,
  });
  try {
    await fn(worker, db);
  } finally {
    worker.stop();
    db.close();
  }
}

const row = (visitorId: string, rev: number, text?: string): PackedRow => ({
  visitorId,
  rev,
  seen: 1_790_000_000_000 + rev,
  data: text === undefined ? undefined : Buffer.from(text),
});

function run(worker: FlushWorker, rows: PackedRow[]): Promise<JobResult> {
  return new Promise((resolve) => worker.run(packRows(rows), resolve));
}

function runFiles(worker: FlushWorker, files: string[]): Promise<JobResult> {
  return new Promise((resolve) => worker.runFiles(files, resolve));
}

type Op = { kind: RecordKind; visitorId: string; rev: number; data: Uint8Array };

/** A journal generation holding `commits` (one block each) written the way the store writes it. */
function journal(commits: Op[][]): string {
  const dir = join(root, `j${++n}`);
  mkdirSync(dir);
  const writer = new JournalWriter(dir, 1);
  for (const ops of commits) {
    for (const op of ops) writer.append(op.kind, op.visitorId, op.rev, 1_790_000_000_000 + op.rev, op.data);
    writer.commit();
  }
  writer.close();
  return journalFile(dir, 1);
}

function allRows(db: Database) {
  return (
    db.prepare('SELECT id, data, seen, rev FROM p ORDER BY id').all() as Array<{
      id: string;
      data: Buffer;
      seen: number;
      rev: number;
    }>
  ).map((r) => [r.id, [...r.data], r.seen, r.rev]);
}

const opArb = fc.record({
  kind: fc.constantFrom(RecordKind.Put, RecordKind.Delete),
  // Few ids, so visitors recur (the last record must win), in any script.
  visitorId: fc.constantFrom('a', 'b', 'é漢', 'z'.repeat(40), '1'),
  rev: fc.nat({ max: 1000 }),
  data: fc.uint8Array({ maxLength: 300 }),
});

describe('profile flush worker', () => {
  it('writes a job’s puts and deletions with their revision and seen time, ids in any script', () =>
    withWorker(async (worker, db) => {
      db.prepare('INSERT INTO p VALUES (?, ?, ?, ?)').run('gone', Buffer.from('x'), 1, 1);
      expect(await run(worker, [row('a', 3, 'alpha'), row('gone', 0), row('é漢', 1, '')])).toEqual({
        ok: true,
      });
      const rows = db.prepare('SELECT id, data, seen, rev FROM p ORDER BY id').all() as Array<{
        id: string;
        data: Buffer;
        seen: number;
        rev: number;
      }>;
      expect(rows.map((r) => [r.id, r.data.toString(), r.seen, r.rev])).toEqual([
        ['a', 'alpha', 1_790_000_000_003, 3],
        ['é漢', '', 1_790_000_000_001, 1],
      ]);
    }));

  it('writes the last record of each visitor in a journal file, as the journal reads them back, then deletes the file', () =>
    withWorker(async (worker, db) => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(opArb, { maxLength: 6 }), { maxLength: 8 }), async (commits) => {
          db.exec('DELETE FROM p');
          db.prepare('INSERT INTO p VALUES (?, ?, ?, ?)').run('a', Buffer.from('before'), 1, 1);
          const path = journal(commits);
          // What the journal module itself reads back, replayed in order: the table to expect.
          const expected = new Map<string, (string | number | number[])[]>([
            ['a', ['a', [...Buffer.from('before')], 1, 1]],
          ]);
          for (const r of readGeneration(join(path, '..'), 1)) {
            if (r.kind === RecordKind.Delete) expected.delete(r.visitorId);
            else expected.set(r.visitorId, [r.visitorId, [...r.data], r.seen, r.rev]);
          }
          expect(await runFiles(worker, [path])).toEqual({ ok: true });
          expect(allRows(db)).toEqual([...expected.keys()].sort().map((k) => expected.get(k)));
          expect(existsSync(path)).toBe(false);
        }),
        { numRuns: 40 },
      );
    }));

  it('fails a journal file it cannot read whole, writing none of it and keeping the file', () =>
    withWorker(async (worker, db) => {
      const op = (visitorId: string): Op => ({
        kind: RecordKind.Put,
        visitorId,
        rev: 1,
        data: Buffer.from('x'),
      });
      const damaged = journal([[op('a')], [op('b')]]);
      appendFileSync(damaged, Buffer.from([9, 0, 0, 0, 1, 2, 3, 4, 5]));
      const damagedResult = await runFiles(worker, [damaged]);
      expect(damagedResult.ok === false && damagedResult.error?.message).toMatch(/damaged block/);
      const missing = await runFiles(worker, [join(root, 'no-such.journal')]);
      expect(missing.ok === false && missing.error?.message).toMatch(/ENOENT/);
      expect(allRows(db)).toEqual([]);
      expect(existsSync(damaged)).toBe(true);
    }));

  // A long job in long transactions: the cancel lands in the middle of one, which the worker
  // finishes before cancelSync returns.
  it('writes nothing once cancelSync has returned, and tells the job it was withdrawn', () =>
    withWorker(
      async (worker, db) => {
        const count = db.prepare('SELECT count(*) FROM p').pluck();
        const rows = Array.from({ length: 60_000 }, (_, i) => row(`v${i}`, 1, 'old'));
        const result = run(worker, rows);
        await expect.poll(() => count.get(), { interval: 1, timeout: 10_000 }).toBeGreaterThan(0);
        worker.cancelSync();
        const atCancel = count.get() as number;
        expect(await result).toEqual({ ok: false });
        await new Promise((r) => setTimeout(r, 200));
        expect(count.get()).toBe(atCancel);
        expect(atCancel).toBeLessThan(rows.length);
        // The worker takes the next job as usual.
        expect(await run(worker, [row('next', 1, 'new')])).toEqual({ ok: true });
        expect(count.get()).toBe(atCancel + 1);
      },
      { rowsPerTransaction: 2000 },
    ));

  it('once its thread has ended, fails a job at once instead of leaving it unanswered', () =>
    withWorker(async (worker, db) => {
      worker.stop();
      await expect.poll(() => worker.alive, { timeout: 5000 }).toBe(false);
      const result = await run(worker, [row('late', 1, 'x')]);
      expect(result.ok === false && result.error?.message).toMatch(/exited/);
      expect(db.prepare('SELECT count(*) FROM p').pluck().get()).toBe(0);
    }));

  it('answers a failed job with its error', () =>
    withWorker(
      async (worker, db) => {
        const result = await run(worker, [row('dup', 1, 'a'), row('dup', 2, 'b')]);
        expect(result.ok).toBe(false);
        expect(result.ok === false && result.error?.message).toMatch(/UNIQUE/);
        expect(db.prepare('SELECT count(*) FROM p').pluck().get()).toBe(0);
      },
      { upsertSql: 'INSERT INTO p (id, data, seen, rev) VALUES (?, ?, ?, ?)' },
    ));
});
