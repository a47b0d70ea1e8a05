/** The sample service's own suites: they start a real PostgreSQL (see test/support/postgres.ts). */
module.exports = {
  testEnvironment: 'node',
  // src is a root too, so files no test loads still count (as uncovered) in the report.
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // cookie@2 (used by fastify.inject) is ESM-only; jest on Node < 24.9 cannot require() it untransformed.
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 2,
  collectCoverageFrom: ['src/**/*.ts'],
  coverageDirectory: 'coverage',
  // cobertura is what the pipeline's coverage gate reads; lcov for editors; text-summary for the log.
  coverageReporters: ['cobertura', 'lcov', 'text-summary'],
  coverageThreshold: { global: { lines: 80 } },
};
