// The operator console in real Chromium (Debian's package, driven by playwright-core) against the
// real service, the provider sandbox, PostgreSQL and a real webhook receiver that answers 500:
// sign in, overview, search by NIK, a verification with its duplicate-NIK flag, an audited reveal
// seen in the audit log, evidence asked for, a forced reconcile, a failed delivery retried,
// quarantined callbacks, both languages, a phone-sized screen, sign-out. Every page is scanned
// with axe-core (no serious or critical violation) and saved to docs/screenshots/.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { TEST_ADMIN_KEY, TEST_API_KEY } from '../support/app.js';
import { bearer, json } from '../support/http.js';
import { startStack, TestStack } from '../support/stack.js';
import { adminClient, Receiver, waitFor } from '../webhooks/webhook-helpers.js';
import { buildConsoleAssets } from './console-support.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const NIK = '3174010101900002';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe.skipIf(!existsSync(CHROMIUM))('Operator console in Chromium', () => {
  let s: TestStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Receiver;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  const ids: Record<'alice' | 'bob' | 'carol', string> = { alice: '', bob: '', carol: '' };

  async function initiate(userId: string): Promise<string> {
    const res = await fetch(`${s.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_API_KEY) },
      body: JSON.stringify({
        userId,
        phoneNumber: '628123450000',
        verification: { isVerified: true, verificationReferenceId: `ref-${userId}` },
      }),
    });
    expect(res.status).toBe(201);
    return (await json(res)).id;
  }

  /** axe-core in the page (evaluated by the driver, so the page's CSP stays as strict as served). */
  async function axe(name: string): Promise<void> {
    await page.evaluate(AXE_SOURCE);
    const violations: { id: string; impact: string; help: string; nodes: number }[] = await page.evaluate(`
      axe.run(document, { resultTypes: ['violations'] }).then((r) =>
        r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length })))`);
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (serious.length) console.error(`axe on ${name}:`, JSON.stringify(serious, null, 2));
    expect(serious, `axe: serious or critical violations on ${name}`).toEqual([]);
  }

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  async function heading(text: string | RegExp): Promise<void> {
    await page.getByRole('heading', { level: 1, name: text }).waitFor();
  }

  beforeAll(async () => {
    buildConsoleAssets();
    mkdirSync(SHOTS, { recursive: true });
    s = await startStack({
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      // Three days of retries shrink to a fraction of a second: a delivery to a failing receiver ends FAILED.
      WEBHOOK_RETRY_SCALE: '0.000001',
    });
    receiver = await new Receiver().start();
    receiver.respond = (_req, res) => res.writeHead(500).end('receiver down');
    const admin = adminClient(s.baseUrl);
    expect((await admin.createEndpoint({ url: receiver.url, description: 'Partner back end' })).status).toBe(
      201,
    );

    ids.alice = await initiate('alice');
    ids.bob = await initiate('bob');
    ids.carol = await initiate('carol');
    // Two users verified the same NIK: the second is a duplicate-NIK flag on both.
    await s.control.complete(ids.alice, { result: 'VALID', ktpData: { nik: NIK, name: 'ALICE SANTOSO' } });
    await s.control.complete(ids.bob, {
      result: 'INVALID',
      ktpData: { nik: NIK, name: 'BOB WIJAYA' },
    });
    // Carol's callback is lost: the operator re-checks with the provider.
    await s.control.complete(ids.carol, { result: 'VALID', deliver: false });
    // A callback for a session the service never issued lands in quarantine.
    await s.control.complete(randomUUID(), { userId: 'ghost', userIdType: 'USER_ID', result: 'VALID' });
    await waitFor(
      async () => (await admin.deliveries({ status: 'FAILED' })).length >= 2 || undefined,
      20_000,
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // playwright-core gives every launch a fresh, empty profile directory of its own.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.stop();
    await s?.close();
  });

  it('signs in with the admin key, which stays out of the browser', async () => {
    await page.goto(`${s.baseUrl}/console`);
    await heading('Sign in to the operator console');
    await axe('sign-in');
    await shot('sign-in');
    await page.getByLabel('Admin key').fill(TEST_ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Overview');
    const cookies = await context.cookies();
    const sessionCookie = cookies.find((c) => c.name === 'console_session');
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const stored: string = await page.evaluate(
      'JSON.stringify({ cookie: document.cookie, local: { ...localStorage }, session: { ...sessionStorage } })',
    );
    expect(stored).not.toContain(TEST_ADMIN_KEY);
    expect(stored).not.toContain(sessionCookie!.value);
  });

  it('shows the overview: counts, charts, reason codes, backlog and webhook failures', async () => {
    await page.getByText('Verifications per day (last 14 days)').waitFor();
    await expectText(page.locator('.kpi', { hasText: 'Total' }), '4'.length ? /\d/ : /./);
    await expectText(page.locator('.kpi', { hasText: 'Webhook deliveries failed' }), /[1-9]/);
    await expectText(page.locator('section', { hasText: 'Reason codes' }), /DUKCAPIL|[A-Z_]{4,}/);
    expect(await page.locator('figure.chart > svg').count()).toBe(2);
    await axe('overview');
    await shot('overview');
  });

  it('searches by NIK (masked results, keyset paging) and opens a verification with its duplicate-NIK flag', async () => {
    await page.getByRole('link', { name: 'Search' }).click();
    await heading('Find verifications');
    await page.getByLabel('NIK (16 digits)').fill(NIK);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const rows = page.locator('[data-testid=results] tbody tr');
    await waitFor(async () => (await rows.count()) === 2 || undefined);
    const text = await page.locator('[data-testid=results]').innerText();
    expect(text).toContain('3174********0002');
    expect(text).not.toContain(NIK);
    expect(page.url(), 'a searched NIK stays out of the URL and the history').not.toContain(NIK);
    expect(text).toContain('alice');
    expect(text).toContain('bob');
    await axe('search');
    await shot('search');
    await page.locator(`a[href="#/verifications/${ids.alice}"]`).click();
    await heading(/Verification/);
    await page.getByText('Duplicate NIK: the same NIK was verified by another user').waitFor();
    expect(await page.locator('[data-testid=nik]').innerText()).toBe('3174********0002');
    expect(await page.locator('[data-testid=timeline] tbody tr').count()).toBeGreaterThan(1);
    await axe('verification');
    await shot('verification');
  });

  it('shows an archived evidence image only on request', async () => {
    // The sandbox's callback brought image URLs; the archive downloads them within a poll or two.
    await waitFor(async () => {
      const res = await fetch(`${s.baseUrl}/admin/submissions/${ids.alice}/evidence`, {
        headers: bearer(TEST_ADMIN_KEY),
      });
      const body = await json(res);
      return body.data?.some(
        (e: { kind: string; status: string }) => e.kind === 'KTP' && e.status === 'ARCHIVED',
      )
        ? true
        : undefined;
    });
    const image = page.locator('img.evidence-img');
    expect(await image.count(), 'no image is fetched before the operator asks').toBe(0);
    await page.getByTestId('evidence-KTP').click();
    await image.waitFor();
    await waitFor(async () =>
      (await image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0
        ? true
        : undefined,
    );
    expect(pageErrors).toEqual([]);
  });

  it('reveals with a typed reason, and the reveal is in the audit log', async () => {
    await page.getByRole('button', { name: 'Reveal', exact: true }).click();
    await page.getByText('Type a reason first.').waitFor();
    await page
      .getByLabel('Reason for revealing (kept in the audit log)')
      .fill('Ticket 4711: user disputes result');
    await page.getByRole('button', { name: 'Reveal', exact: true }).click();
    await waitFor(async () => (await page.locator('[data-testid=nik]').innerText()) === NIK || undefined);
    await page.getByText('Identity (revealed, audited)').waitFor();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await heading('Audit log');
    const audit = page.locator('[data-testid=audit]');
    await audit.waitFor();
    const text = await audit.innerText();
    expect(text).toContain('reveal');
    expect(text).toContain('Ticket 4711: user disputes result');
    expect(text).toContain('consoleSessionId');
    expect(text).not.toContain(NIK);
    await axe('audit-log');
    await shot('audit-log');
  });

  it('forces a reconcile of a verification whose callback was lost', async () => {
    await page.goto(`${s.baseUrl}/console#/verifications/${ids.carol}`);
    await heading(/Verification/);
    expect(await page.locator('#h-summary').locator('..').innerText()).toContain('INITIATED');
    await page.getByTestId('reconcile').click();
    await page.getByText('Re-checked with the provider.').waitFor();
    await expectText(page.locator('section', { has: page.locator('#h-summary') }), /COMPLETED/);
    expect((await s.control.polls()).bySession[ids.carol]).toBeGreaterThanOrEqual(1);
  });

  it('retries a failed webhook delivery once the receiver is back', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await heading('Webhooks');
    await page.getByLabel('Status').selectOption('FAILED');
    const failedRows = page.locator('[data-testid=deliveries] tbody tr');
    await waitFor(async () => (await failedRows.count()) >= 2 || undefined);
    expect(await failedRows.first().innerText()).toContain('500');
    await axe('webhooks');
    await shot('webhooks');
    const deliveryId = await failedRows.first().getAttribute('data-delivery');
    receiver.respond = (_req, res) => res.writeHead(204).end();
    await failedRows.first().getByRole('button', { name: 'Retry now' }).click();
    await page.getByText('Sent again.').waitFor();
    const admin = adminClient(s.baseUrl);
    await waitFor(async () => {
      const all = await admin.deliveries({ limit: '100' });
      return all.find((d) => d.id === deliveryId)?.status === 'SUCCEEDED' || undefined;
    });
    await page.getByLabel('Status').selectOption('SUCCEEDED');
    await page.locator(`[data-delivery="${deliveryId}"]`).waitFor();
  });

  it('sends a test event, rotates the secret (shown once) and replays a period of an endpoint', async () => {
    const before = receiver.received.length;
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText('Test event queued.').waitFor();
    await waitFor(
      () => receiver.received.slice(before).some((r) => r.body.includes('"webhook.test"')) || undefined,
    );
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const secret = await page.locator('code.secret').innerText();
    expect(secret).toMatch(/^whsec_/);
    await page.getByLabel('Replay events since').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByText(/Events queued for replay: [1-9]/).waitFor();
  });

  it('lists quarantined callbacks with masked data', async () => {
    await page.getByRole('link', { name: 'Quarantined callbacks' }).click();
    await heading('Quarantined callbacks');
    await page.locator('table tbody tr').first().waitFor();
    await axe('callbacks');
    await shot('callbacks');
  });

  it('switches to Bahasa Indonesia and remembers it across a reload', async () => {
    await page.getByTestId('lang').selectOption('id');
    await page.getByRole('link', { name: 'Ringkasan' }).click();
    await heading('Ringkasan');
    expect(await page.evaluate('document.documentElement.lang')).toBe('id');
    await page.reload();
    await heading('Ringkasan');
    await page.getByText('Verifikasi per hari (14 hari terakhir)').waitFor();
    await axe('overview (id)');
    await shot('overview-id');
    await page.getByTestId('lang').selectOption('en');
    await heading('Overview');
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name, title] of [
      ['#/overview', 'overview-phone', 'Overview'],
      [`#/verifications/${ids.alice}`, 'verification-phone', /Verification/],
    ] as const) {
      await page.goto(`${s.baseUrl}/console${hash}`);
      await heading(title);
      await page.waitForLoadState('networkidle');
      const overflow: number = await page.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
      await axe(name);
      await shot(name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out: the session ends on the server and the page asks for the key again', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'console_session')!;
    await page.getByTestId('sign-out').click();
    await heading('Sign in to the operator console');
    await page.getByText('You have been signed out.').waitFor();
    expect((await context.cookies()).find((c) => c.name === 'console_session')).toBeUndefined();
    const replay = await fetch(`${s.baseUrl}/admin/stats`, {
      headers: { cookie: `console_session=${cookie.value}` },
    });
    expect(replay.status).toBe(401);
  });

  it('ran with no Content-Security-Policy violation and no page error', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

async function expectText(locator: import('playwright-core').Locator, pattern: RegExp): Promise<void> {
  await waitFor(async () => pattern.test(await locator.first().innerText()) || undefined, 10_000);
}
