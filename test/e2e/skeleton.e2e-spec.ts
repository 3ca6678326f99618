import { startTestApp, TestApp } from '../support/app.js';
import { json } from '../support/http.js';

describe('service skeleton (real app, real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports live and ready once migrations are applied', async () => {
    const live = await fetch(`${t.baseUrl}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${t.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const body = await json(ready);
    expect(body.status).toBe('ok');
    expect(body.info.database.status).toBe('up');
    expect(body.info.migrations.status).toBe('up');
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const res = await fetch(`${t.baseUrl}/no/such/route?x=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = await json(res);
    expect(body).toMatchObject({ status: 404, title: 'Not Found' });
    expect(body.detail).toContain('/no/such/route');
    expect(body.type).toMatch(/^https:\/\//);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('serves Prometheus metrics including HTTP request durations by route', async () => {
    await fetch(`${t.baseUrl}/health/live`);
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/health\/live",status_code="200"\} \d+/,
    );
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const docRes = await fetch(`${t.baseUrl}/docs-json`);
    expect(docRes.status).toBe(200);
    const doc = await json(docRes);
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/health/ready');
    const ui = await fetch(`${t.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('echoes a request id and sets security headers', async () => {
    const res = await fetch(`${t.baseUrl}/health/live`, { headers: { 'x-request-id': 'req-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
