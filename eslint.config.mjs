// Lint: typescript-eslint's type-aware rules everywhere, plus the Temporal determinism rules for
// workflow code (no I/O, engines or Node built-ins in files the workflow sandbox runs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'timers/promises',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

/** What a workflow file may not import at runtime (type-only imports stay allowed). */
const WORKFLOW_FORBIDDEN = [
  ...NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]),
  'kafkajs',
  '@clickhouse/client',
  'chdb',
  'chdb/*',
  '@duckdb/node-api',
  'nodemailer',
  '@temporalio/activity',
  '@temporalio/worker',
  '@temporalio/client',
  '@temporalio/testing',
];

/**
 * Which top-level folder may import which (docs/architecture.md, Layout): core imports no layer; each layer
 * imports core and the seams below it; only the CLI, tests and benchmarks wire everything. The
 * graph has no cycle. Tests next to the code may use test/ helpers; production code may not.
 */
const LAYERS = ['core', 'ingest', 'speed-layer', 'batch-layer', 'workflows', 'serving-layer', 'cli', 'infra'];
export const MAY_IMPORT = {
  core: [],
  ingest: ['core'],
  'speed-layer': ['core'],
  'batch-layer': ['core'],
  infra: ['core'],
  workflows: ['core', 'batch-layer'],
  'serving-layer': ['core', 'batch-layer', 'speed-layer', 'workflows'],
  cli: ['core', 'ingest', 'speed-layer', 'batch-layer', 'workflows', 'serving-layer', 'infra'],
};

/**
 * The disk belongs to two files: the lake's local storage (core/lake/local-storage.ts) and the
 * few local files that are not the lake (core/files/local-files.ts: secrets, bundled SQL).
 * Everything else reads and writes through the lake's storage interface, so the lake can move to
 * an object store. infra/ (installing and starting local services), tests and benchmarks are
 * outside the rule.
 */
const DISK_OWNERS = ['core/lake/local-storage.ts', 'core/files/local-files.ts'];
const DISK_MODULES = ['fs', 'fs/promises', 'node:fs', 'node:fs/promises'];

/** Core (and so the lake and the query core's inputs) knows no web framework. */
const FRAMEWORK_FREE = ['core'];

const layerRule = (folder, allowed, { disk }) => [
  'error',
  {
    paths: disk
      ? []
      : DISK_MODULES.map((name) => ({
          name,
          message: `only ${DISK_OWNERS.join(' and ')} touch the disk: go through the lake's storage (core/lake/storage.ts) or localFiles`,
        })),
    patterns: [
      ...[...LAYERS, 'test', 'bench']
        .filter((l) => l !== folder && !allowed.includes(l))
        .map((l) => ({
          regex: `^(\\.\\./)+${l}(/|$)`,
          message: `${folder}/ may import ${['core', ...allowed].filter((x, i, a) => a.indexOf(x) === i && x !== folder).join(', ') || 'no other folder'} (layer rules in eslint.config.mjs)`,
        })),
      ...(FRAMEWORK_FREE.includes(folder)
        ? [{ group: ['@nestjs/*', 'express'], message: `${folder}/ knows no web framework` }]
        : []),
    ],
  },
];

const layerRules = Object.entries(MAY_IMPORT)
  .filter(([folder]) => folder !== 'infra')
  .map(([folder, allowed]) => ({
    files: [`${folder}/**/*.ts`],
    ignores: ['**/*.test.ts', ...DISK_OWNERS],
    rules: { 'no-restricted-imports': layerRule(folder, allowed, { disk: false }) },
  }));
layerRules.push(
  {
    files: ['infra/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': layerRule('infra', MAY_IMPORT.infra, { disk: true }) },
  },
  {
    files: DISK_OWNERS,
    rules: { 'no-restricted-imports': layerRule('core', MAY_IMPORT.core, { disk: true }) },
  },
);

export default tseslint.config(
  { ignores: ['node_modules/**', '.local/**', 'dist/**', 'coverage/**', '**/*.mjs', '**/*.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ['workflows/workflows.ts', 'workflows/**/*.workflow.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: WORKFLOW_FORBIDDEN.filter((m) => !m.includes('*')).map((name) => ({
            name,
            message: 'workflow code must stay deterministic: do I/O in an activity',
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: [
                'chdb/*',
                '../batch-layer/*',
                '../speed-layer/*',
                '../ingest/*',
                '../serving-layer/*',
                '**/activities',
              ],
              message:
                'workflow code must stay deterministic: import activities with `import type` and proxyActivities',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // The query core is framework-free: dashboards, reports, experiments and segments call it.
    files: ['serving-layer/query/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'express'],
              message: 'the query core knows no web framework: throw its domain errors (query/errors.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    // Objects used as maps of user-chosen strings answer 'constructor' or '__proto__' with what
    // they inherit: build such maps as a Map (or Object.create(null)), read them with core/values/own.ts.
    files: [
      'core/**/*.ts',
      'ingest/**/*.ts',
      'speed-layer/**/*.ts',
      'batch-layer/**/*.ts',
      'workflows/**/*.ts',
      'serving-layer/**/*.ts',
      'web/**/*.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'VariableDeclarator[id.typeAnnotation.typeAnnotation.typeName.name="Record"] > ObjectExpression[properties.length=0]',
          message:
            'an empty Record filled by keys inherits Object.prototype: use a Map, or Object.create(null)',
        },
        {
          selector:
            'TSAsExpression[typeAnnotation.typeName.name="Record"] > ObjectExpression[properties.length=0]',
          message:
            'an empty Record filled by keys inherits Object.prototype: use a Map, or Object.create(null)',
        },
      ],
    },
  },
  ...layerRules,
);
