import {
  errorCode,
  interpretResponse,
  parseEnvelope,
  parseInstant,
  parseRetryAfter,
  transportFailure,
} from './onekyc-envelope.js';
import { OneKycErrorKind, OneKycException } from './onekyc.exception.js';

const res = (status: number, body: unknown, headers: Record<string, unknown> = {}) => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers,
});
const failure = (code: string, cause: string) => ({
  success: false,
  data: null,
  errors: [{ code, cause, entity: 'ESIGN_ADAPTER' }],
});

function thrown(fn: () => unknown): OneKycException {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OneKycException);
    return err as OneKycException;
  }
  throw new Error('expected a OneKycException');
}

describe('provider envelope', () => {
  it('should parse success and failure envelopes, and refuse anything else', () => {
    expect(parseEnvelope('{"success":true,"data":{"a":1}}')).toEqual({ success: true, data: { a: 1 } });
    expect(parseEnvelope(JSON.stringify(failure('1539', 'INVALID_FLOW')))).toEqual({
      success: false,
      errors: [{ code: '1539', cause: 'INVALID_FLOW', entity: 'ESIGN_ADAPTER' }],
    });
    expect(parseEnvelope('{"success":false,"errors":[{"code":110}]}')).toEqual({
      success: false,
      errors: [{ code: '110', cause: undefined, entity: undefined }],
    });
    expect(parseEnvelope('<html>502 Bad Gateway</html>')).toBeUndefined();
    expect(parseEnvelope('[]')).toBeUndefined();
    expect(parseEnvelope('{"data":{}}')).toBeUndefined();
  });

  it('should return data of a 2xx success', () => {
    expect(interpretResponse('token', res(200, { success: true, data: { token: 't' } }))).toEqual({
      token: 't',
    });
  });

  it('should treat an unreadable 2xx as temporary and ambiguous (the provider may have acted)', () => {
    const e = thrown(() => interpretResponse('initiateFlow', res(200, 'not json')));
    expect(e.kind).toBe(OneKycErrorKind.TEMPORARY_INVALID_RESPONSE);
    expect(e.ambiguous).toBe(true);
    expect(e.isTemporary).toBe(true);
  });

  it.each([
    [400, '1650', 'MISSING_CLIENT_ID', OneKycErrorKind.VALIDATION],
    [400, '1539', 'INVALID_FLOW', OneKycErrorKind.VALIDATION],
    [400, '1539', 'DUPLICATE_PARTNER_SESSION_ID', OneKycErrorKind.DUPLICATE_SESSION],
    [400, '1653', 'SUBMISSION_DOES_NOT_BELONG_TO_USER', OneKycErrorKind.SUBMISSION_NOT_OWNED],
    [401, '110', 'UNAUTHORIZED', OneKycErrorKind.UNAUTHORIZED],
    [403, '110', 'ONBOARDING_PARTNER_DOES_NOT_BELONG_TO_CLIENT', OneKycErrorKind.CONFIGURATION],
    [403, '903', 'FORBIDDEN', OneKycErrorKind.CONFIGURATION],
    [400, '1550', 'PARTNER_USER_ID_CAN_NOT_BE_EMPTY', OneKycErrorKind.CONFIGURATION],
    [403, '7', 'SOMETHING_ELSE', OneKycErrorKind.FORBIDDEN],
    [404, '1514', 'USER_NOT_FOUND', OneKycErrorKind.NOT_FOUND],
    [404, '1518', 'USER_NOT_FOUND', OneKycErrorKind.NOT_FOUND],
    [400, '1552', 'SUBMISSION_DOES_NOT_EXIST', OneKycErrorKind.NOT_FOUND],
    [400, '1553', 'PARTNER_SESSION_ID_DOES_NOT_BELONG_TO_THE_USER', OneKycErrorKind.SUBMISSION_NOT_OWNED],
    [400, '1552', 'A_NEW_WORDING', OneKycErrorKind.NOT_FOUND],
    [404, '9999', 'SUBMISSION_DOES_NOT_EXIST', OneKycErrorKind.NOT_FOUND],
    [400, '9999', 'PARTNER_SESSION_ID_DOES_NOT_BELONG_TO_THE_USER', OneKycErrorKind.SUBMISSION_NOT_OWNED],
    [409, '1', 'CONFLICT', OneKycErrorKind.REJECTED],
  ])(
    'should map %i %s %s to a permanent %s with code and cause (cause first, then code, then status)',
    (status, code, cause, kind) => {
      const e = thrown(() => interpretResponse('initiateFlow', res(status, failure(code, cause))));
      expect(e.kind).toBe(kind);
      expect(e.isTemporary).toBe(false);
      expect(e.ambiguous).toBe(false);
      expect(e.code).toBe(code);
      expect(e.providerCause).toBe(cause);
      expect(e.entity).toBe('ESIGN_ADAPTER');
      expect(e.httpStatus).toBe(status);
    },
  );

  it('should map 5xx (with or without an envelope) to a temporary, ambiguous server error', () => {
    const e = thrown(() =>
      interpretResponse('initiateFlow', res(500, failure('900', 'GENERIC_SERVICE_ERROR'))),
    );
    expect(e).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_SERVER_ERROR, code: '900', ambiguous: true });
    const html = thrown(() =>
      interpretResponse('getSubmissionDetails', res(502, '<html>bad gateway</html>')),
    );
    expect(html).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_SERVER_ERROR, code: undefined });
    expect(html.isOutage).toBe(true);
  });

  it('should map 429 to a temporary, unambiguous throttle with its Retry-After', () => {
    const e = thrown(() => interpretResponse('token', res(429, '', { 'retry-after': '3' })));
    expect(e).toMatchObject({
      kind: OneKycErrorKind.TEMPORARY_THROTTLED,
      ambiguous: false,
      retryAfterSeconds: 3,
    });
    expect(e.isOutage).toBe(false);
    const noHeader = thrown(() => interpretResponse('token', res(429, '')));
    expect(noHeader.retryAfterSeconds).toBe(1);
  });

  it('should keep the provider error of a 2xx that says success:false', () => {
    const e = thrown(() => interpretResponse('initiateFlow', res(200, failure('1539', 'INVALID_SOURCE'))));
    expect(e).toMatchObject({ kind: OneKycErrorKind.VALIDATION, providerCause: 'INVALID_SOURCE' });
  });
});

describe('socket failures', () => {
  it('should mark a refused connection as not sent, and a reset or timeout as ambiguous', () => {
    const refused = transportFailure(
      'initiateFlow',
      Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      false,
    );
    expect(refused).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_NETWORK, ambiguous: false });
    const reset = transportFailure(
      'initiateFlow',
      Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      false,
    );
    expect(reset).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_NETWORK, ambiguous: true });
    const timeout = transportFailure(
      'initiateFlow',
      Object.assign(new Error('x'), { code: 'ERR_CANCELED' }),
      true,
    );
    expect(timeout).toMatchObject({ kind: OneKycErrorKind.TEMPORARY_TIMEOUT, ambiguous: true });
    const unknown = transportFailure('initiateFlow', new Error('weird'), false);
    expect(unknown.ambiguous).toBe(true);
  });

  it('should look through wrapping errors and happy-eyeballs AggregateErrors', () => {
    const inner = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    expect(errorCode(Object.assign(new Error('wrapper'), { code: 'ERR_NETWORK', cause: inner }))).toBe(
      'ECONNREFUSED',
    );
    const allRefused = Object.assign(new AggregateError([inner, inner]), { code: 'ECONNREFUSED' });
    expect(errorCode(allRefused)).toBe('ECONNREFUSED');
    const mixed = new AggregateError([inner, Object.assign(new Error('t'), { code: 'ETIMEDOUT' })]);
    expect(errorCode(mixed)).toBe('ETIMEDOUT');
  });
});

describe('value parsing', () => {
  it('should read Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(['2'])).toBe(2);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('should read instants as epoch seconds, epoch ms, numeric strings or ISO dates', () => {
    expect(parseInstant('1732600000')).toBe(1_732_600_000_000);
    expect(parseInstant(1_732_600_000)).toBe(1_732_600_000_000);
    expect(parseInstant(1_732_600_000_123)).toBe(1_732_600_000_123);
    expect(parseInstant('2024-11-26T05:46:40Z')).toBe(1_732_600_000_000);
    expect(parseInstant('')).toBeUndefined();
    expect(parseInstant('tomorrow')).toBeUndefined();
  });
});
