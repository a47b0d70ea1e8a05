/**
 * Import rules between the layers (docs/architecture.md). Checked by `npm run lint` and by
 * test/architecture/dependency-rules.test.ts, which also proves that each rule fires.
 *
 * Layers:
 * - runtime: `lambdas/` (bundled into the Lambda functions);
 * - contracts: `lib/contracts/` (zod schemas and types that runtime and infrastructure share);
 * - infrastructure: the CDK app, stack, stages, constructs and their settings;
 * - drivers: `bin/deployctl.ts`, `lib/cli/` and the local runners, which run handler logic
 *   outside Lambda and so may import runtime code, as its other callers.
 *
 * Paths in rules are relative to the repository root (depcruise runs from there).
 * @type {import('dependency-cruiser').IConfiguration}
 */
const INFRASTRUCTURE = [
  '^bin/app\\.ts$',
  '^bin/synth-summary\\.ts$',
  '^lib/pipeline-stack\\.ts$',
  '^lib/stages/',
  '^lib/constructs/',
  '^lib/config/',
  '^lib/nag/',
  '^lib/run-settings\\.ts$',
  '^lib/tool-versions\\.ts$',
];

module.exports = {
  forbidden: [
    {
      name: 'lambdas-import-only-contracts',
      comment:
        'Runtime code (lambdas/) may import nothing from lib/ but lib/contracts/: anything else ' +
        '(CDK, the file-reading config loader) would end up in the Lambda bundles. Move what both ' +
        'sides need into lib/contracts/.',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { path: '^lib/', pathNot: '^lib/contracts/' },
    },
    {
      name: 'infrastructure-imports-no-runtime',
      comment:
        'Infrastructure code (bin/app.ts, the stack, stages, constructs, config, nag) may not import ' +
        'anything under lambdas/: it refers to a handler only by the entry path it bundles. A value ' +
        'both sides need (a default, a limit, an error name) belongs in lib/contracts/.',
      severity: 'error',
      from: { path: INFRASTRUCTURE },
      to: { path: '^lambdas/' },
    },
    {
      name: 'contracts-are-pure',
      comment:
        'lib/contracts/ holds the schemas, types and pure functions every layer shares: it may import ' +
        'zod, node:buffer (bytes, no I/O) and other lib/contracts files, and nothing else (no ' +
        'aws-cdk-lib, no node:fs or other I/O built-ins, no lambdas/).',
      severity: 'error',
      from: { path: '^lib/contracts/' },
      // `(^|/)`: zod resolves to node_modules/zod/ wherever node_modules is (tests cruise temp trees).
      to: { pathNot: ['^lib/contracts/', '(^|/)node_modules/zod/', '^buffer$'] },
    },
    {
      name: 'no-circular',
      comment:
        'Modules may not depend on each other in a cycle: a cycle makes load order matter and ' +
        'keeps the pieces from being understood or tested on their own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'Every import must resolve to a file or an installed package (a missing dependency, or a ' +
        'typo in a relative path).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count too: `import type` from lib/config is still a dependency on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
