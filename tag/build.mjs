// Bundles the site tag, the iframe script and the demo site's scripts with esbuild's JS API
// (`npm run build` runs it after tsc; `tag/tsconfig.json` type-checks the same sources).
// Output: tag/dist/*.js, each one self-contained IIFE, minified for the tag's size budget.
import { build } from 'esbuild';
import { fileURLToPath, URL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Entry point → output file (relative to tag/). */
const ENTRIES = {
  'src/audex.ts': 'dist/audex.js',
  'src/dest.ts': 'dist/dest.js',
  'demo/cmp-stub.ts': 'dist/demo/cmp-stub.js',
  'demo/demo-page.ts': 'dist/demo/demo-page.js',
};

await Promise.all(
  Object.entries(ENTRIES).map(([entry, out]) =>
    build({
      absWorkingDir: here,
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      format: 'iife',
      // Browsers of the last ~6 years: ES2020 (optional chaining, ??), fetch, URLSearchParams.
      target: ['es2020'],
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
    }),
  ),
);
