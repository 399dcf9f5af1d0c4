import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeRecords,
  encodeBlock,
  journalGenerations,
  JournalWriter,
  readGeneration,
  RecordKind,
} from './profile-journal.js';

const root = mkdtempSync(join(tmpdir(), 'audex-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const recordArb = fc.record({
  kind: fc.constantFrom(RecordKind.Put, RecordKind.Delete),
  visitorId: fc.string({ minLength: 1, maxLength: 40 }),
  rev: fc.nat(),
  seen: fc.nat(),
  data: fc.uint8Array({ maxLength: 64 }),
});

describe('profile journal records', () => {
  it('round-trip any record, in order', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 10 }), (records) => {
        // One block per record, and one block of them all: both read back the same.
        const file = Buffer.concat([...records.map((r) => encodeBlock([r])), encodeBlock(records)]);
        const decoded = decodeRecords(file);
        expect(decoded.intact).toBe(true);
        expect(decoded.records.map((r) => ({ ...r, data: new Uint8Array(r.data) }))).toEqual([
          ...records,
          ...records,
        ]);
      }),
    );
  });

  it('stop at a block cut short or damaged: what precedes it is kept', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 2, maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        (records, cut, flip) => {
          const parts = records.map((r) => encodeBlock([r]));
          const last = parts[parts.length - 1] as Buffer;
          const whole = Buffer.concat(parts.slice(0, -1));
          let tail: Buffer;
          if (flip) {
            tail = Buffer.from(last);
            const at = 8 + (cut % (last.length - 8));
            tail[at] = (tail[at] ?? 0) ^ 0x5a;
          } else tail = last.subarray(0, cut % last.length);
          const decoded = decodeRecords(Buffer.concat([whole, tail]));
          expect(decoded.records).toHaveLength(records.length - 1);
          expect(decoded.intact).toBe(tail.length === 0);
        },
      ),
    );
  });

  it('are written with one call per commit and read back per generation', () => {
    const dir = join(root, 'gen');
    mkdirSync(dir, { recursive: true });
    const w = new JournalWriter(dir, 3);
    w.append(RecordKind.Put, 'v1', 1, 10, Buffer.from('a'));
    w.append(RecordKind.Put, 'v2', 1, 11, Buffer.from('b'));
    expect(readGeneration(dir, 3)).toEqual([]); // not committed yet
    w.commit();
    w.append(RecordKind.Delete, 'v1', 0, 0, new Uint8Array(0));
    w.commit();
    w.close();
    expect(journalGenerations(dir)).toEqual([3]);
    expect(readGeneration(dir, 3).map((r) => [r.kind, r.visitorId, r.rev])).toEqual([
      [RecordKind.Put, 'v1', 1],
      [RecordKind.Put, 'v2', 1],
      [RecordKind.Delete, 'v1', 0],
    ]);
  });

  it('keep every appended record where append said it is, across chunks, and write only committed ones', () => {
    const dir = join(root, 'chunks');
    mkdirSync(dir, { recursive: true });
    const w = new JournalWriter(dir, 1);
    const data = (i: number) => Buffer.alloc(700 + (i % 5) * 9000, i % 251);
    const where = Array.from({ length: 40 }, (_, i) => w.append(RecordKind.Put, `v${i}`, i, i, data(i)));
    w.commit();
    w.append(RecordKind.Put, 'dropped', 1, 1, data(1));
    w.abandon();
    w.append(RecordKind.Put, 'last', 1, 1, data(2));
    w.commit();
    w.close();
    where.forEach(({ chunk, end }, i) => {
      expect(chunk.subarray(end - data(i).length, end).equals(data(i))).toBe(true);
    });
    const read = readGeneration(dir, 1);
    expect(read.map((r) => r.visitorId)).toEqual([...Array.from({ length: 40 }, (_, i) => `v${i}`), 'last']);
    expect(read.every((r, i) => r.data.equals(i < 40 ? data(i) : data(2)))).toBe(true);
  });
});
