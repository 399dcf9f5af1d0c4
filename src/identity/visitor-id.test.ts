import { describe, expect, it } from 'vitest';
import { isVisitorId, mintTid, mintVisitorId } from './visitor-id.js';

describe('visitor and transaction ids', () => {
  it('mints 38-digit AAM-style visitor ids, all different', () => {
    const ids = new Set(Array.from({ length: 2000 }, mintVisitorId));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(isVisitorId(id)).toBe(true);
    expect(isVisitorId('1'.repeat(37))).toBe(false);
    expect(isVisitorId('x'.repeat(38))).toBe(false);
  });

  it('mints 12-character base64 transaction ids, all different across pool refills', () => {
    const tids = new Set(Array.from({ length: 3000 }, mintTid));
    expect(tids.size).toBe(3000);
    for (const tid of tids) expect(tid).toMatch(/^[A-Za-z0-9+/]{12}$/);
  });
});
