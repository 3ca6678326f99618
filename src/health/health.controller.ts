import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  private migrationsDone = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
  ) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Ready for traffic: the database answers and no migration is pending. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 1500 }),
      () => this.migrations(),
    ]);
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
