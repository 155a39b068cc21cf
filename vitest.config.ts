import { readFileSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: { __VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.test.ts'],
    // The Windows suite (Wine, ~1-2 min) runs apart: npm run test:windows (test/windows/vitest.config.ts).
    exclude: [...configDefaults.exclude, 'test/windows/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real tool CLIs and built-CLI runs are heavy; two cores on CI.
    maxWorkers: 2,
  },
});
