// Real webhook receivers for the tests: node http servers on 127.0.0.1 that record every request
// (headers and raw body) and answer what the test tells them to.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { bearer, json } from '../support/http.js';
import { OUTBOX_CTES } from '../../src/webhooks/webhook-outbox.js';
import { TEST_ADMIN_KEY } from '../support/app.js';

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type Responder = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export class Receiver {
  readonly received: Received[] = [];
  private server: Server | null = null;
  port = 0;
  respond: Responder = (_req, res) => res.writeHead(204).end();

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        this.respond(req, res, this.received.length);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The events received, verified with the partner's own library (throws on a bad signature). */
  verified(secret: string): { id: string; type: string; createdAt: string; data: any }[] {
    const wh = new Webhook(secret);
    return this.received.map((r) => wh.verify(r.body, r.headers) as any);
  }
}

export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined | false;
  while (Date.now() < until) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Admin API calls used by the webhook tests. */
export function adminClient(baseUrl: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...bearer(TEST_ADMIN_KEY),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? null : await json(res) };
  };
  return {
    call,
    createEndpoint: (body: unknown) => call('POST', '/admin/webhook-endpoints', body),
    deliveries: async (query: Record<string, string> = {}) =>
      (await call('GET', `/admin/webhook-deliveries?${new URLSearchParams(query)}`)).body.data as any[],
  };
}

/**
 * Changes a submission the way the store's statements do, with the outbox follow-up in the same
 * statement: a `changed` CTE (the row after the change, its change_kind) followed by the
 * webhooks CTEs. Used where a test needs one precise kind of change.
 */
export async function emitChange(
  ds: { query: (sql: string, params: unknown[]) => Promise<unknown> },
  submissionId: string,
  kind: string | null,
  set = 'version = s.version + 1',
): Promise<void> {
  await ds.query(
    `WITH changed AS (
       UPDATE submissions s SET ${set}, updated_at = now() WHERE s.id = $1
       RETURNING s.*, $2::text AS change_kind, NULL::text AS previous_status, false AS image_urls_learned
     ), ${OUTBOX_CTES}
     SELECT 1`,
    [submissionId, kind],
  );
}
