// Browser tests (headless Chromium through Swagger UI): their own run, `npm run test:browser`,
// because they need Debian's chromium, which `.ci/run` installs. Same transform and database setup
// as the main suite.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.browser.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
