import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { ConfigurationAlarm } from '../onekyc/configuration-alarm.service.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  private migrationsDone = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly alarm: ConfigurationAlarm,
  ) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Ready for traffic: the database answers and no migration is pending (else 503). When the
   * provider refuses our configuration (903, 1550, onboarding partner) the answer stays 200 with
   * status `degraded` and a `provider` detail naming the refusals: this instance still takes
   * callbacks and serves reads, and restarting it would not help; an operator must fix ONEKYC_*.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 1500 }),
      () => this.migrations(),
      () => this.provider(),
    ]);
  }

  private provider() {
    const check = this.indicator.check('provider');
    const problems = this.alarm.problems();
    if (problems.length === 0) return check.up();
    return check.degraded({
      message: 'the provider refuses our configuration',
      configurationErrors: problems,
    });
  }

  private async migrations() {
    const check = this.indicator.check('migrations');
    if (!this.migrationsDone) {
      try {
        this.migrationsDone = !(await this.dataSource.showMigrations());
      } catch (err) {
        return check.down({ message: (err as Error).message });
      }
    }
    return this.migrationsDone ? check.up() : check.down({ message: 'pending migrations' });
  }
}
