// The habits the tree enforces (npm run lint): typescript-eslint's type-checked rules, with the ones that
// catch lost promises (a rejection nobody hears, a promise handed where a callback is expected) as
// errors, and no import cycles (a cycle makes the load order decide which module sees `undefined`).
// Formatting is prettier's job (.prettierrc), so eslint-config-prettier turns eslint's layout rules off.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';

// import-x parses the imported .ts files too (to follow cycles); they resolve as node resolves them under tsx,
// so the preset's typescript resolver is left out.
const importSettings = { ...importX.flatConfigs.typescript.settings };
delete importSettings['import-x/resolver'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // tsconfig.eslint.json: the build's files and the specs, which the build leaves out.
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      ...importSettings,
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Specs read response bodies, which supertest and JSON.parse type as `any`: asserting on them is their job.
    files: ['spec/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly' },
    },
  },
  {
    // The .js files are CommonJS (mocha loads its reporter with require): require is how they import.
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  prettier,
);
