// What the `imageUrls` of results point at: GET /sandbox/images/:submissionId/:kind answers the
// synthetic picture when the URL's `expires` + `signature` are right and not past, and S3's own
// error XML otherwise (403 AccessDenied when expired or unsigned, 403 SignatureDoesNotMatch,
// 404 NoSuchKey). Faults (`images.body`) serve an HTML page or an oversize body instead.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxContext } from './sandbox-context.js';
import {
  checkImageUrl,
  CONTENT_TYPES,
  IMAGE_KINDS,
  ImageKind,
  s3ErrorXml,
  syntheticImage,
} from './sandbox-images.js';
import { imagePath } from './sandbox-store.js';

const NOT_AN_IMAGE =
  '<!doctype html><html><head><title>Sign in</title></head><body><p>Not an image.</p></body></html>';

export function registerImageRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get<{ Params: { id: string; kind: string }; Querystring: Record<string, string | undefined> }>(
    '/sandbox/images/:id/:kind',
    async (req, reply) => {
      const stats = ctx.store.stats.images;
      const sub = ctx.store.submissions.get(req.params.id);
      const kind = req.params.kind as ImageKind;
      if (!sub || !IMAGE_KINDS.includes(kind)) {
        stats.notFound++;
        return xml(reply, 404, s3ErrorXml('NoSuchKey', 'The specified key does not exist.'));
      }
      const check = checkImageUrl(
        ctx.imageKey,
        imagePath(sub.submissionId, kind),
        req.query.expires,
        req.query.signature,
      );
      if (check !== 'ok') {
        stats.denied++;
        if (check === 'expired') stats.expired++;
        const [code, message] =
          check === 'expired'
            ? ['AccessDenied', 'Request has expired']
            : check === 'bad-signature'
              ? [
                  'SignatureDoesNotMatch',
                  'The request signature we calculated does not match the signature you provided.',
                ]
              : ['AccessDenied', 'Query-string authentication requires the expires and signature parameters'];
        const extra: Record<string, string> =
          check === 'expired'
            ? {
                Expires: new Date(Number(req.query.expires) * 1000).toISOString(),
                ServerTime: new Date().toISOString(),
              }
            : {};
        return xml(reply, 403, s3ErrorXml(code, message, extra));
      }
      stats.served++;
      const f = ctx.faults.images;
      const picture = syntheticImage(sub.submissionId, kind, f.format);
      const type = CONTENT_TYPES[f.format];
      switch (f.body) {
        case 'html':
          return reply.type('text/html; charset=utf-8').send(NOT_AN_IMAGE);
        case 'html-as-image':
          return reply.type(type).send(Buffer.from(NOT_AN_IMAGE));
        case 'oversize':
          return reply.type(type).send(oversize(picture, f.oversizeBytes));
        case 'oversize-chunked':
          // No content-length: only a downloader that counts while reading can stop it.
          return reply.type(type).send(Readable.from(chunks(oversize(picture, f.oversizeBytes))));
        default:
          return reply.type(type).header('cache-control', 'private, max-age=0').send(picture);
      }
    },
  );
}

function xml(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).type('application/xml').send(body);
}

/** The real picture's first bytes, then zeros up to `bytes` (looks like an image to a sniffer). */
function oversize(picture: Buffer, bytes: number): Buffer {
  const body = Buffer.alloc(Math.max(bytes, picture.length));
  picture.copy(body);
  return body;
}

function* chunks(body: Buffer, size = 64 * 1024): Generator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}
