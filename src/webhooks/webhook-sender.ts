// Partner webhooks: one HTTP attempt. Signs the stored body (Standard Webhooks headers), posts it
// with undici under WEBHOOK_TIMEOUT_MS, never follows a redirect, reads at most 4 KiB of the
// answer, and connects only to addresses the SSRF policy allows (checked in the connection's own
// DNS lookup unless WEBHOOK_ALLOW_PRIVATE_NETWORKS). Never throws: every failure is an outcome.
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Agent, errors, request } from 'undici';
import { AppConfig } from '../config/app-config.js';
import {
  ForbiddenAddressError,
  forbiddenLiteralHost,
  guardedLookup,
  Resolver,
  systemResolver,
} from './webhook-address-policy.js';
import { signatureHeader } from './webhook-secret.js';

/** Bytes of the receiver's answer kept for the delivery log. */
export const RESPONSE_CAP_BYTES = 4096;

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  response: string | null;
  durationMs: number;
  /** For metrics: success, http_error (non-2xx), timeout, refused (SSRF), network. */
  kind: 'success' | 'http_error' | 'timeout' | 'refused' | 'network';
}

export interface OutgoingEvent {
  id: string;
  body: string;
  url: string;
  /** Current secret first, then the previous one while it still signs. */
  secrets: string[];
}

@Injectable()
export class WebhookSender implements OnModuleDestroy {
  /** Replaceable by tests that play a DNS server (rebinding). */
  resolver: Resolver = systemResolver;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly allowPrivate: boolean;

  constructor(config: AppConfig) {
    this.timeoutMs = config.webhooks.timeoutMs;
    this.allowPrivate = config.webhooks.allowPrivateNetworks;
    this.agent = new Agent({
      connect: {
        timeout: this.timeoutMs,
        ...(this.allowPrivate ? {} : { lookup: guardedLookup(() => this.resolver) }),
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 4000,
      connections: 64,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  async send(event: OutgoingEvent): Promise<AttemptOutcome> {
    const started = performance.now();
    const done = (o: Omit<AttemptOutcome, 'durationMs'>): AttemptOutcome => ({
      ...o,
      durationMs: performance.now() - started,
    });
    if (!this.allowPrivate) {
      const literal = forbiddenLiteralHost(event.url);
      if (literal) return done(refused(new ForbiddenAddressError(literal, literal)));
    }
    const at = new Date();
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(event.url, {
        method: 'POST',
        dispatcher: this.agent,
        signal,
        maxRedirections: 0,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'onekyc-orchestrator-webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signatureHeader(event.secrets, event.id, at, event.body),
        },
        body: event.body,
      });
      const response = await readCapped(res.body);
      const code = res.statusCode;
      if (code >= 200 && code < 300)
        return done({ ok: true, statusCode: code, error: null, response, kind: 'success' });
      const error = code >= 300 && code < 400 ? `redirect not followed (HTTP ${code})` : `HTTP ${code}`;
      return done({ ok: false, statusCode: code, error, response, kind: 'http_error' });
    } catch (err) {
      if (
        signal.aborted ||
        err instanceof errors.HeadersTimeoutError ||
        err instanceof errors.BodyTimeoutError ||
        err instanceof errors.ConnectTimeoutError
      ) {
        return done({
          ok: false,
          statusCode: null,
          error: `no answer within ${this.timeoutMs} ms`,
          response: null,
          kind: 'timeout',
        });
      }
      const cause = rootCause(err);
      if (cause instanceof ForbiddenAddressError) return done(refused(cause));
      const code = (cause as NodeJS.ErrnoException).code;
      const error =
        code === 'ECONNREFUSED'
          ? 'connection refused'
          : `${code ?? cause.name}: ${cause.message}`.slice(0, 300);
      return done({ ok: false, statusCode: null, error, response: null, kind: 'network' });
    }
  }
}

function refused(err: ForbiddenAddressError): Omit<AttemptOutcome, 'durationMs'> {
  return { ok: false, statusCode: null, error: `refused: ${err.message}`, response: null, kind: 'refused' };
}

function rootCause(err: unknown): Error {
  let e = err as Error & { cause?: unknown };
  for (let i = 0; i < 5 && e?.cause instanceof Error; i++) e = e.cause as Error & { cause?: unknown };
  return e instanceof Error ? e : new Error(String(err));
}

/** Reads at most RESPONSE_CAP_BYTES and drops the rest (the connection is not reused then). */
async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_CAP_BYTES) break;
    }
  } catch {
    // A body cut short still leaves us with the status code, which is what decides.
  }
  if (size === 0) return null;
  return Buffer.concat(chunks).subarray(0, RESPONSE_CAP_BYTES).toString('utf8');
}
