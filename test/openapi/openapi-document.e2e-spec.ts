// The OpenAPI document as tools see it: the one /docs-json serves is the one exported offline and
// committed (docs/openapi.json, with the client types generated from it), Redocly's lint passes,
// every operation says who may call it and what it answers, types are precise, and every
// example validates against its schema.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HTTP_METHODS } from '../../src/openapi/openapi-conventions.js';
import { exportOpenApiDocument } from '../../src/openapi/openapi-export.cli.js';
import { startTestApp, TestApp } from '../support/app.js';
import { ensureBuilt } from '../support/build.js';
import { json } from '../support/http.js';
import { schemaValidator } from './schema-validator.js';

type Json = Record<string, any>;

const root = process.cwd();

function operations(doc: Json): { where: string; op: Json; path: string }[] {
  const out: { where: string; op: Json; path: string }[] = [];
  for (const [group, items] of [
    ['paths', doc.paths],
    ['webhooks', doc.webhooks],
  ] as const) {
    for (const [path, item] of Object.entries<Json>(items ?? {})) {
      for (const m of HTTP_METHODS)
        if (item[m]) out.push({ where: `${group} ${m.toUpperCase()} ${path}`, op: item[m], path });
    }
  }
  return out;
}

function resolve(doc: Json, node: Json): Json {
  let n = node;
  while (n?.$ref)
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce((o: Json, k: string) => o[k.replace(/~1/g, '/')], doc);
  return n;
}

describe('the OpenAPI document', () => {
  let doc: Json;
  let t: TestApp;

  beforeAll(async () => {
    doc = await exportOpenApiDocument();
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is the same document /docs-json serves', async () => {
    const served = await json(await fetch(`${t.baseUrl}/docs-json`));
    expect(served).toEqual(doc);
  });

  it('is committed as docs/openapi.json with the client types generated from it (npm run client:generate)', () => {
    ensureBuilt();
    const out = execFileSync(process.execPath, [join(root, 'scripts', 'client-generate.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(out).toContain('up to date');
    expect(JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'))).toEqual(doc);
  }, 300_000);

  it("passes Redocly's recommended rules, every warning counted as an error (redocly.yaml)", () => {
    let output = '';
    let status = 0;
    try {
      output = execFileSync(
        join(root, 'node_modules', '.bin', 'redocly'),
        [
          'lint',
          join(root, 'docs', 'openapi.json'),
          '--config',
          join(root, 'redocly.yaml'),
          '--format=stylish',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (err) {
      status = (err as { status: number }).status;
      output = String((err as { stdout: string }).stdout) + String((err as { stderr: string }).stderr);
    }
    expect(output).not.toMatch(/\berror\b.*\n/);
    expect(status).toBe(0);
  }, 180_000);

  it('is OpenAPI 3.1 with servers, and documents the partner webhooks with their signature headers', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(Object.keys(doc.webhooks)).toEqual(
      expect.arrayContaining([
        'verification.created',
        'verification.updated',
        'verification.completed',
        'verification.failed',
        'verification.expired',
        'verification.redacted',
        'webhook.test',
      ]),
    );
    const completed = doc.webhooks['verification.completed'].post;
    expect(completed.parameters.map((p: Json) => p.name)).toEqual([
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
    const payload = resolve(doc, completed.requestBody.content['application/json'].schema);
    expect(payload.required).toEqual(['id', 'type', 'createdAt', 'data']);
    expect(payload.properties.data.properties.verification.$ref).toBe('#/components/schemas/VerificationDto');
  });

  it('gives every operation a summary, a unique operationId and its security', () => {
    const ids = new Set<string>();
    for (const { where, op, path } of operations(doc)) {
      expect(op.summary, where).toBeTruthy();
      expect(op.operationId, where).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      expect(ids.has(op.operationId), `${where}: duplicate operationId`).toBe(false);
      ids.add(op.operationId);
      expect(Array.isArray(op.security), `${where}: security`).toBe(true);
      // Signing in to the console takes the key in the body; its session routes take only the cookie.
      if (where === 'paths POST /admin/session') expect(op.security, where).toEqual([]);
      else if (path === '/admin/session') expect(op.security, where).toEqual([{ console: [] }]);
      else if (path.startsWith('/admin/'))
        expect(op.security, where).toEqual([{ admin: [] }, { console: [] }]);
    }
    const partner = doc.paths['/v1/verifications'].post.security;
    expect(partner).toEqual([{ partner: [] }, { identity: [] }, { user: [] }]);
    for (const name of ['partner', 'identity', 'admin']) {
      expect(doc.components.securitySchemes[name]).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.components.securitySchemes[name].bearerFormat).not.toBe('JWT');
    }
    expect(doc.components.securitySchemes.user.bearerFormat).toBe('JWT');
  });

  it('answers every error as problem+json, with Retry-After on 429 and 503', () => {
    for (const { where, op } of operations(doc).filter((o) => o.where.startsWith('paths'))) {
      const codes = Object.keys(op.responses);
      expect(
        codes.some((c) => c.startsWith('4')),
        `${where}: a 4xx`,
      ).toBe(true);
      expect(codes, where).toContain('500');
      for (const code of codes.filter((c) => Number(c) >= 400)) {
        const response = resolve(doc, op.responses[code]);
        expect(Object.keys(response.content ?? {}), `${where} ${code}`).toEqual(['application/problem+json']);
        expect(response.content['application/problem+json'].schema).toEqual({
          $ref: '#/components/schemas/Problem',
        });
        if (code === '429' || code === '503')
          expect(response.headers?.['Retry-After'], `${where} ${code}`).toBeDefined();
      }
      for (const code of codes.filter((c) => Number(c) < 300 && Number(c) !== 204)) {
        expect(resolve(doc, op.responses[code]).content, `${where} ${code}: a schema`).toBeDefined();
      }
    }
    const create = doc.paths['/v1/verifications'].post.responses;
    expect(Object.keys(create)).toEqual(
      expect.arrayContaining(['201', '400', '401', '409', '429', '502', '503']),
    );
  });

  it('types every property precisely: no empty objects, dates as date-time, nullable as a type union', () => {
    const problems: string[] = [];
    const visit = (schema: Json, where: string, name?: string) => {
      if (!schema || typeof schema !== 'object') return;
      const types = ([] as string[]).concat(schema.type ?? []);
      if (schema.nullable !== undefined) problems.push(`${where}: 3.0 "nullable" in a 3.1 document`);
      if (types.includes('object') && !schema.properties && !schema.additionalProperties)
        problems.push(`${where}: an object with no properties (give the property an explicit type)`);
      if (name && /At$/.test(name) && !schema.$ref && !schema.anyOf && schema.format !== 'date-time')
        problems.push(`${where}: a date without format date-time`);
      for (const [k, v] of Object.entries<Json>(schema.properties ?? {})) visit(v, `${where}.${k}`, k);
      if (schema.items) visit(schema.items, `${where}[]`);
      for (const key of ['anyOf', 'oneOf', 'allOf']) for (const s of schema[key] ?? []) visit(s, where);
    };
    for (const [name, schema] of Object.entries<Json>(doc.components.schemas)) visit(schema, name);
    expect(problems).toEqual([]);
    const verification = doc.components.schemas.VerificationDto.properties;
    expect(verification.completedAt).toEqual(
      expect.objectContaining({ type: ['string', 'null'], format: 'date-time' }),
    );
    expect(resolve(doc, verification.status.allOf[0]).enum).toContain('COMPLETED');
  });

  it('has examples that validate against their schemas', () => {
    const validator = schemaValidator(doc);
    const failures: string[] = [];
    let checked = 0;
    const check = (schema: Json, example: unknown, where: string) => {
      checked++;
      const validate = validator.compile(schema);
      if (!validate(example)) failures.push(`${where}: ${validator.errorsText(validate)}`);
    };
    const visit = (schema: Json, where: string) => {
      if (!schema || typeof schema !== 'object') return;
      if (schema.example !== undefined) check(schema, schema.example, where);
      for (const [k, v] of Object.entries<Json>(schema.properties ?? {})) visit(v, `${where}.${k}`);
      if (schema.items) visit(schema.items, `${where}[]`);
    };
    for (const [name, schema] of Object.entries<Json>(doc.components.schemas)) visit(schema, name);
    const media = (content: Json | undefined, where: string) => {
      for (const [type, m] of Object.entries<Json>(content ?? {})) {
        if (m.example !== undefined) check(m.schema, m.example, `${where} ${type}`);
        for (const [n, e] of Object.entries<Json>(m.examples ?? {}))
          check(m.schema, e.value, `${where} ${type} ${n}`);
      }
    };
    for (const { where, op } of operations(doc)) {
      for (const p of op.parameters ?? [])
        if (p.example !== undefined) check(p.schema, p.example, `${where} ${p.name}`);
      media(op.requestBody?.content, `${where} body`);
      for (const [code, r] of Object.entries<Json>(op.responses ?? {}))
        media(resolve(doc, r).content, `${where} ${code}`);
    }
    for (const [name, r] of Object.entries<Json>(doc.components.responses ?? {}))
      media(r.content, `responses ${name}`);
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});
