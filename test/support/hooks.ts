import { takeContractProblems } from './api-contract.js';

/**
 * Root hooks for every test file (.mocharc.cjs requires this file): after each test, the API
 * responses it received must all have matched the API document.
 */
export const mochaHooks = {
  afterEach(this: { currentTest?: { state?: string } }) {
    const problems = takeContractProblems();
    if (problems.length > 0 && this.currentTest?.state !== 'failed')
      throw new Error(`API responses that do not match the API document:\n${[...new Set(problems)].join('\n')}`);
  },
};
