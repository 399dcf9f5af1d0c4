/**
 * AAM-style visitor ids: 38 decimal digits (reference/aam-dcs.md §3.1), minted from 128 random
 * bits. Transaction ids (`tid`): 12 characters of base64 (§2.7).
 */
import { randomBytes, randomFillSync } from 'node:crypto';

const VISITOR_ID_RE = /^\d{38}$/;
const MOD = 10n ** 38n;

export function isVisitorId(value: string): boolean {
  return VISITOR_ID_RE.test(value);
}

export function mintVisitorId(): string {
  const n = BigInt('0x' + randomBytes(16).toString('hex')) % MOD;
  return n.toString().padStart(38, '0');
}

// Transaction ids come from a pooled buffer: one randomFillSync per 512 ids instead of one per event.
const TID_BYTES = 9;
const POOL = Buffer.alloc(TID_BYTES * 512);
let poolOffset = POOL.length;

export function mintTid(): string {
  if (poolOffset >= POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const tid = POOL.toString('base64', poolOffset, poolOffset + TID_BYTES);
  poolOffset += TID_BYTES;
  return tid;
}
