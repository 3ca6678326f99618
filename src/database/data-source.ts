// Data source for the TypeORM CLI (`npm run migration:*`). Reads the same validated
// configuration as the app: only DATABASE_URL matters here.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '../config/environment.js';
import { ENTITIES } from '../entities.js';
import { typeOrmOptions } from './typeorm-options.js';

const env = validateEnvironment(process.env);
if (!env.DATABASE_URL) {
  throw new Error('DATABASE_URL: required for migration commands (e.g. postgres://user@host:5432/db)');
}
export default new DataSource(await typeOrmOptions(env.DATABASE_URL, 2, ENTITIES));
