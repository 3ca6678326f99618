// The reliability and security suite (`npm run test:reliability`, after a build): real processes
// (the built service, the sandbox process, PostgreSQL servers the suite stops and starts), one file
// at a time, in file-name order (the last file scans everything the others left behind).
// `npm run soak` runs test/reliability/soak/*.soak-spec.ts with the same settings.
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import { swcPlugin } from './vitest.swc.js';

class ByFileName extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

const soak = process.env.RELIABILITY_SOAK === '1';

export default defineConfig({
  plugins: [swcPlugin()],
  test: {
    globals: true,
    environment: 'node',
    include: soak ? ['test/reliability/**/*.soak-spec.ts'] : ['test/reliability/**/*.rel-spec.ts'],
    globalSetup: ['test/reliability/support/global-setup.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    sequence: { sequencer: ByFileName },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
