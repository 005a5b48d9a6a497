// Lint for the TypeScript tree (npm run lint; test/lint runs it, so CI fails on a violation).
// typescript-eslint's recommended rules, unused code, import cycles, and the data path's direction:
// kernel/ is a leaf; native/ and targets/ sit below probes/; probes/ below events/ and the pipeline.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const below = (target, from, message) => ({ target, from, message });

export default tseslint.config(
  {
    ignores: [
      '**/*.cjs',
      'test/fixtures/**',
      'dist/**',
      'node_modules/**',
      'bpf/build/**',
      '**/generated/**',
      'helm/**',
      'docs/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-control-regex': 'off',
      // `let x = []; try { x = read() } catch { … }` reads well; this rule only asks to drop the initialiser
      'no-useless-assignment': 'off',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            below(
              './receiver/kernel',
              './receiver/!(kernel)/**',
              'receiver/kernel is the leaf module of kernel facts: it imports nothing of the agent',
            ),
            below(
              './receiver/native',
              './receiver/{probes,events,pipeline,targets,snapshot,server,cli,config}/**',
              'native/ (the helper client) sits below the probes',
            ),
            below(
              './receiver/targets',
              './receiver/{probes,events,pipeline,snapshot,server,cli}/**',
              'targets/ sit below the probes',
            ),
            below(
              './receiver/probes',
              './receiver/{events,pipeline,server,cli}/**',
              'probes never import events/, the pipeline or the server: data flows down',
            ),
          ],
        },
      ],
    },
  },
  {
    // The data path, where objects are made per series, per event or per cycle (the server's, the CLI's
    // and the configuration's literals are made once or per request).
    files: ['receiver/{kernel,native,targets,peers,probes,snapshot,events,pipeline}/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // test/bench/results/sizing-h21t-*.md: the agent's largest functions kept being recompiled
          selector: 'ObjectExpression > SpreadElement:first-child ~ *',
          message:
            'An object literal that starts with a spread and adds more gets a V8 hidden class (map) of its own per object (Node 20): megamorphic reads, and optimized code that saw those maps is deoptimized when they die. Write Object.assign({}, a, { … }), or put the spread after the other properties.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    // tests read untyped JSON (OTLP, /status, Prometheus) and poke at internals
    rules: { '@typescript-eslint/no-unused-expressions': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
