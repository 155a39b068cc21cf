/** `npm run test:windows`: only the Windows suite (the built CLI on Windows Node under Wine), which the default
 * run leaves out. One file, run alone: it shares one Wine prefix and one wine server. */
import path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  root: path.resolve(import.meta.dirname, '../..'),
  test: {
    ...base.test,
    include: ['test/windows/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    // Each run of node.exe under Wine takes about a second, several on a loaded machine.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    maxWorkers: 1,
  },
});
