import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent, EnvHttpProxyAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderTransport } from './provider-transport.js';

interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const listen = async (server: http.Server): Promise<string> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe('ProviderTransport (undici) against a real HTTP server', () => {
  let server: http.Server;
  let base: string;
  let transport: ProviderTransport;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        const status = req.url === '/busy' ? 503 : 200;
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7' });
        res.end(JSON.stringify({ success: status === 200, echo: body }));
      });
    });
    base = await listen(server);
    transport = new ProviderTransport({ env: {} });
  });

  afterAll(async () => {
    await transport.destroy();
    server.close();
  });

  it('should send method, headers and body, and hand back status, headers and the raw text', async () => {
    const res = await transport.send(
      {
        method: 'POST',
        url: `${base}/esign-partner/v1/initiate-flow`,
        headers: { 'x-partner-session-id': 's-1', 'content-type': 'application/json' },
        body: '{"flow":"X"}',
      },
      AbortSignal.timeout(5000),
    );
    expect(res).toMatchObject({ status: 200, body: JSON.stringify({ success: true, echo: '{"flow":"X"}' }) });
    expect(res.headers['retry-after']).toBe('7');
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/esign-partner/v1/initiate-flow',
      body: '{"flow":"X"}',
      headers: expect.objectContaining({ 'x-partner-session-id': 's-1' }),
    });
  });

  it('should answer error statuses as answers (the caller interprets them), not as rejections', async () => {
    const res = await transport.send(
      { method: 'GET', url: `${base}/busy`, headers: {} },
      AbortSignal.timeout(5000),
    );
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ success: false });
  });

  it('should reuse kept-alive connections for sequential calls', async () => {
    const sockets = new Set<net.Socket>();
    const counter = (s: net.Socket) => sockets.add(s);
    server.on('connection', counter);
    try {
      const fresh = new ProviderTransport({ env: {} });
      for (let i = 0; i < 20; i++) {
        await fresh.send({ method: 'GET', url: `${base}/ka`, headers: {} }, AbortSignal.timeout(5000));
      }
      await fresh.destroy();
      // undici may open a second one when a call is dispatched before the previous socket is
      // back in the pool; twenty calls on one connection each would be twenty.
      expect(sockets.size).toBeLessThanOrEqual(2);
    } finally {
      server.off('connection', counter);
    }
  });

  it('should reject with the signal when no answer comes in time, and with the errno code when refused', async () => {
    const hang = http.createServer(() => undefined);
    const hangUrl = await listen(hang);
    const signal = AbortSignal.timeout(100);
    await expect(
      transport.send({ method: 'GET', url: `${hangUrl}/`, headers: {} }, signal),
    ).rejects.toThrow();
    expect(signal.aborted).toBe(true);
    hang.closeAllConnections();
    hang.close();
    // A port nothing listens on: refused before a byte was sent.
    const closed = net.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    await expect(
      transport.send(
        { method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {} },
        AbortSignal.timeout(5000),
      ),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('should go through the proxy named by HTTP_PROXY, and straight to the host without one', async () => {
    expect(transport.dispatcher).toBeInstanceOf(Agent);
    let tunnels = 0;
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels++;
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    const proxyUrl = await listen(proxy);
    const proxied = new ProviderTransport({ env: { HTTP_PROXY: proxyUrl } });
    try {
      expect(proxied.dispatcher).toBeInstanceOf(EnvHttpProxyAgent);
      const res = await proxied.send(
        { method: 'GET', url: `${base}/via-proxy`, headers: {} },
        AbortSignal.timeout(5000),
      );
      expect(res.status).toBe(200);
      expect(seen.at(-1)!.url).toBe('/via-proxy');
      expect(tunnels).toBe(1);
    } finally {
      await proxied.destroy();
      proxy.closeAllConnections();
      proxy.close();
    }
  });
});
