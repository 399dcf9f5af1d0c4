/**
 * AAM-style visitor ids: 38 decimal digits (reference/aam-dcs.md §3.1), minted from 128 random
 * bits. Transaction ids (`tid`): 12 characters of base64 (§2.7).
 */
import { randomFillSync } from 'node:crypto';

const VISITOR_ID_RE = /^\d{38}$/;
const MOD = 10n ** 38n;

export function isVisitorId(value: string): boolean {
  return VISITOR_ID_RE.test(value);
}

/**
 * Random bytes handed out from a buffer filled by the CSPRNG 512 ids at a time (as node's own
 * `randomUUID` does): one `randomFillSync` per event cost ≈ 20 µs of the event loop under load.
 * Each byte is handed out once.
 */
class RandomPool {
  readonly #buf: Buffer;
  #at: number;

  constructor(
    private readonly width: number,
    count: number,
  ) {
    this.#buf = Buffer.alloc(width * count);
    this.#at = this.#buf.length;
  }

  /** The offset in `buf` of `width` fresh random bytes. */
  next(): number {
    if (this.#at >= this.#buf.length) {
      randomFillSync(this.#buf);
      this.#at = 0;
    }
    const at = this.#at;
    this.#at += this.width;
    return at;
  }

  get buf(): Buffer {
    return this.#buf;
  }
}

const VISITOR_BYTES = 16;
const visitorPool = new RandomPool(VISITOR_BYTES, 512);

export function mintVisitorId(): string {
  const at = visitorPool.next();
  const n = BigInt('0x' + visitorPool.buf.toString('hex', at, at + VISITOR_BYTES)) % MOD;
  return n.toString().padStart(38, '0');
}

const TID_BYTES = 9;
const tidPool = new RandomPool(TID_BYTES, 512);

export function mintTid(): string {
  const at = tidPool.next();
  return tidPool.buf.toString('base64', at, at + TID_BYTES);
}
