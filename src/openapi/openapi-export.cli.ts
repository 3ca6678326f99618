// `npm run openapi:export`: writes the OpenAPI document /docs-json serves to a file, without a
// database, a provider or a listening port (Nest's preview mode wires the modules but creates
// no provider, so nothing connects anywhere).
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module.js';
import { buildConfig } from '../config/app-config.js';
import { createOpenApiDocument } from './openapi.document.js';

/** A fixed sandbox-mode configuration: the document must not depend on who exports it. */
const OFFLINE_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: 'development',
  PII_ENCRYPTION_KEYS: `offline:${Buffer.alloc(32, 7).toString('base64')}`,
  RECONCILE_ENABLED: 'false',
  LOG_LEVEL: 'silent',
};

export async function exportOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = buildConfig(OFFLINE_ENV, {
    databaseUrl: 'postgres://offline@127.0.0.1:1/offline',
    sandboxBaseUrl: 'http://127.0.0.1:1',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter(),
    {
      preview: true,
      logger: false,
      abortOnError: false,
    },
  );
  try {
    return createOpenApiDocument(app) as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const json = JSON.stringify(await exportOpenApiDocument(), null, 2) + '\n';
  if (!out || out === '-') {
    process.stdout.write(json);
    return;
  }
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, json);
  process.stderr.write(`OpenAPI document written to ${out}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/dist\//, '/dist/'))) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(
        `openapi:export failed: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`,
      );
      process.exit(1);
    },
  );
}
