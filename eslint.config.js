// Lint catches bugs the type checker lets through; formatting and taste are
// left alone. Type-aware rules use the project's tsconfig.json.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Permissions are decided by one function per capability (src/auth/permissions.ts);
// nothing outside src/auth checks a permission by name.
const ONE_PERMISSION_MODULE = {
  group: ['**/auth/principal.js'],
  importNames: ['requirePermission', 'hasPermission'],
  message: 'Call the capability function in auth/permissions.ts (authorizeTraceRead, authorizeIngest, ...).',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection kills the process).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a sync one is expected (event handlers, forEach) drops its errors.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A new kind of node, role or error code must be handled everywhere it is switched on.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      'no-self-compare': 'error',
      'no-template-curly-in-string': 'error',
      'no-constructor-return': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Taste, or already checked by tsc strict.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // Layer boundaries (docs/architecture.md): routes parse and serialize and
  // call services; services decide; storage runs SQL; the compiler is pure.
  // A file matched by a later block gets only that block's patterns, so each
  // repeats ONE_PERMISSION_MODULE.
  {
    files: ['src/**/*.ts', 'benches/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['src/auth/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [ONE_PERMISSION_MODULE] }] },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/storage/*', '!**/storage/driver.js'], message: 'Routes and plugins call a service (src/traces/, ...), never storage.' },
            { group: ['**/storage/driver.js'], allowTypeImports: true, message: 'Only the Driver type may be named in http/.' },
            { group: ['**/traces/*-sql.js', '**/traces/page-sql.js'], message: 'Routes call the service, not its SQL.' },
            ONE_PERMISSION_MODULE,
          ],
        },
      ],
    },
  },
  {
    files: ['src/storage/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/http/*', '**/http/**', '**/traces/*', '**/cache/*', '**/cli/*', '**/auth/permissions.js'], message: 'Storage imports nothing above it.' },
            ONE_PERMISSION_MODULE,
          ],
        },
      ],
    },
  },
  {
    files: ['src/query/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/storage/*', '**/http/*', '**/http/**', '**/traces/*', '**/cache/*', '**/auth/*'], message: 'The query compiler is pure: fields, AST, errors; permissions are decided by the services.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly' } },
  },
);
