// A pass-through proxy in front of the provider's token host (ONEKYC_TOKEN_BASE_URL): every partner
// token the sandbox hands the service is recorded, so the leak scan can look for it.
import { createServer, request as httpRequest, Server } from 'node:http';
import { recordSensitive } from './run-dir.js';

export interface TokenTap {
  url: string;
  tokens: string[];
  close(): Promise<void>;
}

/**
 * A pass-through proxy for the provider's token host: the service fetches partner tokens through
 * it (ONEKYC_TOKEN_BASE_URL), and every token handed out is recorded for the leak scan.
 */
export async function startTokenTap(target: string): Promise<TokenTap> {
  const tokens: string[] = [];
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const up = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(chunks);
          try {
            const token = JSON.parse(body.toString('utf8'))?.data?.token;
            if (typeof token === 'string') {
              tokens.push(token);
              recordSensitive('partner-token', token);
            }
          } catch {
            /* not JSON: passed on as it is */
          }
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          res.end(body);
        });
      },
    );
    up.on('error', () => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"success":false,"data":null,"errors":[{"code":"900","cause":"TAP_UPSTREAM_ERROR"}]}');
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
