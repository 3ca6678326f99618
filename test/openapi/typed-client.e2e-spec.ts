// The shipped typed client (clients/typescript: openapi-typescript types + openapi-fetch) against
// the running service and the real sandbox: the main partner and operator flows, with every
// answer also validated against the document's schema for its status. A schema that does not
// match what the service sends fails here at run time; a wrong type fails `npm run typecheck`.
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { Middleware } from 'openapi-fetch';
import {
  createOnekycClient,
  type OnekycClient,
  type Verification,
} from '../../clients/typescript/src/index.js';
import { exportOpenApiDocument } from '../../src/openapi/openapi-export.cli.js';
import { TEST_ADMIN_KEY, TEST_API_KEY } from '../support/app.js';
import { startStack, TestStack } from '../support/stack.js';
import { schemaValidator } from './schema-validator.js';

type Json = Record<string, any>;

/** Checks each JSON answer against the schema the document gives for its route and status. */
function schemaCheck(doc: Json, seen: string[]): Middleware {
  const validator = schemaValidator(doc);
  const cache = new Map<string, ValidateFunction>();
  const deref = (node: Json): Json =>
    node.$ref
      ? node.$ref
          .slice(2)
          .split('/')
          .reduce((o: Json, k: string) => o[k], doc)
      : node;
  const templateOf = (path: string) =>
    Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  return {
    async onResponse({ request, response }) {
      const url = new URL(request.url);
      const template = templateOf(url.pathname);
      const op = template && doc.paths[template][request.method.toLowerCase()];
      const declared = op?.responses[String(response.status)];
      const where = `${request.method} ${template} ${response.status}`;
      if (!declared) throw new Error(`${where}: status not in the document`);
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0];
      const media = deref(declared).content?.[contentType];
      if (!media) throw new Error(`${where}: ${contentType} not in the document`);
      const key = `${where} ${contentType}`;
      if (!cache.has(key)) cache.set(key, validator.compile(media.schema));
      const validate = cache.get(key)!;
      const body: unknown = await response.clone().json();
      if (!validate(body))
        throw new Error(`${where}: answer does not match its schema: ${validator.errorsText(validate)}`);
      seen.push(where);
      return undefined;
    },
  };
}

describe('the typed client (clients/typescript) against the running service', () => {
  let s: TestStack;
  let partner: OnekycClient;
  let admin: OnekycClient;
  const checked: string[] = [];

  beforeAll(async () => {
    s = await startStack();
    const doc = await exportOpenApiDocument();
    partner = createOnekycClient({ baseUrl: s.baseUrl, token: TEST_API_KEY });
    admin = createOnekycClient({ baseUrl: s.baseUrl, token: TEST_ADMIN_KEY });
    partner.use(schemaCheck(doc, checked));
    admin.use(schemaCheck(doc, checked));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('starts a verification, reads it, lists it by user, and sees it complete', async () => {
    const created = await partner.POST('/v1/verifications', {
      params: { header: { 'idempotency-key': 'typed-client-1' } },
      body: {
        userId: 'typed-client-user',
        phoneNumber: '628123456789',
        verification: { isVerified: true, verificationReferenceId: 'otp-typed-1' },
      },
    });
    expect(created.response.status).toBe(201);
    const id: string = created.data!.id;
    expect(created.data!.status).toBe('INITIATED');
    expect(typeof created.data!.sdkToken).toBe('string');

    const read = await partner.GET('/v1/verifications/{id}', { params: { path: { id } } });
    const before: Verification = read.data!;
    expect(before).toMatchObject({ id, status: 'INITIATED', result: null, completedAt: null });

    await s.control.complete(id, { result: 'VALID' });
    const after = await partner.GET('/v1/verifications/{id}', { params: { path: { id } } });
    expect(after.data).toMatchObject({ status: 'COMPLETED', result: 'VALID' });
    expect(Date.parse(after.data!.completedAt!)).toBeGreaterThan(0);

    const list = await partner.GET('/v1/verifications', {
      params: { query: { userId: 'typed-client-user' } },
    });
    expect(list.data!.data.map((v) => v.id)).toEqual([id]);
  });

  it('gets typed problem+json errors: a bad field is a 400 naming it, an unknown id a 404', async () => {
    const bad = await partner.POST('/v1/verifications', {
      body: {
        userId: 'typed-client-user',
        phoneNumber: '12',
        verification: { isVerified: true, verificationReferenceId: 'otp-typed-2' },
      },
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error!.errors!.map((e) => e.field)).toEqual(['phoneNumber']);
    const missing = await partner.GET('/v1/verifications/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error!.status).toBe(404);
  });

  it('lets an operator list, read, reconcile and count submissions', async () => {
    const created = await partner.POST('/v1/verifications', {
      body: {
        userId: 'typed-client-admin',
        email: 'typed@example.com',
        verification: { isVerified: true, verificationReferenceId: 'otp-typed-3' },
      },
    });
    const id = created.data!.id;
    await s.control.complete(id, { result: 'INVALID', deliver: false });

    const reconciled = await admin.POST('/admin/submissions/{id}/reconcile', { params: { path: { id } } });
    expect(reconciled.data).toMatchObject({ id, status: 'COMPLETED', result: 'INVALID' });

    const list = await admin.GET('/admin/submissions', {
      params: { query: { userId: 'typed-client-admin', limit: 10 } },
    });
    expect(list.data!.data.map((r) => r.id)).toEqual([id]);
    expect(list.data!.nextCursor).toBeNull();

    const detail = await admin.GET('/admin/submissions/{id}', { params: { path: { id } } });
    expect(detail.data!.events.map((e) => e.type)).toContain('POLL');

    const stats = await admin.GET('/admin/stats');
    expect(stats.data!.byStatus.COMPLETED).toBeGreaterThanOrEqual(1);
    expect(stats.data!.total).toBeGreaterThanOrEqual(2);
  });

  it('checked every answer against the document', () => {
    expect(checked).toEqual(
      expect.arrayContaining([
        'POST /v1/verifications 201',
        'POST /v1/verifications 400',
        'GET /v1/verifications/{id} 200',
        'GET /v1/verifications/{id} 404',
        'GET /v1/verifications 200',
        'POST /admin/submissions/{id}/reconcile 200',
        'GET /admin/submissions 200',
        'GET /admin/submissions/{id} 200',
        'GET /admin/stats 200',
      ]),
    );
  });
});
