/** Root test suites (everything outside app/, which keeps its own). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/support/polyfills.ts'],
  testTimeout: 60_000,
  // Suites start moto_server and run cdk synth; two workers match the CI machine's two cores.
  maxWorkers: 2,
};
