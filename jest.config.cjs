/** Unit, contract and end-to-end suites share one runner; @swc/jest only strips types (tsc checks them). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  transformIgnorePatterns: ['/node_modules/(?!aws-local-stepfunctions|@middy/|ml-distance)'],
  // middy ships ES modules only ("import" condition); tests run CommonJS, so it is compiled too.
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  // A guard against hangs, not a timing assertion: end-to-end runs take seconds alone but
  // much longer on a loaded 2-core machine.
  testTimeout: 240_000,
  // Two test files at a time even on two cores (jest's default is cores − 1): many end-to-end
  // files spend much of their time waiting (a person's approval in real time, a browser, the
  // HTTP round trips of a run), and the other file uses the core meanwhile.
  maxWorkers: 2,
};
