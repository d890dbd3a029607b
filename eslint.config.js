// One lint config for every package; each package runs `eslint` on its own folders.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/test-results/**', '**/playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read configuration in config.ts only.' },
      ],
    },
  },
  {
    files: ['**/config.ts', '**/config/**', 'e2e/**', 'packages/bench/**', 'packages/services/**', 'packages/cluster/**', 'scripts/**', '**/*.config.ts', '**/test/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Tests read JSON bodies of many shapes; `any` keeps them short.
    files: ['**/test/**', 'e2e/**', 'packages/bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
