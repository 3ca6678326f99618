// The real thing in one process: the provider sandbox (a real HTTP server) and the application
// on a fresh database, wired both ways (the app calls the sandbox; the sandbox calls back).
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server.js';
import { SandboxControlClient } from '../../src/sandbox/sandbox-control.client.js';
import type { SandboxFaultsPatch } from '../../src/sandbox/sandbox.config.js';
import { startTestApp, TEST_CALLBACK_SECRET, testEnv, TestApp } from './app.js';
import { TestDatabase } from './database.js';

export interface TestStack extends TestApp {
  sandbox: RunningSandbox;
  control: SandboxControlClient;
}

export async function startStack(
  env: Record<string, string | undefined> = {},
  opts: { db?: TestDatabase; faults?: SandboxFaultsPatch; seed?: number } = {},
): Promise<TestStack> {
  // The sandbox always knows the partner by the default test credentials, so a test can give the
  // app other ones (e.g. a wrong onboarding partner) and see the provider refuse them.
  const e = testEnv({
    CALLBACK_AUTH_HEADER: env.CALLBACK_AUTH_HEADER,
    CALLBACK_AUTH_VALUES: env.CALLBACK_AUTH_VALUES,
  });
  const sandbox = await startSandbox({
    port: 0,
    host: '127.0.0.1',
    clientId: e.ONEKYC_CLIENT_ID!,
    passKey: e.ONEKYC_PASS_KEY!,
    onboardingPartner: e.ONEKYC_ONBOARDING_PARTNER!,
    callbackMethod: 'POST',
    callbackAuthHeader: e.CALLBACK_AUTH_HEADER ?? 'authorization',
    callbackAuthValue: (e.CALLBACK_AUTH_VALUES ?? TEST_CALLBACK_SECRET).split(',')[0],
    faults: opts.faults,
    seed: opts.seed ?? 1234,
  });
  let app: TestApp;
  try {
    app = await startTestApp({ ...env, ONEKYC_API_BASE_URL: sandbox.url }, { db: opts.db });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const control = new SandboxControlClient(sandbox.url);
  await control.updateSettings({ callbackUrl: `${app.baseUrl}/v1/callbacks/onekyc` });
  return {
    ...app,
    sandbox,
    control,
    close: async () => {
      await sandbox.close();
      await app.close();
    },
  };
}
