// Errors Fastify answers itself, before Nest and its exception filter see the request: a path that
// is not valid percent-encoding, a path parameter over maxParamLength (414), and what Node's HTTP
// parser refuses (a head over 16 KiB: 431; malformed requests: 400). They leave as problem+json too
// (the contract's error shape), and the connection-level ones say `Connection: close`, so a keep-alive
// client does not send its next request on a socket the server is destroying.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problem } from './problem.js';

export const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/** Fastify's `frameworkErrors` option. */
export function frameworkErrorHandler(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status =
    error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
      ? error.statusCode
      : 400;
  const detail =
    error.code === 'FST_ERR_BAD_URL'
      ? 'The request path is not valid percent-encoding'
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'A path parameter is too long'
        : 'The request could not be routed';
  void reply
    .code(status)
    .header('content-type', PROBLEM_JSON)
    .send(JSON.stringify(problem(status, detail)));
}

/** Fastify's `clientErrorHandler` option: the answer is written to the socket, which is then closed. */
export function clientErrorHandler(
  err: Error & { code?: string; rawPacket?: unknown },
  socket: Duplex,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request head is larger than 16 KiB']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time']
        : [400, 'The request is not valid HTTP'];
  const body = JSON.stringify(problem(status, detail));
  // An answer to HEAD has no body (the client would read it as the start of a next answer).
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_JSON}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    );
  }
  socket.destroy(err);
}
