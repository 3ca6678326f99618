// Evidence archive: how an image goes out. Its own content type, never cached anywhere, shown
// inline under a neutral name, with its SHA-256 as RFC 9530 Repr-Digest so a client can check it.
import { StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { EvidenceImage } from './evidence-catalog.js';

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

export function sendImage(reply: FastifyReply, image: EvidenceImage): StreamableFile {
  reply.header('cache-control', 'no-store');
  reply.header('pragma', 'no-cache');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('repr-digest', `sha-256=:${Buffer.from(image.sha256, 'hex').toString('base64')}:`);
  return new StreamableFile(image.bytes, {
    type: image.contentType,
    length: image.bytes.length,
    disposition: `inline; filename="${image.kind.toLowerCase()}.${EXTENSIONS[image.contentType] ?? 'bin'}"`,
  });
}

/** The OpenAPI description of an image answer. */
export const IMAGE_CONTENT = {
  'image/jpeg': { schema: { type: 'string', format: 'binary' } },
  'image/png': { schema: { type: 'string', format: 'binary' } },
  'image/webp': { schema: { type: 'string', format: 'binary' } },
};
