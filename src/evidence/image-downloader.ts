// Evidence archive: one download of one provider image URL, with undici. Bounded in time
// (connect + headers, idle body, and the whole transfer) and in size (the Content-Length is
// checked first, then every byte is counted while reading: a server that sends no length cannot
// make it read more than the cap). The bytes must be a JPEG, PNG or WebP by their magic bytes.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Agent, errors, request } from 'undici';
import { AppConfig } from '../config/app-config.js';
import { ImageContentType, sniffImage } from './image-sniff.js';

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
/** Connecting and the answer's headers, and any pause while reading the body, at most (each). */
const STEP_TIMEOUT_MS = 10_000;

export type DownloadOutcome =
  | { kind: 'ok'; bytes: Buffer; contentType: ImageContentType; sha256: string }
  /** The URL has expired (the server said so). */
  | { kind: 'expired'; error: string }
  /** Will not get better with time: not an image, too large, no such object, refused. */
  | { kind: 'permanent'; error: string }
  /** Worth another try: timeouts, network errors, 5xx, 429. */
  | { kind: 'transient'; error: string };

@Injectable()
export class ImageDownloader {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(config: AppConfig) {
    this.timeoutMs = config.evidence.downloadTimeoutMs;
    const step = Math.min(STEP_TIMEOUT_MS, this.timeoutMs);
    this.agent = new Agent({
      connect: { timeout: step },
      headersTimeout: step,
      bodyTimeout: step,
      connections: 16,
    });
  }

  async download(url: string, maxBytes = MAX_IMAGE_BYTES): Promise<DownloadOutcome> {
    let res: Awaited<ReturnType<typeof request>>;
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      res = await request(url, {
        method: 'GET',
        dispatcher: this.agent,
        signal,
        headers: { accept: 'image/jpeg, image/png, image/webp' },
      });
    } catch (err) {
      return { kind: 'transient', error: describe(err) };
    }
    const { statusCode } = res;
    if (statusCode !== 200) {
      const text = await readText(res.body, 4096);
      if (statusCode === 403 && /expired/i.test(text))
        return { kind: 'expired', error: 'HTTP 403: URL expired' };
      const code = /<Code>([A-Za-z]{1,64})<\/Code>/.exec(text)?.[1];
      const error = `HTTP ${statusCode}${code ? ` ${code}` : ''}`;
      return statusCode >= 500 || statusCode === 429 || statusCode === 408
        ? { kind: 'transient', error }
        : { kind: 'permanent', error };
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      discard(res.body);
      return { kind: 'permanent', error: `too large: ${declared} bytes (cap ${maxBytes})` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          discard(res.body);
          return { kind: 'permanent', error: `too large: over ${maxBytes} bytes` };
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      return { kind: 'transient', error: describe(err) };
    }
    const bytes = Buffer.concat(chunks, size);
    const contentType = sniffImage(bytes);
    if (!contentType) return { kind: 'permanent', error: 'not an image (no JPEG, PNG or WebP signature)' };
    return { kind: 'ok', bytes, contentType, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

async function readText(
  body: Parameters<typeof discard>[0] & AsyncIterable<unknown>,
  max: number,
): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += Buffer.from(chunk as Buffer).toString('utf8');
      if (text.length >= max) break;
    }
  } catch {
    /* the status is what matters */
  }
  discard(body);
  return text.slice(0, max);
}

/** Stops reading and closes the connection; the abort this causes is expected, not an error. */
function discard(body: { on(event: 'error', fn: () => void): unknown; destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** A short reason without the URL (its query holds the signature). */
function describe(err: unknown): string {
  if (err instanceof errors.HeadersTimeoutError) return 'timeout waiting for headers';
  if (err instanceof errors.BodyTimeoutError) return 'timeout reading the body';
  if (err instanceof errors.ConnectTimeoutError) return 'connect timeout';
  const e = err as { name?: string; code?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'download timed out';
  return e.code ?? e.cause?.code ?? e.name ?? 'network error';
}
