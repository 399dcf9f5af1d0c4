import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlushWorker, packRows, type JobResult, type PackedRow } from './profile-flush-worker.js';

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

const row = (visitorId: string, rev: number, text?: string): PackedRow => ({
  visitorId,
  rev,
  seen: 1_790_000_000_000 + rev,
  data: text === undefined ? undefined : Buffer.from(text),
});

function run(worker: FlushWorker, rows: PackedRow[]): Promise<JobResult> {
  return new Promise((resolve) => worker.run(packRows(rows), resolve));
}

describe('profile flush worker', () => {
  it('writes a job’s puts and deletions with their revision and seen time, ids in any script', async () => {
    const { db, file } = await table();
    const worker = new FlushWorker({ file, upsertSql: UPSERT, removeSql: REMOVE, synchronous: 'NORMAL' });
    try {
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
    } finally {
      worker.stop();
      db.close();
    }
  });

  it('writes nothing once cancelSync has returned, and tells the job it was withdrawn', async () => {
    const { db, file } = await table();
    // A long job in long transactions: the cancel lands in the middle of one, which the worker
    // finishes before cancelSync returns.
    const worker = new FlushWorker({
      file,
      upsertSql: UPSERT,
      removeSql: REMOVE,
      synchronous: 'NORMAL',
      rowsPerTransaction: 2000,
    });
    try {
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
    } finally {
      worker.stop();
      db.close();
    }
  });

  it('once its thread has ended, fails a job at once instead of leaving it unanswered', async () => {
    const { db, file } = await table();
    const worker = new FlushWorker({ file, upsertSql: UPSERT, removeSql: REMOVE, synchronous: 'NORMAL' });
    try {
      worker.stop();
      await expect.poll(() => worker.alive, { timeout: 5000 }).toBe(false);
      const result = await run(worker, [row('late', 1, 'x')]);
      expect(result.ok === false && result.error?.message).toMatch(/exited/);
      expect(db.prepare('SELECT count(*) FROM p').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('answers a failed job with its error', async () => {
    const { db, file } = await table();
    const worker = new FlushWorker({
      file,
      upsertSql: 'INSERT INTO p (id, data, seen, rev) VALUES (?, ?, ?, ?)',
      removeSql: REMOVE,
      synchronous: 'NORMAL',
    });
    try {
      const result = await run(worker, [row('dup', 1, 'a'), row('dup', 2, 'b')]);
      expect(result.ok).toBe(false);
      expect(result.ok === false && result.error?.message).toMatch(/UNIQUE/);
      expect(db.prepare('SELECT count(*) FROM p').pluck().get()).toBe(0);
    } finally {
      worker.stop();
      db.close();
    }
  });
});
