/**
 * The unit tier (`npm run test:unit`): test/unit only, plain functions and in-memory fakes, no
 * DynamoDB Local (no global setup, so no Java). `npm run test:jest` runs these too, with the rest.
 */
import base from './jest.config.js';

const { globalSetup: _setup, globalTeardown: _teardown, ...rest } = base;

export default {
  ...rest,
  testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
  testTimeout: 10000,
};
