// A limit on how deeply a JSON body may nest, checked on the raw bytes before parsing.
// class-transformer and class-validator recurse once per level of the parsed body, so a body of
// a few thousand nested arrays or objects (a few KiB) overflowed the stack and answered 500. No
// request of this service nests more than a handful of levels (a callback: 4).
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const MAX_JSON_DEPTH = 32;
const OPENERS = [0x7b /* { */, 0x5b /* [ */] as const;

/** True when `body` (JSON text) opens more than `max` objects/arrays at once; strings are skipped. */
export function exceedsJsonDepth(body: Buffer | string, max = MAX_JSON_DEPTH): boolean {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  // Fast path (every ordinary body): at most `max` brackets open in all, so never `max` deep.
  // indexOf runs natively; the byte loop below runs only for bodies with many brackets.
  let opens = 0;
  for (const open of OPENERS) {
    for (let i = bytes.indexOf(open); i !== -1 && opens <= max; i = bytes.indexOf(open, i + 1)) opens++;
  }
  if (opens <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

export class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_CTP_BODY_TOO_DEEP';
  constructor(max: number) {
    super(`Body is nested too deeply (more than ${max} levels of objects and arrays)`);
    this.name = 'JsonTooDeepError';
  }
}

type Done = (err: Error | null, body?: unknown) => void;

/** Fastify's own JSON parser (prototype-poisoning protection included) behind the depth check. */
export function depthLimitedJsonParser(fastify: FastifyInstance, max = MAX_JSON_DEPTH) {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (req: FastifyRequest, body: Buffer, done: Done): void => {
    if (exceedsJsonDepth(body, max)) return done(new JsonTooDeepError(max), undefined);
    parse(req, body as unknown as string, done);
  };
}
