// Flat config: typescript-eslint's recommended type-aware rules plus the project boundaries
// from STYLE.md (partner adapters do no I/O; only the composition root picks storage adapters).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test-artifacts/**', 'tag/dist/**', 'coverage/**'] },
  js.configs.recommended,
  {
    // Node scripts (build and setup helpers) run outside TypeScript: declare Node's globals.
    files: ['**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // STYLE.md §7 / ARCHITECTURE.md: only the composition root imports concrete storage adapters.
    files: ['src/**/*.ts'],
    ignores: ['src/app.ts', 'src/storage/**', '**/*.test.ts', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/storage/sqlite/**',
                '**/storage/memory/**',
                '**/storage/file/**',
                '**/storage/redis/**',
                '**/storage/postgres/**',
                '**/storage/nats/**',
              ],
              message: 'Only src/app.ts picks concrete storage adapters.',
            },
          ],
        },
      ],
    },
  },
  {
    // STYLE.md §3: a partner adapter describes calls and parses answers; it never does I/O.
    files: ['src/partners/adapters/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'undici',
            'node:*',
            'better-sqlite3',
            'ioredis',
            'pg',
            'nats',
            '**/storage/**',
            '**/runner*',
          ],
        },
      ],
      'no-restricted-globals': ['error', 'fetch', 'setTimeout', 'setInterval', 'process'],
    },
  },
);
