// The image downloader against a real HTTP server on loopback: what each answer becomes (archived
// bytes, retry later, give up, expired), the size cap with and without a Content-Length, and the
// timeouts. No mocks: node's http server answers every case for real.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { buildConfig } from '../../src/config/app-config.js';
import { ImageDownloader } from '../../src/evidence/image-downloader.js';
import { s3ErrorXml, syntheticImage } from '../../src/sandbox/sandbox-images.js';
import { sha256 } from './evidence-helpers.js';
import { testEnv } from '../support/app.js';

const jpeg = syntheticImage('downloader', 'KTP', 'jpeg');

describe('ImageDownloader (real HTTP server)', () => {
  let server: Server;
  let base: string;
  let downloader: ImageDownloader;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url!.split('?')[0];
      switch (path) {
        case '/ok':
          return res.writeHead(200, { 'content-type': 'text/plain' }).end(jpeg); // the claimed type is ignored
        case '/expired':
          return res
            .writeHead(403, { 'content-type': 'application/xml' })
            .end(s3ErrorXml('AccessDenied', 'Request has expired'));
        case '/denied':
          return res
            .writeHead(403, { 'content-type': 'application/xml' })
            .end(s3ErrorXml('SignatureDoesNotMatch', 'The request signature we calculated does not match'));
        case '/missing':
          return res.writeHead(404).end(s3ErrorXml('NoSuchKey', 'The specified key does not exist.'));
        case '/busy':
          return res.writeHead(503).end(s3ErrorXml('SlowDown', 'Reduce your request rate.'));
        case '/throttled':
          return res.writeHead(429).end();
        case '/html':
          return res.writeHead(200, { 'content-type': 'image/jpeg' }).end('<!doctype html><p>Sign in</p>');
        case '/big':
          return res
            .writeHead(200, { 'content-length': String(11 * 1024 * 1024) })
            .end(Buffer.alloc(11 * 1024 * 1024));
        case '/big-chunked': {
          res.writeHead(200);
          let sent = 0;
          const chunk = Buffer.concat([jpeg, Buffer.alloc(64 * 1024 - jpeg.length)]);
          const pump = () => {
            while (sent < 12 * 1024 * 1024) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          res.on('error', () => undefined);
          return pump();
        }
        case '/hang':
          return undefined; // never answers
        case '/redirect':
          return res.writeHead(302, { location: '/ok' }).end();
        default:
          return res.writeHead(500).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = buildConfig(
      testEnv({ DATA_DIR: '/tmp/onekyc-downloader-spec', EVIDENCE_DOWNLOAD_TIMEOUT_MS: '1000' }),
      { databaseUrl: 'postgres://u@h/db', sandboxBaseUrl: 'http://127.0.0.1:4010' },
    );
    downloader = new ImageDownloader(config);
  });
  afterAll(async () => {
    await downloader.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('returns the bytes, their sniffed type and SHA-256', async () => {
    const out = await downloader.download(`${base}/ok?expires=1&signature=x`);
    expect(out).toMatchObject({ kind: 'ok', contentType: 'image/jpeg', sha256: sha256(jpeg) });
    expect(out.kind === 'ok' && out.bytes.equals(jpeg)).toBe(true);
  });

  it.each([
    ['/expired', 'expired', /expired/],
    ['/denied', 'permanent', /403 SignatureDoesNotMatch/],
    ['/missing', 'permanent', /404 NoSuchKey/],
    ['/redirect', 'permanent', /302/],
    ['/busy', 'transient', /503 SlowDown/],
    ['/throttled', 'transient', /429/],
    ['/html', 'permanent', /not an image/],
    ['/big', 'permanent', /too large: 11534336 bytes/],
    ['/big-chunked', 'permanent', /too large: over 10485760 bytes/],
    ['/hang', 'transient', /timeout|timed out/],
  ] as const)('%s is %s', async (path, kind, error) => {
    const out = await downloader.download(`${base}${path}?signature=secret-part`);
    expect(out.kind).toBe(kind);
    const message = (out as { error: string }).error;
    expect(message).toMatch(error);
    expect(message).not.toContain('secret-part'); // the URL's signature never lands in an error
  });

  it('a refused connection is transient', async () => {
    const out = await downloader.download('http://127.0.0.1:9/x.jpg');
    expect(out).toMatchObject({ kind: 'transient', error: 'ECONNREFUSED' });
  });
});
