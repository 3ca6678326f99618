// Docker does not run on our machines: these checks pin what can be checked without an engine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';

const contractVariables = [
  'PORT',
  'DATABASE_URL',
  'ONEKYC_API_BASE_URL',
  'ONEKYC_TOKEN_BASE_URL',
  'ONEKYC_CLIENT_ID',
  'ONEKYC_PASS_KEY',
  'ONEKYC_ONBOARDING_PARTNER',
  'ONEKYC_ONBOARDING_PARTNER_SDK',
  'ONEKYC_ONBOARDING_PARTNER_WEB_SDK',
  'ONEKYC_ONBOARDING_PARTNER_HEADER',
  'ONEKYC_SOURCE',
  'ONEKYC_TIMEOUT_MS',
  'ONEKYC_MAX_RPS',
  'API_KEYS',
  'ADMIN_API_KEYS',
  'API_RATE_LIMIT_PER_MINUTE',
  'IDENTITY_API_KEYS',
  'USER_JWT_JWKS_URL',
  'USER_JWT_SECRET',
  'USER_JWT_ISSUER',
  'USER_JWT_AUDIENCE',
  'USER_JWT_USER_ID_CLAIM',
  'USER_JWT_USER_ID_TYPE',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
  'WEBHOOK_TIMEOUT_MS',
  'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
  'EVIDENCE_STORE',
  'EVIDENCE_DIR',
  'EVIDENCE_S3_BUCKET',
  'EVIDENCE_S3_REGION',
  'EVIDENCE_S3_ENDPOINT',
  'EVIDENCE_S3_FORCE_PATH_STYLE',
  'CONSOLE_ENABLED',
  'METRICS_TOKEN',
  'CALLBACK_AUTH_HEADER',
  'CALLBACK_AUTH_VALUES',
  'CALLBACK_ALLOWED_IPS',
  'TRUST_PROXY',
  'RECONCILE_ENABLED',
  'RECONCILE_CRON',
  'RECONCILE_AFTER_SECONDS',
  'SUBMISSION_EXPIRE_AFTER_HOURS',
  'PII_ENCRYPTION_KEYS',
  'PII_RETENTION_DAYS',
  'NODE_ENV',
  'DOCS_ENABLED',
];

describe('container files', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
  const dockerfile = readFileSync('Dockerfile', 'utf8');

  it('runs postgres with a named volume and a health check', () => {
    const pg = compose.services.postgres;
    expect(pg.image).toMatch(/^postgres:\d+/);
    expect(pg.healthcheck.test.join(' ')).toContain('pg_isready');
    const [volume] = pg.volumes[0].split(':');
    expect(Object.keys(compose.volumes)).toContain(volume);
  });

  it('starts the app only once postgres is healthy, configured by contract variables only', () => {
    const app = compose.services.app;
    expect(app.build).toBe('.');
    expect(app.depends_on.postgres.condition).toBe('service_healthy');
    for (const name of Object.keys(app.environment)) expect(contractVariables).toContain(name);
    expect(app.environment.DATABASE_URL).toContain('@postgres:5432/');
    expect(app.environment.NODE_ENV).toBe('production');
    // The evidence folder is a volume the image's non-root user can write.
    expect(app.volumes).toContain(
      `evidence:${app.environment.EVIDENCE_DIR.replace(/^\$\{EVIDENCE_DIR:-(.*)\}$/, '$1')}`,
    );
    expect(dockerfile).toMatch(/chown node:node \/data\/evidence/);
  });

  it('builds in stages and runs production dependencies as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/CMD \["node", "dist\/main.js"\]/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist/);
  });

  it('gives the image the heap budget npm run start:prod runs with', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    const flag = /--max-old-space-size=\d+/.exec(scripts['start:prod'])?.[0];
    expect(flag).toBeDefined();
    expect(scripts.start).toContain(flag);
    expect(dockerfile).toMatch(new RegExp(`NODE_OPTIONS=${flag}\\s*$`, 'm'));
  });

  it('needs no configuration for a plain `docker compose up`: the override runs the app in sandbox mode', () => {
    // Compose stops on a `${X:?…}` before any service starts, even one not asked for.
    expect(readFileSync('docker-compose.yml', 'utf8')).not.toMatch(/:\?/);
    const override = parse(readFileSync('docker-compose.override.yml', 'utf8'));
    expect(override.services.app.environment.NODE_ENV).toBe('development');
    expect(override.services.app.environment.DATA_DIR).toMatch(/^\/tmp\//); // writable by the node user
    // Secrets and the provider URL are passed through only when set: unset means sandbox mode.
    for (const name of ['ONEKYC_API_BASE_URL', 'API_KEYS', 'ADMIN_API_KEYS', 'CALLBACK_AUTH_VALUES']) {
      expect(compose.services.app.environment[name]).toBeNull();
    }
  });

  it('ships an .env.example that a shell can source, values with spaces intact', () => {
    const out = execFileSync(
      'bash',
      ['-c', 'set -eu; set -a; . ./.env.example; set +a; printf "%s|%s" "$CALLBACK_AUTH_VALUES" "$API_KEYS"'],
      { encoding: 'utf8', env: { PATH: process.env.PATH! } },
    );
    expect(out).toBe('Bearer change-me-callback-secret|change-me-partner-key');
  });

  it('runs on the current Node LTS line: engines true to every dependency, the image and CI on it', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    const require = createRequire(import.meta.url);
    const semver = require('semver') as {
      satisfies(v: string, range: string): boolean;
      minVersion(range: string): { version: string } | null;
      intersects(a: string, b: string): boolean;
    };
    const ours = pkg.engines.node;
    // Every version our range admits satisfies each dependency's own range: checked at the
    // lowest version of each alternative of ours.
    for (const alternative of ours.split('||').map((a) => a.trim())) {
      const lowest = semver.minVersion(alternative)!.version;
      const refusing = Object.entries(lock.packages)
        .filter(([name, p]) => name && p.engines?.node && !semver.satisfies(lowest, p.engines.node))
        .map(([name, p]) => `${name} (${p.engines!.node})`);
      expect(refusing, `at Node ${lowest}`).toEqual([]);
    }
    const images = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const major of images) {
      expect(major % 2, 'an LTS line is even').toBe(0);
      expect(major).toBeGreaterThanOrEqual(26);
      expect(semver.satisfies(`${major}.0.0`, ours)).toBe(true);
    }
    const ci = readFileSync('.ci/run', 'utf8');
    expect(ci).toContain(`node@${images[0]}`);
    expect(ci).toMatch(/npx -y -p "\$LTS_NODE" -- node .*vitest/);
  });
});
