// The database room's Nest wiring: the one statement helper (Sql) on TypeORM's connection pool,
// available to every module like the DataSource itself.
import { Global, Module } from '@nestjs/common';
import { Sql } from './sql.js';

@Global()
@Module({ providers: [Sql], exports: [Sql] })
export class DatabaseModule {}
