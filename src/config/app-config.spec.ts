import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, checkConfig, SANDBOX_ADMIN_KEY, SANDBOX_API_KEY } from './app-config.js';
import { ConfigValidationError } from './environment.js';

const runtime = {
  databaseUrl: 'postgres://u@h/db',
  sandboxBaseUrl: 'http://127.0.0.1:4010',
  devPiiKey: { kid: 'dev1', key: Buffer.alloc(32, 9) },
};
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
  it('evidence: fs under DATA_DIR by default; s3 needs a bucket and a region, each named when missing', () => {
    const fs = buildConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/onekyc-config-spec' }, runtime);
    expect(fs.evidence).toMatchObject({ store: 'fs', dir: '/tmp/onekyc-config-spec/evidence', s3: null });
    expect(buildConfig({ NODE_ENV: 'test', EVIDENCE_DIR: '/var/ev' }, runtime).evidence.dir).toBe('/var/ev');
    expect(problemsOf(() => buildConfig({ NODE_ENV: 'test', EVIDENCE_STORE: 's3' }, runtime))).toEqual([
      'EVIDENCE_S3_BUCKET',
      'EVIDENCE_S3_REGION',
    ]);
    expect(problemsOf(() => buildConfig({ NODE_ENV: 'test', EVIDENCE_STORE: 'gcs' }, runtime))).toEqual([
      'EVIDENCE_STORE',
    ]);
    expect(
      problemsOf(() =>
        buildConfig(
          {
            NODE_ENV: 'test',
            EVIDENCE_STORE: 's3',
            EVIDENCE_S3_BUCKET: 'Bad_Bucket',
            EVIDENCE_S3_REGION: 'x',
          },
          runtime,
        ),
      ),
    ).toEqual(['EVIDENCE_S3_BUCKET', 'EVIDENCE_S3_REGION']);
    const s3 = buildConfig(
      {
        NODE_ENV: 'test',
        EVIDENCE_STORE: 's3',
        EVIDENCE_S3_BUCKET: 'kyc-evidence',
        EVIDENCE_S3_REGION: 'ap-southeast-3',
        EVIDENCE_S3_ENDPOINT: 'http://127.0.0.1:9000/',
        EVIDENCE_S3_FORCE_PATH_STYLE: 'true',
      },
      runtime,
    );
    expect(s3.evidence.s3).toEqual({
      bucket: 'kyc-evidence',
      region: 'ap-southeast-3',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
  });

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
        TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
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
      trustProxy: ['10.0.0.0/8', '192.168.1.1'],
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

  it('takes the onboarding-partner value per source, falling back to ONEKYC_ONBOARDING_PARTNER', () => {
    expect(buildConfig({ ...real }, runtime).onekyc.onboardingPartners).toEqual({ SDK: 'X', WEB_SDK: 'X' });
    const web = buildConfig({ ...real, ONEKYC_ONBOARDING_PARTNER_WEB_SDK: 'X-WEB' }, runtime);
    expect(web.onekyc.onboardingPartners).toEqual({ SDK: 'X', WEB_SDK: 'X-WEB' });
    const both = { ONEKYC_ONBOARDING_PARTNER_SDK: 'P-SDK', ONEKYC_ONBOARDING_PARTNER_WEB_SDK: 'P-WEB' };
    const perSource = buildConfig({ ...real, ONEKYC_ONBOARDING_PARTNER: undefined, ...both }, runtime);
    expect(perSource.onekyc.onboardingPartners).toEqual({ SDK: 'P-SDK', WEB_SDK: 'P-WEB' });
    expect(
      problemsOf(() =>
        buildConfig(
          { ...real, ONEKYC_ONBOARDING_PARTNER: undefined, ONEKYC_ONBOARDING_PARTNER_SDK: 'P-SDK' },
          runtime,
        ),
      ),
    ).toEqual(['ONEKYC_ONBOARDING_PARTNER']);
    const sandbox = buildConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/onekyc-config-spec' }, runtime);
    expect(sandbox.onekyc.onboardingPartners.SDK).toContain('-SDK-');
    expect(sandbox.onekyc.onboardingPartners.WEB_SDK).toContain('-WEB_SDK-');
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
    ).toContain('PII_ENCRYPTION_KEYS');
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

  describe('end-user tokens and identity keys', () => {
    const jwt = { USER_JWT_ISSUER: 'https://login.example', USER_JWT_AUDIENCE: 'kyc' };
    const secret = 's'.repeat(32);

    it('should leave end-user tokens off by default, with no identity keys', () => {
      const c = buildConfig(real, runtime);
      expect(c.userJwt).toBeNull();
      expect(c.identityApiKeys).toEqual([]);
    });

    it('should read a JWKS set-up with its defaults (sub, USER_ID, 30 s skew)', () => {
      const c = buildConfig({ ...real, ...jwt, USER_JWT_JWKS_URL: 'https://login.example/jwks' }, runtime);
      expect(c.userJwt).toMatchObject({
        jwksUrl: 'https://login.example/jwks',
        secret: null,
        issuer: 'https://login.example',
        audience: 'kyc',
        userIdClaim: 'sub',
        userIdType: 'USER_ID',
        clockSkewSeconds: 30,
      });
    });

    it('should read an HS256 secret and the optional claim, type and skew', () => {
      const c = buildConfig(
        {
          ...real,
          ...jwt,
          USER_JWT_SECRET: secret,
          USER_JWT_USER_ID_CLAIM: 'uid',
          USER_JWT_USER_ID_TYPE: 'PARTNER_UID',
          USER_JWT_CLOCK_SKEW_SECONDS: '5',
          IDENTITY_API_KEYS: 'i1, i2',
        },
        runtime,
      );
      expect(c.userJwt).toMatchObject({ userIdClaim: 'uid', userIdType: 'PARTNER_UID', clockSkewSeconds: 5 });
      expect(c.userJwt!.secret!.toString()).toBe(secret);
      expect(c.identityApiKeys).toEqual(['i1', 'i2']);
    });

    it.each<[string, Record<string, string>, string[]]>([
      ['a short secret', { ...jwt, USER_JWT_SECRET: 'short' }, ['USER_JWT_SECRET']],
      [
        'both a URL and a secret',
        { ...jwt, USER_JWT_SECRET: secret, USER_JWT_JWKS_URL: 'https://x.example/j' },
        ['USER_JWT_SECRET'],
      ],
      ['no issuer or audience', { USER_JWT_SECRET: secret }, ['USER_JWT_AUDIENCE', 'USER_JWT_ISSUER']],
      ['an issuer without a key source', { USER_JWT_ISSUER: 'x' }, ['USER_JWT_ISSUER']],
      ['a JWKS URL that is not a URL', { ...jwt, USER_JWT_JWKS_URL: 'jwks.json' }, ['USER_JWT_JWKS_URL']],
      [
        'a skew over 300 s',
        { ...jwt, USER_JWT_SECRET: secret, USER_JWT_CLOCK_SKEW_SECONDS: '3600' },
        ['USER_JWT_CLOCK_SKEW_SECONDS'],
      ],
      [
        'a user id type with spaces at the edge',
        { ...jwt, USER_JWT_SECRET: secret, USER_JWT_USER_ID_TYPE: ' X' },
        ['USER_JWT_USER_ID_TYPE'],
      ],
      ['an identity key that is an admin key', { IDENTITY_API_KEYS: 'ad' }, ['IDENTITY_API_KEYS']],
    ])('should refuse %s, naming the variable', (_name, env, variables) => {
      expect(problemsOf(() => buildConfig({ ...real, ...env }, runtime)).sort()).toEqual(variables);
    });

    it('should refuse a plain-http JWKS URL in production, except on loopback', () => {
      const prod = { ...real, ...jwt, NODE_ENV: 'production' };
      expect(
        problemsOf(() => buildConfig({ ...prod, USER_JWT_JWKS_URL: 'http://idp.example/jwks' }, runtime)),
      ).toContain('USER_JWT_JWKS_URL');
      expect(
        problemsOf(() => buildConfig({ ...prod, USER_JWT_JWKS_URL: 'http://127.0.0.1:9999/jwks' }, runtime)),
      ).not.toContain('USER_JWT_JWKS_URL');
    });
  });
});

describe('buildConfig in production', () => {
  const strong = (c: string) => c.repeat(40);
  const prod = {
    ...real,
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://u:p@db:5432/onekyc',
    API_KEYS: strong('a'),
    ADMIN_API_KEYS: strong('b'),
    CALLBACK_AUTH_VALUES: `Bearer ${strong('c')}`,
    PII_ENCRYPTION_KEYS: 'k1:' + Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64'),
  };
  function messagesOf(fn: () => unknown): string[] {
    try {
      fn();
    } catch (err) {
      if (err instanceof ConfigValidationError) return err.problems.map((p) => `${p.variable}: ${p.message}`);
      throw err;
    }
    return [];
  }

  it('accepts strong secrets', () => {
    expect(buildConfig(prod).sandboxMode).toBe(false);
  });

  it('refuses an unset DATABASE_URL (no embedded database in production), even with a runtime one', () => {
    expect(problemsOf(() => buildConfig({ ...prod, DATABASE_URL: undefined }, runtime))).toEqual([
      'DATABASE_URL',
    ]);
  });

  it('names every weak or placeholder secret at once, with how to fix it and without its value', () => {
    const messages = messagesOf(() =>
      buildConfig({
        ...prod,
        API_KEYS: `${strong('a')},short-key`,
        ADMIN_API_KEYS: 'change-me-admin-key-that-is-long-enough-anyway',
        IDENTITY_API_KEYS: 'sandbox-identity',
        METRICS_TOKEN: 'metrics',
        CALLBACK_AUTH_VALUES: 'Bearer change-me-callback-secret',
        PII_ENCRYPTION_KEYS: 'k1:' + Buffer.alloc(32, 0).toString('base64'),
        PORT: 'not-a-port',
      }),
    );
    expect(messages.map((m) => m.split(':')[0]).sort()).toEqual(
      [
        'ADMIN_API_KEYS',
        'API_KEYS',
        'CALLBACK_AUTH_VALUES',
        'IDENTITY_API_KEYS',
        'METRICS_TOKEN',
        'PII_ENCRYPTION_KEYS',
        'PORT',
      ].sort(),
    );
    expect(messages.find((m) => m.startsWith('API_KEYS'))).toMatch(
      /value 2 of 2.*shorter than 32.*openssl rand -base64 32/,
    );
    expect(messages.find((m) => m.startsWith('ADMIN_API_KEYS'))).toMatch(/placeholder/);
    expect(messages.find((m) => m.startsWith('PII_ENCRYPTION_KEYS'))).toMatch(/one byte value repeated/);
    expect(messages.join('\n')).not.toMatch(/short-key|change-me-admin|change-me-callback/);
  });

  it('refuses .env.example loaded as-is', () => {
    const file = readFileSync(join(__dirname, '../../.env.example'), 'utf8');
    const env: Record<string, string> = { NODE_ENV: 'production' };
    for (const line of file.split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
    }
    expect(problemsOf(() => buildConfig(env)).sort()).toEqual(
      expect.arrayContaining([
        'ADMIN_API_KEYS',
        'API_KEYS',
        'CALLBACK_AUTH_VALUES',
        'DATABASE_URL',
        'PII_ENCRYPTION_KEYS',
      ]),
    );
  });

  it('gives a hex PII key a "use base64" hint', () => {
    const hex = 'ab'.repeat(32);
    const messages = messagesOf(() => buildConfig({ ...prod, PII_ENCRYPTION_KEYS: `k1:${hex}` }));
    expect(messages).toEqual([
      expect.stringMatching(/PII_ENCRYPTION_KEYS: .*hex; use base64.*openssl rand -base64 32/),
    ]);
    expect(messages[0]).not.toContain(hex);
  });
});

describe('buildConfig is pure', () => {
  it('writes no file: without the start-up step sandbox mode reports the missing development key', () => {
    const dir = join(tmpdir(), `onekyc-config-pure-${process.pid}`);
    expect(
      problemsOf(() =>
        buildConfig(
          { NODE_ENV: 'development', DATA_DIR: dir },
          { databaseUrl: runtime.databaseUrl, sandboxBaseUrl: runtime.sandboxBaseUrl },
        ),
      ),
    ).toEqual(['PII_ENCRYPTION_KEYS']);
    expect(existsSync(dir)).toBe(false);
  });

  it('checkConfig reports malformed and cross-variable problems in one round', () => {
    expect(
      problemsOf(() =>
        checkConfig({ PORT: 'x', ONEKYC_API_BASE_URL: 'https://p.example', RECONCILE_CRON: 'never' }),
      ).sort(),
    ).toEqual(
      [
        'ADMIN_API_KEYS',
        'API_KEYS',
        'CALLBACK_AUTH_VALUES',
        'ONEKYC_CLIENT_ID',
        'ONEKYC_ONBOARDING_PARTNER',
        'ONEKYC_PASS_KEY',
        'PORT',
        'RECONCILE_CRON',
      ].sort(),
    );
  });
});

describe('TRUST_PROXY', () => {
  it('takes false, a hop count or a CIDR list, and refuses "true" and junk with what it accepts', () => {
    const trust = (v: string) => buildConfig({ ...real, TRUST_PROXY: v }, runtime).callback.trustProxy;
    expect(trust('false')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8,::1')).toEqual(['10.0.0.0/8', '::1']);
    expect(problemsOf(() => buildConfig({ ...real, TRUST_PROXY: 'true' }, runtime))).toEqual(['TRUST_PROXY']);
    expect(problemsOf(() => buildConfig({ ...real, TRUST_PROXY: '10.0.0.0/99' }, runtime))).toEqual([
      'TRUST_PROXY',
    ]);
  });
});

describe('log format', () => {
  it('is human-friendly on a terminal outside production, JSON otherwise, and LOG_FORMAT wins', () => {
    const format = (env: NodeJS.ProcessEnv, tty: boolean) => buildConfig(env, { ...runtime, tty }).log.format;
    expect(format({ ...real }, true)).toBe('pretty');
    expect(format({ ...real }, false)).toBe('json');
    expect(format({ ...real, LOG_FORMAT: 'json' }, true)).toBe('json');
    const strong = 'x'.repeat(40);
    const prod = {
      ...real,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h/db',
      API_KEYS: strong,
      ADMIN_API_KEYS: strong + 'y',
      CALLBACK_AUTH_VALUES: strong + 'z',
      PII_ENCRYPTION_KEYS: 'k1:' + Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64'),
    };
    expect(format(prod, true)).toBe('json');
  });
});
