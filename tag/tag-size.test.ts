/**
 * The tag's size budget (issue "The page side"): ≤ 4 KB minified + gzipped. Reads the bundle
 * `npm run build` writes; `npm test` builds first.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/** 4 KB, min+gzip. */
export const TAG_BUDGET_BYTES = 4096;

describe('site tag bundle', () => {
  it(`is at most ${TAG_BUDGET_BYTES} bytes minified and gzipped`, () => {
    const bundle = readFileSync(new URL('./dist/audex.js', import.meta.url));
    const gzipped = gzipSync(bundle, { level: 9 }).length;
    console.log(
      `tag: ${bundle.length} bytes minified, ${gzipped} bytes min+gzip (budget ${TAG_BUDGET_BYTES})`,
    );
    expect(gzipped).toBeLessThanOrEqual(TAG_BUDGET_BYTES);
  });
});
