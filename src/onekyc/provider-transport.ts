// HTTP to the provider: undici (Node's own HTTP client project; v6 is the major Node 20 bundles
// for `fetch`), one keep-alive pool per origin, called directly by OneKycClient#exchange.
//
// Why not @nestjs/axios: it was the client until the initiate benchmark. Profiles put
// axios at about a quarter of the service's CPU per initiation (config merging and header
// normalisation per call, then Node's http client under it); with undici called directly the
// service spent ~0.4 ms less CPU per initiation on our 2-core machine and the initiate ratio went
// from 0.67-0.73 to 0.84-0.89 of the bare server (README, Benchmarks). Everything axios did here
// (timeouts, status handling, the envelope) was already OneKycClient's own code.
//
// HTTP(S)_PROXY and NO_PROXY are honoured when set, as axios did.
import { Agent, Dispatcher, EnvHttpProxyAgent, request } from 'undici';

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];

export interface ProviderRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The largest provider answer read (its real answers are a few KiB). */
export const PROVIDER_ANSWER_MAX_BYTES = 1024 * 1024;

/** The provider's answer went past the cap: the rest was not read and the connection dropped. */
export class ProviderAnswerTooLargeError extends Error {
  constructor(readonly status: number) {
    super(`the provider's answer (HTTP ${status}) is larger than ${PROVIDER_ANSWER_MAX_BYTES} bytes`);
    this.name = 'ProviderAnswerTooLargeError';
  }
}

export interface ProviderResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class ProviderTransport {
  readonly dispatcher: Dispatcher;

  constructor(opts: { connections?: number; env?: NodeJS.ProcessEnv } = {}) {
    const env = opts.env ?? process.env;
    const pool = { connections: opts.connections ?? 256, keepAliveTimeout: 4_000 };
    this.dispatcher = PROXY_VARIABLES.some((v) => env[v])
      ? new EnvHttpProxyAgent({
          ...pool,
          httpProxy: env.http_proxy ?? env.HTTP_PROXY,
          // undici falls back to the HTTP proxy for https URLs when no HTTPS proxy is named.
          httpsProxy: env.https_proxy ?? env.HTTPS_PROXY,
          noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
        })
      : new Agent(pool);
  }

  /**
   * One exchange: the whole answer as text, whatever its status. Rejects only when there is no
   * answer: socket errors (with their errno-style `code`) or the `signal` (the caller's timeout).
   */
  async send(req: ProviderRequest, signal: AbortSignal): Promise<ProviderResponse> {
    const res = await request(req.url, {
      dispatcher: this.dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
    });
    return { status: res.statusCode, headers: res.headers, body: await readCapped(res) };
  }

  /** Drops every connection at once (in-flight calls fail); for shutdown. */
  destroy(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

/** The body as text, refusing (and dropping the connection) past PROVIDER_ANSWER_MAX_BYTES. */
async function readCapped(res: Dispatcher.ResponseData, max = PROVIDER_ANSWER_MAX_BYTES): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    throw new ProviderAnswerTooLargeError(res.statusCode);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      res.body.destroy();
      throw new ProviderAnswerTooLargeError(res.statusCode);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
