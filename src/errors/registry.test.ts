import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_ERRORS, DCS_ERRORS } from './registry.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = doc
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| ---') && !l.startsWith('| code'));

describe('error registry and docs/errors.md', () => {
  it('documents every DCS wire error with its name, and nothing else', () => {
    const documented = rows
      .map((r) => r.split('|').map((c) => c.trim()))
      .filter((c) => /^\d+$/.test(c[1] ?? ''))
      .map((c) => `${c[1]} ${c[2]}`);
    const registered = Object.entries(DCS_ERRORS).map(([name, def]) => `${def.code} ${name}`);
    expect(documented.sort()).toEqual(registered.sort());
  });

  it('documents every platform error with its HTTP status, and nothing else', () => {
    const documented = rows
      .map((r) => r.split('|').map((c) => c.trim()))
      .filter((c) => (c[1] ?? '').startsWith('AUDEX_'))
      .map((c) => `${c[1]} ${c[2]}`);
    const registered = Object.entries(APP_ERRORS).map(([code, def]) => `${code} ${def.status}`);
    expect(documented.sort()).toEqual(registered.sort());
  });

  it('never reuses a numeric code', () => {
    const codes = Object.values(DCS_ERRORS).map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
