// Data source for the TypeORM CLI (`npm run migration:*`). The environment goes through the
// same check as the service's (`checkConfig`, every problem at once); only DATABASE_URL is used.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { checkConfig } from '../config/app-config.js';
import { ENTITIES } from '../entities.js';
import { typeOrmOptions } from './typeorm-options.js';

const env = checkConfig(process.env);
if (!env.DATABASE_URL) {
  throw new Error('DATABASE_URL: required for migration commands (e.g. postgres://user@host:5432/db)');
}
export default new DataSource(await typeOrmOptions(env.DATABASE_URL, 2, ENTITIES));
