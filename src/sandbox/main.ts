// `npm run sandbox`: the provider sandbox alone, as its own process (SANDBOX_* variables: README.md).
import {
  SANDBOX_CALLBACK_SECRET,
  SANDBOX_CLIENT_ID,
  SANDBOX_ONBOARDING_PARTNER,
  SANDBOX_ONBOARDING_PARTNER_WEB_SDK,
  SANDBOX_PASS_KEY,
} from '../config/app-config.js';
import { callbackMethodOf, SandboxConfigError } from './sandbox.config.js';
import { startSandbox } from './sandbox.server.js';

async function main(): Promise<void> {
  const env = process.env;
  const rawPort = env.SANDBOX_PORT ?? '4010';
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) {
    throw new SandboxConfigError(`SANDBOX_PORT must be a port number (got "${rawPort}")`);
  }
  const clientId = env.SANDBOX_CLIENT_ID ?? SANDBOX_CLIENT_ID;
  const passKey = env.SANDBOX_PASS_KEY ?? SANDBOX_PASS_KEY;
  // One value per platform, like the provider; SANDBOX_ONBOARDING_PARTNER alone sets both.
  const onboardingPartners = {
    SDK: env.SANDBOX_ONBOARDING_PARTNER_SDK || env.SANDBOX_ONBOARDING_PARTNER || SANDBOX_ONBOARDING_PARTNER,
    WEB_SDK:
      env.SANDBOX_ONBOARDING_PARTNER_WEB_SDK ||
      env.SANDBOX_ONBOARDING_PARTNER ||
      SANDBOX_ONBOARDING_PARTNER_WEB_SDK,
  };
  const callbackUrl = env.SANDBOX_CALLBACK_URL || 'http://127.0.0.1:3000/v1/callbacks/onekyc';
  const callbackAuthHeader = env.SANDBOX_CALLBACK_AUTH_HEADER ?? 'authorization';
  const callbackAuthValue = env.SANDBOX_CALLBACK_AUTH_VALUE ?? SANDBOX_CALLBACK_SECRET;
  const sandbox = await startSandbox({
    port: Number(rawPort),
    host: env.SANDBOX_HOST ?? '127.0.0.1',
    clientId,
    passKey,
    onboardingPartner: onboardingPartners.SDK,
    onboardingPartners,
    callbackUrl,
    callbackMethod: callbackMethodOf(env.SANDBOX_CALLBACK_METHOD, 'SANDBOX_CALLBACK_METHOD') ?? 'POST',
    callbackAuthHeader,
    callbackAuthValue,
    env,
  });
  // Sandbox credentials are development values, printed on purpose so a newcomer can use them.
  process.stdout.write(
    [
      `OneKYC sandbox listening on ${sandbox.url}`,
      `  provider API:  ${sandbox.url}  (token host and API host are the same)`,
      `  control API:   ${sandbox.url}/sandbox`,
      `  accepts client-id:  ${clientId}`,
      `          pass-key:   ${passKey}`,
      `          onboarding partner: ${onboardingPartners.SDK} (SDK), ${onboardingPartners.WEB_SDK} (WEB_SDK)`,
      `  callbacks go to: ${callbackUrl} (${callbackAuthHeader} header set)`,
      '  point the service at it (outside sandbox mode it also needs its own keys):',
      `    ONEKYC_API_BASE_URL=${sandbox.url} ONEKYC_CLIENT_ID=${clientId} ONEKYC_PASS_KEY=${passKey} \\`,
      `    ONEKYC_ONBOARDING_PARTNER_SDK=${onboardingPartners.SDK} \\`,
      `    ONEKYC_ONBOARDING_PARTNER_WEB_SDK=${onboardingPartners.WEB_SDK} CALLBACK_AUTH_VALUES='${callbackAuthValue}' \\`,
      `    API_KEYS=dev-api-key ADMIN_API_KEYS=dev-admin-key npm start`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    sandbox.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(
    err instanceof SandboxConfigError
      ? `Invalid sandbox configuration: ${err.message}\n`
      : `Sandbox failed to start: ${String(err?.stack ?? err)}\n`,
  );
  process.exit(1);
});
