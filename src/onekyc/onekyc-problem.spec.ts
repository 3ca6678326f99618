import { problemFor } from '../common/problem-details.filter.js';
import { OneKycErrorKind, OneKycException } from './onekyc.exception.js';

/** What the problem filter answers for the exception: its table row, body and headers. */
const oneKycProblem = (err: OneKycException) => ({
  problem: problemFor(err.problemCode, err.problemDetail(), err.problemExtensions()),
  headers: err.problemHeaders(),
});

describe('OneKycException as problem+json', () => {
  it("should answer a provider refusal with 502 and the provider's cause and code", () => {
    const p = oneKycProblem(
      new OneKycException({
        kind: OneKycErrorKind.VALIDATION,
        operation: 'initiateFlow',
        httpStatus: 400,
        code: '1539',
        cause: 'PHONE_NUMBER_VERIFICATION_MUST_BE_TRUE',
        message: 'x',
      }),
    );
    expect(p.problem).toMatchObject({
      status: 502,
      cause: 'PHONE_NUMBER_VERIFICATION_MUST_BE_TRUE',
      code: '1539',
    });
    expect(p.headers).toEqual({});
  });

  it.each([
    [OneKycErrorKind.TEMPORARY_SERVER_ERROR, 500, '900', undefined, '5'],
    [OneKycErrorKind.TEMPORARY_THROTTLED, 429, '429', 0.2, '1'],
  ])(
    'should answer %s (the provider answered %s) with 502, its code and Retry-After',
    (kind, httpStatus, code, retryAfterSeconds, header) => {
      const p = oneKycProblem(
        new OneKycException({
          kind,
          operation: 'initiateFlow',
          message: 'x',
          httpStatus,
          code,
          retryAfterSeconds,
        }),
      );
      expect(p.problem).toMatchObject({ status: 502, code });
      expect(p.headers['retry-after']).toBe(header);
    },
  );

  it.each([
    [OneKycErrorKind.TEMPORARY_TIMEOUT, undefined, '5'],
    [OneKycErrorKind.TEMPORARY_NETWORK, undefined, '5'],
    [OneKycErrorKind.TEMPORARY_CIRCUIT_OPEN, 8, '8'],
    [OneKycErrorKind.TEMPORARY_RATE_LIMITED, 1, '1'],
  ])(
    'should answer %s (no answer from the provider) with 503 and Retry-After %s→%s',
    (kind, retryAfterSeconds, header) => {
      const p = oneKycProblem(
        new OneKycException({ kind, operation: 'initiateFlow', message: 'x', retryAfterSeconds }),
      );
      expect(p.problem.status).toBe(503);
      expect(p.headers['retry-after']).toBe(header);
    },
  );
});
