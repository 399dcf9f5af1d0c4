import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STAGES } from './stage-list.js';

describe('stage list and docs/lifecycle.md', () => {
  it('the lifecycle page lists exactly the stages, in order', () => {
    const doc = readFileSync(new URL('../../docs/lifecycle.md', import.meta.url), 'utf8');
    const table = doc.split('<!-- stages:begin -->')[1]?.split('<!-- stages:end -->')[0] ?? '';
    const documented = table
      .split('\n')
      .map((l) => /^\| \d+ \| ([a-z-]+) \|/.exec(l)?.[1])
      .filter((s): s is string => s !== undefined);
    expect(documented).toEqual(STAGES.map((s) => s.name));
  });
});
