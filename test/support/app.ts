// Boots the real application (createApp: same filters, pipes and limits as production) on a
// fresh database, listening on a random loopback port. Tests speak HTTP to `baseUrl`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, buildConfig } from '../../src/config/app-config.js';
import { createApp } from '../../src/app.factory.js';
import { createTestDatabase, TestDatabase } from './database.js';

export const TEST_API_KEY = 'test-partner-key';
export const TEST_ADMIN_KEY = 'test-admin-key';
export const TEST_CALLBACK_SECRET = 'Bearer test-callback-secret';
export const TEST_PII_KEYS = 'k1:' + Buffer.alloc(32, 7).toString('base64');

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  config: AppConfig;
  db: TestDatabase;
  close(): Promise<void>;
}

/** Environment for a test app: a real provider URL (the test's sandbox) and known keys. */
export function testEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    ONEKYC_API_BASE_URL: 'http://127.0.0.1:9',
    ONEKYC_CLIENT_ID: '11111111-1111-4111-8111-111111111111',
    ONEKYC_PASS_KEY: '22222222-2222-4222-8222-222222222222',
    ONEKYC_ONBOARDING_PARTNER: 'TEST_PARTNER-SDK-STANDALONE_IDENTITY_VERIFICATION',
    API_KEYS: TEST_API_KEY,
    ADMIN_API_KEYS: TEST_ADMIN_KEY,
    CALLBACK_AUTH_VALUES: TEST_CALLBACK_SECRET,
    PII_ENCRYPTION_KEYS: TEST_PII_KEYS,
    RECONCILE_ENABLED: 'false',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
}

export async function startTestApp(
  env: Record<string, string | undefined> = {},
  opts: { db?: TestDatabase } = {},
): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  // Archived images go to a folder of this app's own (removed at close), never into the checkout.
  const evidenceDir = env.EVIDENCE_DIR ? null : mkdtempSync(join(tmpdir(), 'onekyc-test-evidence-'));
  const config = buildConfig(testEnv({ ...(evidenceDir ? { EVIDENCE_DIR: evidenceDir } : {}), ...env }), {
    databaseUrl: db.url,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    config,
    db,
    close: async () => {
      await app.close();
      if (evidenceDir) rmSync(evidenceDir, { recursive: true, force: true });
      if (!opts.db) await db.drop();
    },
  };
}
