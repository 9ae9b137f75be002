// ESLint flat config: recommended rules plus the house rules that a type checker cannot see.
'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'loadtest/k6/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: 'library code never calls process.exit; only bin.ts may',
        },
      ],
    },
  },
  {
    // Services and shared packages connect through createRedis, which reads every REDIS_URL form (Sentinel too).
    files: ['services/*/src/**/*.ts', 'shared/*/src/**/*.ts'],
    ignores: ['shared/redis/**', 'shared/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: 'library code never calls process.exit; only bin.ts may',
        },
        {
          selector: "NewExpression[callee.name='Redis']",
          message: 'connect with createRedis (@fleet/redis): a plain ioredis client misreads redis-sentinel:// URLs',
        },
      ],
    },
  },
  {
    files: ['**/bin.ts', '**/test/**/*.ts', '**/scripts/**', '**/bench/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', setTimeout: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
