/**
 * Gatekeeping for the adapter registry (STYLE.md §6, prebid-server `bidders_validate_test.go`):
 * every entry is named after its key and folder, has a params schema ajv compiles in strict mode,
 * and documents itself with at least one exemplary and one supplemental fixture.
 */
import { Ajv } from 'ajv';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTERS_DIR, fixtureFiles } from './adapter-fixtures.js';
import { ADAPTERS, getAdapter, isAdapterName } from './registry.js';

describe('partner adapter registry', () => {
  for (const [key, adapter] of Object.entries(ADAPTERS)) {
    describe(key, () => {
      it('is named after its registry key and lives in adapters/<key>/', () => {
        expect(adapter.name).toBe(key);
        expect(key).toMatch(/^[a-z][a-z0-9-]{1,31}$/);
        expect(existsSync(join(ADAPTERS_DIR, key, 'index.ts'))).toBe(true);
      });

      it('has a params schema that ajv compiles in strict mode and that accepts {}', () => {
        const ajv = new Ajv({ strict: true });
        const validate = ajv.compile(adapter.paramsSchema);
        // Every adapter must work with defaults alone, so a partner can be added with no params.
        expect(validate({})).toBe(true);
        expect(validate('not an object')).toBe(false);
      });

      it('has at least one exemplary and one supplemental fixture', () => {
        expect(fixtureFiles(key, 'exemplary').length).toBeGreaterThan(0);
        expect(fixtureFiles(key, 'supplemental').length).toBeGreaterThan(0);
      });
    });
  }

  it('resolves names and rejects unknown ones', () => {
    expect(getAdapter('audex')).toBe(ADAPTERS.audex);
    expect(getAdapter('nope')).toBeUndefined();
    expect(isAdapterName('toString')).toBe(false);
  });
});
