// Opaque, tamper-evident keyset cursors for the admin lists. A cursor names the last row of a
// page by its sort key (timestamp with microseconds, id) and is HMAC-signed with a key of its
// own (HKDF from the blind-index key), bound to the list it came from and to that list's filters,
// so it can be neither forged nor replayed against other filters. It carries no personal data:
// filter values enter only through a keyed fingerprint.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { validationProblem } from '../common/validation.js';

const VERSION = 1;
const HKDF_INFO = 'onekyc-admin-cursor-v1';
/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`: the database's full precision, so no row is skipped or repeated. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID_PATTERNS = {
  submissions: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  'unmatched-callbacks': /^[1-9][0-9]{0,18}$/,
  'webhook-deliveries': /^[1-9][0-9]{0,18}$/,
  'audit-log': /^[1-9][0-9]{0,18}$/,
} as const;

export type CursorKind = keyof typeof ID_PATTERNS;

/** Where the previous page ended: the sort key of its last row. */
export interface KeysetPosition {
  /** UTC, microsecond precision (see TIMESTAMP). */
  at: string;
  id: string;
}

/** The list's filters (`undefined`/`null` ignored); they enter the cursor only as a keyed digest. */
export type CursorFilters = Record<string, string | number | boolean | undefined | null>;

export class InvalidCursorError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidCursorError';
  }
}

interface Payload {
  v: number;
  k: CursorKind;
  t: string;
  i: string;
  f: string;
}

export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, 32));
  }

  encode(kind: CursorKind, position: KeysetPosition, filters: CursorFilters): string {
    const payload: Payload = {
      v: VERSION,
      k: kind,
      t: position.at,
      i: position.id,
      f: this.fingerprint(filters),
    };
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  /** The position a cursor names; throws InvalidCursorError when it is malformed, forged or for another list. */
  decode(kind: CursorKind, cursor: string, filters: CursorFilters): KeysetPosition {
    const parts = cursor.split('.');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new InvalidCursorError('cursor is malformed');
    const [body, tag] = parts;
    // Compared as text, so a non-canonical spelling of the same tag is refused as well.
    const presented = Buffer.from(tag, 'utf8');
    const expected = Buffer.from(this.sign(body).toString('base64url'), 'utf8');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new InvalidCursorError('cursor is invalid or was altered');
    }
    let payload: Partial<Payload>;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Payload>;
    } catch {
      throw new InvalidCursorError('cursor is malformed');
    }
    // Signed by us, so these checks only guard against our own older formats.
    if (payload?.v !== VERSION) throw new InvalidCursorError('cursor version is not supported');
    if (payload.k !== kind) throw new InvalidCursorError('cursor belongs to another list');
    if (typeof payload.t !== 'string' || !TIMESTAMP.test(payload.t)) {
      throw new InvalidCursorError('cursor is malformed');
    }
    if (typeof payload.i !== 'string' || !ID_PATTERNS[kind].test(payload.i)) {
      throw new InvalidCursorError('cursor is malformed');
    }
    if (payload.f !== this.fingerprint(filters)) {
      throw new InvalidCursorError('cursor was issued for other filters; start again without it');
    }
    return { at: payload.t, id: payload.i };
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.key).update(`cursor:${body}`).digest();
  }

  /** Keyed, order-independent digest of the filters (128 bits). */
  private fingerprint(filters: CursorFilters): string {
    const canonical = Object.keys(filters)
      .filter((k) => filters[k] !== undefined && filters[k] !== null)
      .sort()
      .map((k) => [k, String(filters[k])]);
    return createHmac('sha256', this.key)
      .update(`filters:${JSON.stringify(canonical)}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }
}

/** A list's `cursor` parameter: its position, or a 400 naming `cursor`. */
export function decodeCursorParam(
  codec: CursorCodec,
  kind: CursorKind,
  cursor: string,
  filters: CursorFilters,
): KeysetPosition {
  try {
    return codec.decode(kind, cursor, filters);
  } catch (err) {
    if (err instanceof InvalidCursorError)
      throw validationProblem([{ field: 'cursor', message: err.message }]);
    throw err;
  }
}

/** `nextCursor` of a page read with one row more than its size: null when that row did not exist. */
export function nextPageCursor(
  codec: CursorCodec,
  kind: CursorKind,
  rows: { id: string; sort_at: string }[],
  page: { id: string; sort_at: string }[],
  filters: CursorFilters,
): string | null {
  const last = page.at(-1);
  if (rows.length <= page.length || !last) return null;
  return codec.encode(kind, { at: last.sort_at, id: last.id }, filters);
}
