/**
 * Root hooks: every test file runs on the backend the lab would pick (printed once).
 */
import { initBackend } from '../lib/core/tf';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60000);
    const info = await initBackend();
    console.log(`  ${info.reason}`);
  },
};
