// The OneKYC provider sandbox: a plain Fastify server (no Nest, so it starts in milliseconds and
// runs in-process or alone) speaking the provider's API (sandbox-provider.routes.ts) plus a
// control API under /sandbox (sandbox-control.routes.ts). See README.md in this folder.
import { createHash, randomBytes } from 'node:crypto';
import Fastify, { FastifyError, FastifyInstance } from 'fastify';
import { CallbackDispatcher } from './sandbox-callbacks.js';
import {
  applyFaultsPatch,
  boolFromEnv,
  CallbackMethod,
  faultsFromEnv,
  onboardingHeaderModeFromEnv,
  SandboxOptions,
  seedFromEnv,
} from './sandbox.config.js';
import { providerError, SandboxContext } from './sandbox-context.js';
import { registerControlRoutes } from './sandbox-control.routes.js';
import { registerImageRoutes } from './sandbox-image.routes.js';
import { registerProviderRoutes } from './sandbox-provider.routes.js';
import { makeRandom } from './sandbox-random.js';
import { SandboxStore } from './sandbox-store.js';

export type { SandboxOptions } from './sandbox.config.js';

export interface RunningSandbox {
  /** Base URL of both the provider API and the control API, e.g. http://127.0.0.1:4010 */
  url: string;
  port: number;
  /** Stops listening, drops held connections, cancels scheduled callbacks. */
  close(): Promise<void>;
}

/** Seeding 20,000 sessions in one request needs a larger body than the provider's calls. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const env = options.env ?? {};
  let faults = faultsFromEnv(env);
  if (options.faults) faults = applyFaultsPatch(faults, options.faults);
  const seed = options.seed ?? seedFromEnv(env);
  const store = new SandboxStore();
  const ctx: SandboxContext = {
    clientId: options.clientId,
    passKey: options.passKey,
    onboardingPartners: {
      SDK: options.onboardingPartners?.SDK ?? options.onboardingPartner,
      WEB_SDK: options.onboardingPartners?.WEB_SDK ?? options.onboardingPartner,
    },
    onboardingPartnerHeader: options.onboardingPartnerHeader ?? onboardingHeaderModeFromEnv(env) ?? 'both',
    target: {
      callbackUrl: options.callbackUrl,
      callbackMethod: (options.callbackMethod ?? 'POST') as CallbackMethod,
      callbackAuthHeader: (options.callbackAuthHeader ?? 'authorization').toLowerCase(),
      callbackAuthValue: options.callbackAuthValue,
    },
    faults,
    initialFaults: structuredClone(faults),
    seed,
    faultRandom: makeRandom(seed),
    dataRandom: makeRandom(seed === undefined ? undefined : seed + 1),
    store,
    callbacks: undefined as unknown as CallbackDispatcher,
    imageKey:
      seed === undefined ? randomBytes(32) : createHash('sha256').update(`sandbox-images:${seed}`).digest(),
    baseUrl: '',
    held: new Set(),
  };
  ctx.callbacks = new CallbackDispatcher(
    () => ctx.target,
    () => ctx.faults.callbacks,
    ctx.faultRandom,
    () => ctx.store.stats,
  );

  const app = buildSandboxApp(ctx, options.log ?? boolFromEnv(env, 'SANDBOX_LOG') ?? false);
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const host = options.host && !['0.0.0.0', '::'].includes(options.host) ? options.host : '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  ctx.baseUrl = url;

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    close: () => {
      closed ??= (async () => {
        ctx.callbacks.close();
        for (const reply of ctx.held) reply.raw.destroy();
        ctx.held.clear();
        await app.close();
      })();
      return closed;
    },
  };
}

function buildSandboxApp(ctx: SandboxContext, log: boolean): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    forceCloseConnections: true,
    // Request lines only: the serializers keep headers (tokens, pass keys) and bodies out.
    logger: log
      ? {
          level: 'info',
          serializers: {
            req: (req) => ({ method: req.method, path: req.url.split('?')[0] }),
            res: (res) => ({ statusCode: res.statusCode }),
          },
        }
      : false,
  });
  // Unparseable bodies and other framework errors: the provider's envelope on provider routes.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (req.url.startsWith('/sandbox')) return reply.code(status).send({ error: err.message });
    const body =
      status === 500
        ? providerError('900', 'GENERIC_SERVICE_ERROR')
        : providerError('1539', 'INVALID_REQUEST_BODY');
    return reply
      .code(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(body));
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/sandbox'))
      return reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` });
    return reply
      .code(404)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(providerError('404', 'NOT_FOUND')));
  });
  registerProviderRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  registerImageRoutes(app, ctx);
  return app;
}
