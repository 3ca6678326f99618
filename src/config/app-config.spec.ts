import { buildConfig, SANDBOX_ADMIN_KEY, SANDBOX_API_KEY } from './app-config.js';
import { ConfigValidationError } from './environment.js';

const runtime = { databaseUrl: 'postgres://u@h/db', sandboxBaseUrl: 'http://127.0.0.1:4010' };
const real = {
  ONEKYC_API_BASE_URL: 'https://provider.example',
  ONEKYC_CLIENT_ID: 'c',
  ONEKYC_PASS_KEY: 'p',
  ONEKYC_ONBOARDING_PARTNER: 'X',
  API_KEYS: 'a1,a2',
  ADMIN_API_KEYS: 'ad',
  CALLBACK_AUTH_VALUES: 'Bearer x',
  PII_ENCRYPTION_KEYS: 'k:' + Buffer.alloc(32, 1).toString('base64'),
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems.map((p) => p.variable);
    throw err;
  }
  return [];
}

describe('buildConfig', () => {
  it('defaults to sandbox mode with development keys', () => {
    const c = buildConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/onekyc-config-spec' }, runtime);
    expect(c.sandboxMode).toBe(true);
    expect(c.apiKeys).toEqual([SANDBOX_API_KEY]);
    expect(c.adminApiKeys).toEqual([SANDBOX_ADMIN_KEY]);
    expect(c.onekyc.apiBaseUrl).toBe('http://127.0.0.1:4010');
    expect(c.onekyc.tokenBaseUrl).toBe('http://127.0.0.1:4010');
    expect(c.port).toBe(3000);
    expect(c.reconcile).toMatchObject({ enabled: true, afterSeconds: 600, expireAfterHours: 168 });
  });

  it('reads every contract variable with a real provider', () => {
    const c = buildConfig(
      {
        ...real,
        PORT: '8080',
        ONEKYC_TOKEN_BASE_URL: 'https://token.example/',
        ONEKYC_SOURCE: 'WEB_SDK',
        TRUST_PROXY: 'true',
        CALLBACK_ALLOWED_IPS: '10.0.0.0/8, ::1',
      },
      { databaseUrl: 'postgres://u@h/db' },
    );
    expect(c.sandboxMode).toBe(false);
    expect(c.port).toBe(8080);
    expect(c.onekyc.tokenBaseUrl).toBe('https://token.example');
    expect(c.onekyc.source).toBe('WEB_SDK');
    expect(c.apiKeys).toEqual(['a1', 'a2']);
    expect(c.callback).toMatchObject({
      trustProxy: true,
      allowedIps: ['10.0.0.0/8', '::1'],
      authHeader: 'authorization',
    });
  });

  it('names the variable that is wrong', () => {
    expect(problemsOf(() => buildConfig({ PORT: 'not-a-port' }, runtime))).toEqual(['PORT']);
    expect(problemsOf(() => buildConfig({ ONEKYC_SOURCE: 'APP' }, runtime))).toEqual(['ONEKYC_SOURCE']);
    expect(problemsOf(() => buildConfig({ RECONCILE_ENABLED: 'maybe' }, runtime))).toEqual([
      'RECONCILE_ENABLED',
    ]);
    expect(problemsOf(() => buildConfig({ RECONCILE_CRON: 'every minute' }, runtime))).toEqual([
      'RECONCILE_CRON',
    ]);
    expect(problemsOf(() => buildConfig({ CALLBACK_ALLOWED_IPS: '10.0.0.0/99' }, runtime))).toEqual([
      'CALLBACK_ALLOWED_IPS',
    ]);
    expect(problemsOf(() => buildConfig({ PII_ENCRYPTION_KEYS: 'k:short' }, runtime))).toEqual([
      'PII_ENCRYPTION_KEYS',
    ]);
  });

  it('requires credentials with a real provider and refuses sandbox mode in production', () => {
    expect(
      problemsOf(() => buildConfig({ ONEKYC_API_BASE_URL: 'https://p.example' }, runtime)).sort(),
    ).toEqual(
      [
        'ADMIN_API_KEYS',
        'API_KEYS',
        'CALLBACK_AUTH_VALUES',
        'ONEKYC_CLIENT_ID',
        'ONEKYC_ONBOARDING_PARTNER',
        'ONEKYC_PASS_KEY',
      ].sort(),
    );
    expect(problemsOf(() => buildConfig({ NODE_ENV: 'production' }, runtime))).toEqual(
      expect.arrayContaining(['ONEKYC_API_BASE_URL', 'PII_ENCRYPTION_KEYS']),
    );
    expect(
      problemsOf(() =>
        buildConfig({ ...real, NODE_ENV: 'production', PII_ENCRYPTION_KEYS: undefined }, runtime),
      ),
    ).toEqual(['PII_ENCRYPTION_KEYS']);
  });

  it('never echoes secret values in its messages', () => {
    try {
      buildConfig({ PII_ENCRYPTION_KEYS: 'k:c2VjcmV0LXZhbHVl' }, runtime);
    } catch (err) {
      expect((err as Error).message).not.toContain('c2VjcmV0LXZhbHVl');
    }
    expect.assertions(1);
  });
  it('reads the webhook variables with their defaults (private networks allowed in sandbox mode only)', () => {
    const sandbox = buildConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/onekyc-config-spec' }, runtime);
    expect(sandbox.webhooks).toMatchObject({
      initialEndpoint: null,
      timeoutMs: 10000,
      allowPrivateNetworks: true,
    });
    const prod = buildConfig(real, runtime);
    expect(prod.webhooks.allowPrivateNetworks).toBe(false);
    const secret = 'whsec_' + Buffer.alloc(24, 3).toString('base64');
    const set = buildConfig(
      {
        ...real,
        WEBHOOK_URL: 'https://partner.example/hooks',
        WEBHOOK_SECRET: secret,
        WEBHOOK_TIMEOUT_MS: '2500',
      },
      runtime,
    );
    expect(set.webhooks).toMatchObject({
      initialEndpoint: { url: 'https://partner.example/hooks', secret },
      timeoutMs: 2500,
    });
  });

  it('refuses a webhook secret that is not whsec_ + base64 of 24 bytes, and a URL without a secret', () => {
    const url = 'https://partner.example/hooks';
    expect(
      problemsOf(() => buildConfig({ ...real, WEBHOOK_URL: url, WEBHOOK_SECRET: 'whsec_short' }, runtime)),
    ).toEqual(['WEBHOOK_SECRET']);
    expect(problemsOf(() => buildConfig({ ...real, WEBHOOK_URL: url }, runtime))).toEqual(['WEBHOOK_SECRET']);
    expect(problemsOf(() => buildConfig({ ...real, WEBHOOK_TIMEOUT_MS: 'soon' }, runtime))).toEqual([
      'WEBHOOK_TIMEOUT_MS',
    ]);
    expect(
      problemsOf(() => buildConfig({ ...real, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'maybe' }, runtime)),
    ).toEqual(['WEBHOOK_ALLOW_PRIVATE_NETWORKS']);
  });
});
