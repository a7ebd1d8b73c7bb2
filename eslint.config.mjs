import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import boundaries from 'eslint-plugin-boundaries';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { layerRules } from './eslint.layers.mjs';

export default tseslint.config(
  {
    ignores: [
      '**/dist',
      'coverage',
      'node_modules',
      // The consumer-test templates are apps of their own, checked with their own tsconfig against the
      // packed tarball (scripts/consumer-test.mjs).
      'test/consumer/templates',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: './tsconfig.json',
          // As tsconfig.json's customConditions: workspace packages resolve to their source.
          conditionNames: ['celeriac-source', 'types', 'import', 'node', 'default'],
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      // `const { dropped, ...rest } = obj` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Nest's option types are classes (NestApplicationContextOptions); object literals are how Nest
      // documents passing them.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': ['error', { patterns: ['@nestjs/*/*'] }],
    },
  },
  {
    files: ['**/*spec.ts', '**/*.bench.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
  {
    // Apps, suites, the benchmark and the demo contracts use the library as a user does: by its package
    // name and public entries, never a path into its folder or a file behind the exports map.
    files: ['apps/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*/*'] },
            { group: ['**/packages/celeriac/**'], message: "Import the library as 'celeriac'." },
            {
              group: [
                'celeriac/*',
                '!celeriac/testing',
                '!celeriac/dashboard',
                '!celeriac/metrics',
                '!celeriac/package.json',
              ],
              message:
                "Import from 'celeriac' (or 'celeriac/testing', 'celeriac/dashboard', 'celeriac/metrics'): other paths are internal.",
            },
          ],
        },
      ],
    },
  },
  {
    ...layerRules,
    plugins: { boundaries },
    settings: {
      ...layerRules.settings,
      'import/resolver': { typescript: { project: './tsconfig.json' } },
    },
  },
);
