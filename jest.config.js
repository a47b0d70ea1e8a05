/** Root test suites (everything outside app/, which keeps its own). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // ESM-only packages (@octokit/rest 22 and its dependencies) become CommonJS: jest on Node 20 cannot require ESM.
    '/node_modules/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(@octokit|universal-user-agent|before-after-hook|content-type|json-with-bigint)/)',
  ],
  setupFiles: ['<rootDir>/test/support/polyfills.ts'],
  // Applies to async tests and hooks only: jest cannot interrupt synchronous work (synth, spawnSync of
  // cfn-lint or helm). The slowest async hook outside test/terraform (moto_server start plus a handler
  // import) took 6.2 s and the slowest async test 3.9 s with the load average at 6-12 on 2 cores.
  testTimeout: 60_000,
  // Suites start moto_server and run cdk synth; two workers match the CI machine's two cores.
  maxWorkers: 2,
};
