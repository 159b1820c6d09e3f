import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** engine/ is product-neutral: nothing of the product's policy, its command line or its web console. */
const productNeutral = [
  { group: ['**/wfm/**'], message: 'engine/ is product-neutral: it must not import from wfm/.' },
  { group: ['**/cli/**', '**/web/**'], message: 'engine/ must not import from cli/ or web/: they are thin layers on top of wfm/.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'artifacts/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The console's browser scripts run in the page, with the browser's globals.
    files: ['src/web/static/**/*.js'],
    languageOptions: { globals: { document: 'readonly', location: 'readonly', window: 'readonly', EventSource: 'readonly', HTMLTableRowElement: 'readonly', HTMLTableCellElement: 'readonly', MessageEvent: 'readonly' } },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: productNeutral }],
    },
  },
  {
    // The neutral dialect contract names no engine: a dialect folder is reached only through the registry
    // of dialects (engine/dialects.ts) and the codecs it registers (engine/dialect-codecs.ts).
    files: ['src/engine/dialect/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...productNeutral,
            { regex: '^\\./[^/]+/', message: 'the neutral dialect contract must not import a dialect folder: register into it from the folder instead.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression[source.value=/^\\.\\/[^\\/]+\\//]', message: 'the neutral dialect contract must not load a dialect folder: engine/dialects.ts does.' },
      ],
    },
  },
  {
    // wfm/'s public modules are its top-level files and the index.ts of each of its folders.
    files: ['src/cli/**/*.ts', 'src/web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)wfm/[^/]+/(?!index\\.ts$)', message: "cli/ and web/ use wfm/'s public modules only: a top-level file, or a folder's index.ts." }] },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
