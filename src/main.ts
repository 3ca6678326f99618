// Entry point. `npm start` on a fresh machine: embedded PostgreSQL when DATABASE_URL is unset,
// the built-in provider sandbox when ONEKYC_API_BASE_URL is unset, pending migrations applied,
// then a banner. SIGTERM/SIGINT: stop taking requests, finish in-flight ones, stop jobs, close
// the pool, stop the sandbox and the embedded database, within 10 s.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createApp } from './app.factory.js';
import { AppConfig, buildConfig, checkConfig } from './config/app-config.js';
import { ConfigValidationError } from './config/environment.js';
import { startRuntime } from './start-up.js';
import { runMigrationsLocked } from './database/migrate.js';

const SHUTDOWN_GRACE_MS = 10_000;

/** What was started before the app (sandbox, embedded database), stopped last and in reverse. */
const cleanups: (() => Promise<void>)[] = [];

async function runCleanups(): Promise<void> {
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
}

async function bootstrap(): Promise<void> {
  const started = Date.now();
  // Signals are handled from the first moment, so a stop during start-up still stops what started.
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const began = Date.now();
    const force = setTimeout(() => {
      process.stderr.write(`Stop on ${signal} took over ${SHUTDOWN_GRACE_MS / 1000} s: exiting anyway.\n`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    let code = 0;
    try {
      await runCleanups(); // app.close() first: in-flight requests finish, cron jobs stop, the pool closes
    } catch (err) {
      code = 1;
      console.error(JSON.stringify({ level: 'error', msg: 'shutdown failed', signal, err: String(err) }));
    } finally {
      clearTimeout(force);
      // The one shutdown line (an operator sees the stop was clean and how long it took).
      process.stdout.write(`Stopped on ${signal} in ${Date.now() - began} ms.\n`);
      process.exit(code);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // Validate everything before starting anything (a bad PORT must not leave a database running).
  const env = checkConfig(process.env);
  const { runtime, embeddedDatabase } = await startRuntime(env, cleanups);
  const config = buildConfig(process.env, { ...runtime, tty: process.stdout.isTTY === true });
  const app = await createApp(config);
  // Closed first on any exit: stops the server, jobs and the pool before the database goes away.
  cleanups.unshift(() => app.close());
  const ran = await runMigrationsLocked(app.get(DataSource));
  await app.listen(config.port, config.host);

  printBanner(config, {
    ms: Date.now() - started,
    migrations: ran.length,
    embedded: embeddedDatabase,
    sandboxUrl: runtime.sandboxBaseUrl,
  });
}

function printBanner(
  config: AppConfig,
  info: { ms: number; migrations: number; embedded: boolean; sandboxUrl?: string },
): void {
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  const lines = [
    `OneKYC orchestrator listening on ${base} (ready in ${info.ms} ms, ${info.migrations} migration(s) applied)`,
    `  database: ${info.embedded ? `embedded PostgreSQL under ${config.dataDir}/pg` : 'DATABASE_URL'}`,
    config.docsEnabled ? `  API docs: ${base}/docs (OpenAPI: ${base}/docs-json)` : '  API docs: disabled',
    config.console.enabled
      ? `  console:  ${base}/console (sign in with an admin key)`
      : '  console:  disabled',
    `  health:   ${base}/health/ready   metrics: ${base}/metrics`,
  ];
  if (config.sandboxMode) {
    lines.push(
      '',
      '  SANDBOX MODE: the provider is the built-in OneKYC sandbox at ' + info.sandboxUrl,
      '  Development keys (set API_KEYS, ADMIN_API_KEYS, CALLBACK_AUTH_VALUES to replace them):',
      `    partner API key:     ${config.apiKeys[0]}`,
      `    admin API key:       ${config.adminApiKeys[0]}`,
      `    callback credential: ${config.callback.authHeader}: ${config.callback.authValues[0]}`,
      '  WARNING: sandbox mode is for development only; never use it in production.',
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

bootstrap().catch(async (err) => {
  if (err instanceof ConfigValidationError) {
    process.stderr.write(err.message + '\n');
  } else {
    process.stderr.write(
      `Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  await runCleanups(); // never leave an embedded database or a sandbox behind
  process.exit(1);
});
