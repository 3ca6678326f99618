// Which errors mean "the database cannot be reached right now" (stopped, restarting, the
// connection cut, the pool unable to connect in time) as opposed to a bug or a refused statement.
// The first kind is a 503 with Retry-After (the contract: a request fails fast and may be retried;
// the provider retries a callback); the second stays a 500.

/** SQLSTATEs of a server that is going away, starting, or refusing connections (class 08, 57P0x, 53300). */
const UNAVAILABLE_SQLSTATES = new Set([
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '08007', // transaction_resolution_unknown
  '57P01', // admin_shutdown (fast shutdown, pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
]);

/** Socket errors of the connection to the database. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What node-postgres and its pool say when a connection dies or cannot be had in time. */
const DRIVER_MESSAGES = [
  /^Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
];

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATES.has(e.code) || NETWORK_CODES.has(e.code)))
    return true;
  if (typeof e.message === 'string' && DRIVER_MESSAGES.some((re) => re.test(e.message as string)))
    return true;
  // TypeORM wraps the driver's error (QueryFailedError.driverError); a dual-stack connect fails as an AggregateError.
  if (e.driverError && isDatabaseUnavailable(e.driverError, depth + 1)) return true;
  if (Array.isArray(e.errors)) return e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
  return false;
}

/**
 * PostgreSQL cannot store U+0000 in text (22021: "invalid byte sequence for encoding UTF8: 0x00")
 * nor in jsonb (22P05: "unsupported Unicode escape sequence"). A request carrying one is bad input
 * (400), whichever field it came in; nothing of it was stored (the statement failed).
 */
export function isUnstorableText(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.driverError?.code;
  return code === '22021' || code === '22P05';
}

/** Seconds a client should wait before trying again (a restart or failover takes a few seconds). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
