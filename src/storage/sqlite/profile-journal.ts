/**
 * The profile journal: an append-only file of profile images, the durable half of the SQLite
 * profile store's write-behind mode (`profile-write-behind.ts`).
 *
 * Each record is one profile as the codec encodes it (or a deletion), with its visitor id, revision
 * and `seen`, framed so that a record cut short by a crash is recognised and ignored:
 *
 * ```
 * u32 body length | u32 CRC-32 of the body | body
 * body: u8 kind (1 put, 2 delete) | f64 rev | f64 seen | u16 id length | id (UTF-8) | profile bytes
 * ```
 *
 * Files are numbered generations (`<n>.journal`) in one directory: the store writes to the newest
 * and deletes an older one once every profile written to it is in the database. Replaying the
 * files in order, last record of a visitor wins, gives the profiles the journal holds.
 */
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export const RecordKind = { Put: 1, Delete: 2 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export interface JournalRecord {
  kind: RecordKind;
  visitorId: string;
  rev: number;
  seen: number;
  /** The profile codec's bytes (empty for a deletion). */
  data: Buffer;
}

const FRAME = 8;
const FIXED = 1 + 8 + 8 + 2;
const FILE_RE = /^(\d{1,15})\.journal$/;

/**
 * One record ready to append: the framed bytes, and `data`, a view of the profile bytes inside
 * them (the store keeps that view as the profile's pending image; it is never written to again).
 */
export function encodeRecord(
  kind: RecordKind,
  visitorId: string,
  rev: number,
  seen: number,
  data: Uint8Array,
): { bytes: Buffer; data: Buffer } {
  const idLength = Buffer.byteLength(visitorId, 'utf8');
  if (idLength > 0xffff) throw new RangeError('visitor id too long for the journal');
  const bodyLength = FIXED + idLength + data.length;
  const bytes = Buffer.allocUnsafe(FRAME + bodyLength);
  bytes.writeUInt32LE(bodyLength, 0);
  bytes[FRAME] = kind;
  bytes.writeDoubleLE(rev, FRAME + 1);
  bytes.writeDoubleLE(seen, FRAME + 9);
  bytes.writeUInt16LE(idLength, FRAME + 17);
  bytes.write(visitorId, FRAME + FIXED, idLength, 'utf8');
  const dataAt = FRAME + FIXED + idLength;
  bytes.set(data, dataAt);
  bytes.writeUInt32LE(crc32(bytes.subarray(FRAME)), 4);
  return { bytes, data: bytes.subarray(dataAt) };
}

/** The records of one file's bytes, in order; stops at the first record that is cut short or damaged. */
export function decodeRecords(file: Buffer): { records: JournalRecord[]; intact: boolean } {
  const records: JournalRecord[] = [];
  let at = 0;
  while (at < file.length) {
    if (file.length - at < FRAME + FIXED) return { records, intact: false };
    const bodyLength = file.readUInt32LE(at);
    const end = at + FRAME + bodyLength;
    if (bodyLength < FIXED || end > file.length) return { records, intact: false };
    const body = file.subarray(at + FRAME, end);
    if (crc32(body) !== file.readUInt32LE(at + 4)) return { records, intact: false };
    const kind = body[0];
    const idLength = body.readUInt16LE(17);
    if ((kind !== RecordKind.Put && kind !== RecordKind.Delete) || FIXED + idLength > bodyLength)
      return { records, intact: false };
    records.push({
      kind,
      rev: body.readDoubleLE(1),
      seen: body.readDoubleLE(9),
      visitorId: body.toString('utf8', FIXED, FIXED + idLength),
      data: body.subarray(FIXED + idLength),
    });
    at = end;
  }
  return { records, intact: true };
}

/** The generations present in `dir`, oldest first. */
export function journalGenerations(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((name) => FILE_RE.exec(name)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export function journalFile(dir: string, generation: number): string {
  return join(dir, `${generation}.journal`);
}

/** Reads one generation's records (a damaged tail is dropped: its writes were never acknowledged). */
export function readGeneration(dir: string, generation: number): JournalRecord[] {
  return decodeRecords(readFileSync(journalFile(dir, generation))).records;
}

/** The file being appended to: records are buffered per group commit and written with one call. */
export class JournalWriter {
  readonly generation: number;
  #fd: number;
  #pending: Buffer[] = [];
  #bytes = 0;

  /**
   * @param fsync `fdatasync` after each commit (and the directory once, so the new file's entry is
   *   durable too): records then survive power loss, not only the process.
   */
  constructor(
    readonly dir: string,
    generation: number,
    private readonly fsync = false,
  ) {
    this.generation = generation;
    this.#fd = openSync(journalFile(dir, generation), 'a');
    if (fsync) syncDirectory(dir);
  }

  /** Bytes written to this generation so far (rotation by size). */
  get size(): number {
    return this.#bytes;
  }

  append(bytes: Buffer): void {
    this.#pending.push(bytes);
  }

  /**
   * Writes what was appended since the last call: one `writev` (it is in the kernel, so it survives
   * the process, before this returns). Throws if the write fails; nothing is then acknowledged.
   */
  commit(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    let total = 0;
    for (const b of pending) total += b.length;
    let written = writevSync(this.#fd, pending);
    while (written < total) {
      // A short write (rare: a signal, a full disk) — write the rest.
      const rest = Buffer.concat(pending).subarray(written);
      written += writevSync(this.#fd, [rest]);
    }
    this.#bytes += total;
    if (this.fsync) fdatasyncSync(this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }

  /** Closes and deletes this generation's file. */
  discard(): void {
    this.close();
    removeGeneration(this.dir, this.generation);
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function removeGeneration(dir: string, generation: number): void {
  try {
    unlinkSync(journalFile(dir, generation));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
