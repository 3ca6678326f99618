// What Fastify and Node's HTTP parser answer before Nest sees a request (bad percent-encoding, an
// over-long path parameter, an oversized head) is problem+json like every other error, and an
// answer after which the server drops the connection says so (found by the reliability fuzzing:
// keep-alive clients reused the dropped socket and got "socket hang up").
import { connect } from 'node:net';
import { startTestApp, TEST_API_KEY, TestApp } from '../support/app.js';
import { json } from '../support/http.js';

describe('errors answered before routing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['a path that is not valid percent-encoding', '/v1/verifications/%zz', 400],
    ['an over-long path parameter', `/v1/verifications/${'a'.repeat(300)}`, 414],
  ])('should answer %s with problem+json', async (_name, path, status) => {
    const res = await fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await json(res)).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  });

  const raw = (method: string) =>
    new Promise<string>((resolve) => {
      const sock = connect(Number(new URL(t.baseUrl).port), '127.0.0.1');
      let out = '';
      sock.on('data', (d) => (out += d.toString()));
      sock.on('close', () => resolve(out));
      sock.on('error', () => resolve(out));
      sock.write(`${method} /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    });

  it('should answer an oversized head with 431 problem+json and Connection: close', async () => {
    const answer = await raw('GET');
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).toMatch(/\r\nContent-Type: application\/problem\+json/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431 });
  });

  it('should send no body with the 431 when the request was HEAD', async () => {
    const answer = await raw('HEAD');
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });
});
