// helmet's security headers. With this configuration they depend on nothing in the request (no
// CSP nonces), so helmet runs once, against a stand-in response, and every answer gets the
// recorded headers: running its middleware chain per request cost a few percent of a callback's
// CPU in the bench's profiles. helmet stays the source of every value.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

// helmet itself, resolved as @fastify/helmet's own dependency (the version it was tested with).
const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))(
  'helmet',
) as typeof import('helmet').default;

export interface StaticHeaders {
  set: Record<string, string>;
  removed: string[];
}

export function securityHeaders(): StaticHeaders {
  return staticHeadersOf(
    helmet({
      // Swagger UI needs inline styles/scripts; everything else keeps helmet's defaults.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
          scriptSrc: ["'self'", "'unsafe-inline'"],
        },
      },
    }),
  );
}

type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The headers a request-independent middleware sets and removes, recorded by running it once
 * against a stand-in response. Throws if it fails or does not finish synchronously.
 */
export function staticHeadersOf(middleware: NodeMiddleware): StaticHeaders {
  const set: Record<string, string> = {};
  const removed: string[] = [];
  const res = {
    setHeader: (name: string, value: unknown) => {
      set[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete set[name.toLowerCase()];
      removed.push(name.toLowerCase());
    },
    getHeader: (name: string) => set[name.toLowerCase()],
  } as unknown as ServerResponse;
  let failure: unknown;
  let finished = false;
  middleware({ headers: {} } as IncomingMessage, res, (err?: unknown) => {
    failure = err;
    finished = true;
  });
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  if (!finished) throw new Error('security headers middleware did not finish synchronously');
  return { set, removed };
}
