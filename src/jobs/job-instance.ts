// Names this application instance in job_runs, so operators can tell which of many instances
// ran what. Unique per process and per Nest application (tests run several in one process).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';

@Injectable()
export class JobInstance {
  readonly id = `${hostname().slice(0, 40)}-${process.pid}-${randomBytes(2).toString('hex')}`;
}
