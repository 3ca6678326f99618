// The one table from error codes to answers: every feature error leaves with its row's status and
// type, its detail, extensions and headers; validation problems come from the same table.
import { Logger } from '@nestjs/common';
import { FeatureError, PROBLEM_TYPE_BASE, SimpleFeatureError } from './problem.js';
import { PROBLEMS, ProblemDetailsFilter } from './problem-details.filter.js';
import { validationProblem } from './validation.js';

class TestError extends SimpleFeatureError<'IDEMPOTENCY_IN_PROGRESS' | 'VERIFICATION_NOT_FOUND'> {}

function answer(exception: unknown) {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const reply = {
    sent: false,
    header(k: string, v: string) {
      sent.headers[k] = v;
      return reply;
    },
    status(s: number) {
      sent.status = s;
      return reply;
    },
    send(b: string) {
      sent.body = JSON.parse(b);
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ method: 'GET', url: '/x' }) }),
  };
  new ProblemDetailsFilter().catch(exception, host as never);
  return sent;
}

describe('ProblemDetailsFilter and its table', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('should give every code an error status', () => {
    for (const [code, row] of Object.entries(PROBLEMS)) {
      expect(row.status, code).toBeGreaterThanOrEqual(400);
      expect(row.status, code).toBeLessThan(600);
    }
  });

  it("should answer a feature error with its row's status and type, its detail, extensions and headers", () => {
    const sent = answer(
      new TestError('IDEMPOTENCY_IN_PROGRESS', 'still going', { n: 1 }, { 'retry-after': '1' }),
    );
    expect(sent.status).toBe(409);
    expect(sent.headers['retry-after']).toBe('1');
    expect(sent.body).toEqual({
      type: `${PROBLEM_TYPE_BASE}idempotency-in-progress`,
      title: 'Conflict',
      status: 409,
      detail: 'still going',
      n: 1,
    });
    expect(answer(new TestError('VERIFICATION_NOT_FOUND', 'No verification')).body).toMatchObject({
      type: `${PROBLEM_TYPE_BASE}not-found`,
      status: 404,
    });
    expect(new TestError('VERIFICATION_NOT_FOUND', 'x')).toBeInstanceOf(FeatureError);
  });

  it('should build every 400 as a validation problem naming the fields', () => {
    const sent = answer(validationProblem([{ field: 'a', message: 'a is required' }]));
    expect(sent.status).toBe(400);
    expect(sent.body).toEqual({
      type: `${PROBLEM_TYPE_BASE}validation-error`,
      title: 'Validation failed',
      status: 400,
      detail: 'Invalid request: a',
      errors: [{ field: 'a', message: 'a is required' }],
    });
  });
});
