// The plugin's unit tests (src/**/*.test.tsx) on create-plugin's jest config, in UTC.
process.env.TZ = 'UTC';
const base = require('./.config/jest.config');
const swc = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  // d3-color and friends ship .mjs that jest must transform too.
  transform: { '^.+\\.(t|j)sx?$': swc, '^.+\\.mjs$': swc },
  // The shared model is TypeScript with NodeNext `.js` specifiers.
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^@hyperpod-usage/model$': '<rootDir>/usage-model/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/collector/', '/usage-model/', '/dist/'],
};
