// `npm run pii:reencrypt`: rewrites every ciphertext under the first key of PII_ENCRYPTION_KEYS.
// Needs DATABASE_URL and the full key list (old keys to decrypt, the new one first).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildConfig, checkConfig } from '../../config/app-config.js';
import { loadDevPiiKey } from '../../start-up.js';
import { Sql } from '../../database/sql.js';
import { typeOrmOptions } from '../../database/typeorm-options.js';
import { PiiCipher } from './pii-cipher.js';
import { PiiReencryptionService } from './pii-reencryption.service.js';

// The same configuration path as the service: the environment is checked first, every problem at
// once; the development key (sandbox mode) is read, never created, here.
const env = checkConfig(process.env);
const config = buildConfig(process.env, {
  sandboxBaseUrl: 'http://unused.invalid',
  devPiiKey: env.PII_ENCRYPTION_KEYS ? undefined : loadDevPiiKey(env.DATA_DIR ?? '.data', { create: false }),
});
const ds = new DataSource(await typeOrmOptions(config.database.url, 2));
await ds.initialize();
try {
  const counts = await new PiiReencryptionService(new Sql(ds), new PiiCipher(config)).reencryptAll();
  process.stdout.write(`re-encrypted under key "${config.pii.keys[0].kid}": ${JSON.stringify(counts)}\n`);
} finally {
  await ds.destroy();
}
