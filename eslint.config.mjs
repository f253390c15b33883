import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'coverage/', 'scratch/', 'examples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only src/main.ts reads process.env; pass a Config.' },
      ],
    },
  },
  { files: ['src/main.ts', 'test/**', 'bench/**', 'scripts/**', 'profiles/**', '**/*.test.ts'], rules: { 'no-restricted-syntax': 'off' } },
  {
    files: ['src/**'],
    ignores: ['src/http/**', 'src/main.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'express', message: 'Express stays in src/http/.' }] }] },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
