// One run for everything: unit specs beside the code (src/**/*.spec.ts), integration and e2e
// tests in test/. SWC compiles TypeScript with decorator metadata (Nest's documented recipe).
import { defineConfig } from 'vitest/config';
import { swcPlugin } from './vitest.swc.js';

export default defineConfig({
  plugins: [swcPlugin()],
  test: {
    globals: true,
    environment: 'node',
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts', 'test/**/*.intg-spec.ts'],
    exclude: ['node_modules', 'dist', 'test/reliability/**'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
