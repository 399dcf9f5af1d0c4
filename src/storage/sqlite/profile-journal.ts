/**
 * The profile journal: an append-only file of profile images, the durable half of the SQLite
 * profile store's write-behind mode (`profile-write-behind.ts`).
 *
 * Each record is one profile as the codec encodes it (or a deletion), with its visitor id, revision
 * and `seen`. The records of one group commit are written as one block, with one checksum, so a
 * block cut short or damaged by a crash is recognised and ignored whole — its writes were never
 * acknowledged, since a group commit's events are answered only after its block is written:
 *
 * ```
 * block:  u32 length of the records | u32 CRC-32 of the records | records
 * record: u32 body length | u8 kind (1 put, 2 delete) | f64 rev | f64 seen | u16 id length | id (UTF-8) | profile bytes
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
  ftruncateSync,
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

const BLOCK_HEADER = 8;
const LENGTH = 4;
const FIXED = 1 + 8 + 8 + 2;
const FILE_RE = /^(\d{1,15})\.journal$/;

/** The UTF-8 length of `s`, or -1 when it is all ASCII (its length is then `s.length`). */
function nonAsciiLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return -1;
}

/**
 * Writes one record into `target` at `at` and returns the offset just past it; the profile bytes
 * end there. The caller checks there is room (`recordSize`).
 */
function writeRecord(
  target: Buffer,
  at: number,
  kind: RecordKind,
  visitorId: string,
  idBytes: number,
  rev: number,
  seen: number,
  data: Uint8Array,
): number {
  if (idBytes > 0xffff) throw new RangeError('visitor id too long for the journal');
  const body = at + LENGTH;
  target.writeUInt32LE(FIXED + idBytes + data.length, at);
  target[body] = kind;
  target.writeDoubleLE(rev, body + 1);
  target.writeDoubleLE(seen, body + 9);
  target.writeUInt16LE(idBytes, body + 17);
  let p = body + FIXED;
  if (idBytes === visitorId.length) for (let i = 0; i < idBytes; i++) target[p++] = visitorId.charCodeAt(i);
  else p += target.write(visitorId, p, idBytes, 'utf8');
  target.set(data, p);
  return p + data.length;
}

/** One group commit's block holding `records` (tests, tools). */
export function encodeBlock(
  records: ReadonlyArray<Omit<JournalRecord, 'data'> & { data: Uint8Array }>,
): Buffer {
  const sizes = records.map((r) => LENGTH + FIXED + Buffer.byteLength(r.visitorId, 'utf8') + r.data.length);
  const out = Buffer.allocUnsafe(BLOCK_HEADER + sizes.reduce((a, b) => a + b, 0));
  let at = BLOCK_HEADER;
  records.forEach((r) => {
    at = writeRecord(
      out,
      at,
      r.kind,
      r.visitorId,
      Buffer.byteLength(r.visitorId, 'utf8'),
      r.rev,
      r.seen,
      r.data,
    );
  });
  const recordsPart = out.subarray(BLOCK_HEADER);
  out.writeUInt32LE(recordsPart.length, 0);
  out.writeUInt32LE(crc32(recordsPart), 4);
  return out;
}

/** The records of one file's bytes, in order; stops at the first block that is cut short or damaged. */
export function decodeRecords(file: Buffer): { records: JournalRecord[]; intact: boolean } {
  const records: JournalRecord[] = [];
  let at = 0;
  while (at < file.length) {
    if (file.length - at < BLOCK_HEADER) return { records, intact: false };
    const length = file.readUInt32LE(at);
    const end = at + BLOCK_HEADER + length;
    if (end > file.length) return { records, intact: false };
    const block = file.subarray(at + BLOCK_HEADER, end);
    if (crc32(block) !== file.readUInt32LE(at + 4)) return { records, intact: false };
    const inBlock = decodeBlock(block);
    if (inBlock === undefined) return { records, intact: false };
    records.push(...inBlock);
    at = end;
  }
  return { records, intact: true };
}

function decodeBlock(block: Buffer): JournalRecord[] | undefined {
  const records: JournalRecord[] = [];
  let at = 0;
  while (at < block.length) {
    if (block.length - at < LENGTH + FIXED) return undefined;
    const bodyLength = block.readUInt32LE(at);
    const body = block.subarray(at + LENGTH, at + LENGTH + bodyLength);
    if (bodyLength < FIXED || body.length !== bodyLength) return undefined;
    const kind = body[0];
    const idLength = body.readUInt16LE(17);
    if ((kind !== RecordKind.Put && kind !== RecordKind.Delete) || FIXED + idLength > bodyLength)
      return undefined;
    records.push({
      kind,
      rev: body.readDoubleLE(1),
      seen: body.readDoubleLE(9),
      visitorId: body.toString('utf8', FIXED, FIXED + idLength),
      data: body.subarray(FIXED + idLength),
    });
    at += LENGTH + bodyLength;
  }
  return records;
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

/** Where an appended record's profile bytes end: `chunk[end - data.length, end)`; the chunk is never reused. */
export interface Appended {
  chunk: Buffer;
  end: number;
}

/** Records are laid out in chunks of this size (or one record's size, if larger). */
const CHUNK_BYTES = 64 * 1024;

/**
 * The file being appended to. Records are written into shared chunks (no allocation per record,
 * and a record's bytes never move, so the store keeps them as the pending profile's image), and
 * each group commit's records go to the file as one block, with one call.
 */
export class JournalWriter {
  readonly generation: number;
  #fd: number;
  #chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Bytes of `#chunk` in use, and where this commit's records in it start. */
  #used = 0;
  #from = 0;
  /** This commit's records in earlier (full) chunks. */
  #earlier: Buffer[] = [];
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

  /** Bytes written to this generation so far. */
  get size(): number {
    return this.#bytes;
  }

  /** Lays out one record for the next `commit`; returns where its profile bytes are. */
  append(kind: RecordKind, visitorId: string, rev: number, seen: number, data: Uint8Array): Appended {
    const nonAscii = nonAsciiLength(visitorId);
    const idBytes = nonAscii < 0 ? visitorId.length : nonAscii;
    const size = LENGTH + FIXED + idBytes + data.length;
    if (this.#used + size > this.#chunk.length) {
      if (this.#used > this.#from) this.#earlier.push(this.#chunk.subarray(this.#from, this.#used));
      this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, size));
      this.#used = 0;
      this.#from = 0;
    }
    const chunk = this.#chunk;
    const end = writeRecord(chunk, this.#used, kind, visitorId, idBytes, rev, seen, data);
    this.#used = end;
    return { chunk, end };
  }

  /**
   * Writes what was appended since the last call as one block: one `writev` (it is in the kernel, so
   * it survives the process, before this returns). Throws if the write fails; nothing is then
   * acknowledged, and the caller drops the block (`abandon`).
   */
  commit(): void {
    const parts = this.#earlier;
    if (this.#used > this.#from) parts.push(this.#chunk.subarray(this.#from, this.#used));
    if (parts.length === 0) return;
    let length = 0;
    let crc = 0;
    for (const part of parts) {
      length += part.length;
      crc = crc32(part, crc);
    }
    const header = Buffer.allocUnsafe(BLOCK_HEADER);
    header.writeUInt32LE(length, 0);
    header.writeUInt32LE(crc, 4);
    parts.unshift(header);
    const total = length + BLOCK_HEADER;
    try {
      let written = writevSync(this.#fd, parts);
      while (written < total) {
        // A short write (rare: a signal, a full disk) — write the rest.
        written += writevSync(this.#fd, [Buffer.concat(parts).subarray(written)]);
      }
    } catch (err) {
      // Cut a half-written block off, or replay would stop at it and miss every later block.
      try {
        ftruncateSync(this.#fd, this.#bytes);
      } catch {
        // The write already failed; that error is the one to report.
      }
      throw err;
    }
    this.#earlier = [];
    this.#from = this.#used;
    this.#bytes += total;
    if (this.fsync) fdatasyncSync(this.#fd);
  }

  /** Drops what was appended since the last commit (its write failed). */
  abandon(): void {
    this.#earlier = [];
    this.#from = this.#used;
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
