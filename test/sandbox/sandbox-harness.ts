// Starts a sandbox that accepts the credentials of test/support/app.ts (testEnv), on a free
// loopback port, with a typed control client.
import { SandboxControlClient } from '../../src/sandbox/sandbox-control.client.js';
import { RunningSandbox, SandboxOptions, startSandbox } from '../../src/sandbox/sandbox.server.js';
import { testEnv } from '../support/app.js';

const env = testEnv();
export const TEST_CLIENT_ID = env.ONEKYC_CLIENT_ID!;
export const TEST_PASS_KEY = env.ONEKYC_PASS_KEY!;
export const TEST_ONBOARDING_PARTNER = env.ONEKYC_ONBOARDING_PARTNER!;

export interface TestSandbox {
  sandbox: RunningSandbox;
  url: string;
  control: SandboxControlClient;
  close(): Promise<void>;
}

export async function startTestSandbox(options: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({
    port: 0,
    host: '127.0.0.1',
    clientId: TEST_CLIENT_ID,
    passKey: TEST_PASS_KEY,
    onboardingPartner: TEST_ONBOARDING_PARTNER,
    ...options,
  });
  return {
    sandbox,
    url: sandbox.url,
    control: new SandboxControlClient(sandbox.url),
    close: () => sandbox.close(),
  };
}

/** A ready-to-send Initiate Flow request for the sandbox (override any part). */
export function initiateRequest(
  over: { headers?: Record<string, string | undefined>; body?: unknown; token?: string } = {},
): RequestInit {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const base: Record<string, string | undefined> = {
    'x-onekyc-token': over.token,
    'x-esign-onboarding-partner': TEST_ONBOARDING_PARTNER,
    'x-partner-user-id': 'user-1',
    'x-partner-user-id-type': 'USER_ID',
    'x-partner-session-id': crypto.randomUUID(),
    ...over.headers,
  };
  for (const [k, v] of Object.entries(base)) if (v !== undefined) headers[k] = v;
  return {
    method: 'POST',
    headers,
    body: JSON.stringify(
      over.body ?? {
        flow: 'STANDALONE_IDENTITY_VERIFICATION',
        source: 'SDK',
        additionalDetails: {
          phoneNumber: '628123456789',
          dataVerification: { phoneNumber: { isVerified: true, verificationReferenceId: 'otp-ref-1' } },
        },
        userLocale: 'id_ID',
      },
    ),
  };
}

/** A partner token minted by the sandbox with the test credentials. */
export async function partnerToken(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/esign/partner/authentication`, {
    headers: { 'client-id': TEST_CLIENT_ID, 'pass-key': TEST_PASS_KEY },
  });
  const body = (await res.json()) as { data: { token: string } };
  return body.data.token;
}
