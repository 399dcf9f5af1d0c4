/** The NDJSON event log: the shared contract plus naming, rotation and p_ key stripping. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventLogContract, logged, sampleRecord } from '../contract/event-log.contract.js';
import type { LoggedEvent } from '../ports.js';
import { createFileEventLog } from './file-event-log.js';

const root = mkdtempSync(join(tmpdir(), 'audex-eventlog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(root, `log-${++n}`);

function files(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readAll(dir: string): LoggedEvent[] {
  return files(dir).flatMap((name) =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LoggedEvent),
  );
}

eventLogContract('file', async () => {
  const dir = freshDir();
  const log = createFileEventLog({ dir });
  return { log, read: async () => readAll(dir), cleanup: () => log.close() };
});

describe('file event log extras', () => {
  it('names files by UTC day and a 4-digit sequence, one line per record', async () => {
    const dir = freshDir();
    const log = createFileEventLog({ dir });
    log.append(sampleRecord(1, { ts: Date.UTC(2026, 10, 29, 23, 59) }));
    await log.close();
    expect(files(dir)).toEqual(['events-2026-11-29-0001.ndjson']);
    expect(readFileSync(join(dir, 'events-2026-11-29-0001.ndjson'), 'utf8').split('\n')).toHaveLength(2);
  });

  it('rotates when the UTC day changes', async () => {
    const dir = freshDir();
    const log = createFileEventLog({ dir });
    log.append(sampleRecord(1, { ts: Date.UTC(2026, 10, 29, 23, 59) }));
    log.append(sampleRecord(2, { ts: Date.UTC(2026, 10, 30, 0, 1) }));
    await log.close();
    expect(files(dir)).toEqual(['events-2026-11-29-0001.ndjson', 'events-2026-11-30-0001.ndjson']);
  });

  it('rotates before a file would pass maxBytes, keeping every record', async () => {
    const dir = freshDir();
    const maxBytes = 1000;
    const log = createFileEventLog({ dir, maxBytes });
    const records = Array.from({ length: 40 }, (_, i) => sampleRecord(i));
    records.slice(0, 20).forEach((r) => log.append(r));
    await log.flush();
    records.slice(20).forEach((r) => log.append(r));
    await log.close();
    const names = files(dir);
    expect(names.length).toBeGreaterThan(3);
    expect(names[0]).toBe('events-2026-11-29-0001.ndjson');
    expect(
      names.every((name, i) => name === `events-2026-11-29-${String(i + 1).padStart(4, '0')}.ndjson`),
    ).toBe(true);
    for (const name of names) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(maxBytes);
    expect(readAll(dir)).toEqual(records.map(logged));
  });

  it('writes a record larger than maxBytes alone in its own file', async () => {
    const dir = freshDir();
    const log = createFileEventLog({ dir, maxBytes: 50 });
    log.append(sampleRecord(1));
    log.append(sampleRecord(2));
    await log.close();
    expect(files(dir)).toHaveLength(2);
    expect(readAll(dir)).toEqual([logged(sampleRecord(1)), logged(sampleRecord(2))]);
  });

  it('keeps every record, in order, when one flush interval outgrows the first buffer (multi-byte text too)', async () => {
    const dir = freshDir();
    const log = createFileEventLog({ dir });
    const text = 'é 日本 🎧 \u2028 "q" \\ \n'.repeat(40);
    const records = Array.from({ length: 400 }, (_, i) =>
      sampleRecord(i, {
        signals: new Map([
          ['c_text', [`${i} ${text}`]],
          ['c_page', [`/p/${i}`]],
        ]),
      }),
    );
    for (const r of records) log.append(r);
    await log.close();
    expect(files(dir)).toEqual(['events-2026-11-29-0001.ndjson']);
    expect(statSync(join(dir, files(dir)[0]!)).size).toBeGreaterThan(128 * 1024);
    expect(readAll(dir)).toEqual(records.map(logged));
  });

  it('splits files at record boundaries with multi-byte text, within maxBytes', async () => {
    const dir = freshDir();
    const maxBytes = 2000;
    const log = createFileEventLog({ dir, maxBytes });
    const records = Array.from({ length: 60 }, (_, i) =>
      sampleRecord(i, { signals: new Map([['c_text', ['日本語のテキスト 🎧'.repeat(1 + (i % 5))]]]) }),
    );
    for (const r of records) log.append(r);
    await log.close();
    expect(files(dir).length).toBeGreaterThan(5);
    for (const name of files(dir)) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(maxBytes);
    expect(readAll(dir)).toEqual(records.map(logged));
  });

  it("writes records of interleaved days to their own day's files, each in order", async () => {
    const dir = freshDir();
    const log = createFileEventLog({ dir });
    const day1 = Date.UTC(2026, 10, 29, 23, 59);
    const day2 = Date.UTC(2026, 10, 30, 0, 1);
    const records = [day1, day2, day1, day2].map((ts, i) => sampleRecord(i, { ts }));
    for (const r of records) log.append(r);
    await log.close();
    expect(files(dir)).toEqual([
      'events-2026-11-29-0001.ndjson',
      'events-2026-11-29-0002.ndjson',
      'events-2026-11-30-0001.ndjson',
      'events-2026-11-30-0002.ndjson',
    ]);
    expect(readAll(dir)).toEqual([records[0], records[2], records[1], records[3]].map((r) => logged(r!)));
  });

  it('never appends to an existing file: a new log continues the sequence', async () => {
    const dir = freshDir();
    const first = createFileEventLog({ dir });
    first.append(sampleRecord(1));
    await first.close();
    const second = createFileEventLog({ dir });
    second.append(sampleRecord(2));
    await second.close();
    expect(files(dir)).toEqual(['events-2026-11-29-0001.ndjson', 'events-2026-11-29-0002.ndjson']);
  });

  it('drops p_ signal keys even when the caller forgot', async () => {
    const dir = freshDir();
    const log = createFileEventLog({ dir });
    const record = sampleRecord(1, {
      signals: new Map([
        ['p_email', ['a@b.c']],
        ['c_page', ['/x']],
        ['P_upper', ['kept']],
      ]),
    });
    log.append(record);
    await log.close();
    expect(readAll(dir)).toEqual([{ ...logged(record), signals: { c_page: ['/x'], P_upper: ['kept'] } }]);
    expect(record.signals.get('p_email')).toEqual(['a@b.c']);
  });

  it('writes on its own timer without an explicit flush', async () => {
    const dir = freshDir();
    const log = createFileEventLog({ dir, flushMs: 5 });
    log.append(sampleRecord(1));
    // Poll for the outcome instead of asserting a duration.
    while (readAll(dir).length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(readAll(dir)).toEqual([logged(sampleRecord(1))]);
    await log.close();
  });

  it('ignores appends after close and tolerates a second close', async () => {
    const dir = freshDir();
    const log = createFileEventLog({ dir });
    log.append(sampleRecord(1));
    await log.close();
    log.append(sampleRecord(2));
    await log.close();
    expect(readAll(dir)).toEqual([logged(sampleRecord(1))]);
  });

  it('reports a failed write to flush() and onError, and still closes', async () => {
    const errors: unknown[] = [];
    // A regular file where the directory should be makes mkdir fail.
    const blocked = join(root, `blocked-${++n}`);
    writeFileSync(blocked, 'not a directory');
    const bad = createFileEventLog({ dir: join(blocked, 'events'), onError: (e) => errors.push(e) });
    bad.append(sampleRecord(1));
    await expect(bad.flush()).rejects.toThrow();
    expect(errors).toHaveLength(1);
    await expect(bad.close()).resolves.toBeUndefined();
  });
});
