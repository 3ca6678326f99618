import { Module } from '@nestjs/common';
import { JobInstance } from './job-instance.js';
import { JobRuns, jobRunMetricProviders } from './job-runs.js';

/**
 * What scheduled jobs share: this instance's name and the run records. One module instance per
 * app, so every importer gets the same JobInstance. (The lease worker is a plain class.)
 */
@Module({
  providers: [...jobRunMetricProviders, JobInstance, JobRuns],
  exports: [JobInstance, JobRuns],
})
export class JobsModule {}
