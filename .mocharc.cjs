// The suite runs its files in parallel, one worker per core (at least two): each test builds its
// own database, so no file depends on another. The browser journeys have their own configuration.
const { availableParallelism } = require('node:os');

module.exports = {
  'node-option': ['import=tsx'],
  spec: ['test/**/*.test.ts'],
  // After each test: the API responses it received matched the API document.
  require: ['test/support/hooks.ts'],
  ignore: ['test/browser/**'],
  recursive: true,
  timeout: 20000,
  exit: true,
  parallel: true,
  jobs: Math.max(2, availableParallelism()),
};
