import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isUnstorableText } from './database-errors.js';

function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe('isDatabaseUnavailable', () => {
  it('should recognise a stopped or restarting server and a cut connection', () => {
    expect(isDatabaseUnavailable(pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('read ECONNRESET', 'ECONNRESET'))).toBe(true);
    expect(
      isDatabaseUnavailable(pgError('terminating connection due to administrator command', '57P01')),
    ).toBe(true);
    expect(isDatabaseUnavailable(pgError('the database system is shutting down', '57P03'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('the database system is starting up', '57P03'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('sorry, too many clients already', '53300'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('should look inside TypeORM QueryFailedError and AggregateError', () => {
    const wrapped = new QueryFailedError('SELECT 1', [], pgError('terminating connection', '57P01'));
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
    const aggregate = new AggregateError(
      [pgError('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')],
      'connect failed',
    );
    expect(isDatabaseUnavailable(aggregate)).toBe(true);
  });

  it('should leave bugs and refused statements alone (they stay 500)', () => {
    expect(isDatabaseUnavailable(pgError('syntax error at or near "SELEC"', '42601'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('simulated failure at commit', 'P0001'))).toBe(false);
    expect(isDatabaseUnavailable(new QueryFailedError('x', [], pgError('duplicate key', '23505')))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});

describe('isUnstorableText', () => {
  it('should recognise a NUL refused in text or jsonb, wrapped or not', () => {
    expect(isUnstorableText(pgError('invalid byte sequence for encoding "UTF8": 0x00', '22021'))).toBe(true);
    expect(
      isUnstorableText(
        new QueryFailedError('x', [], pgError('unsupported Unicode escape sequence', '22P05')),
      ),
    ).toBe(true);
    expect(isUnstorableText(pgError('duplicate key', '23505'))).toBe(false);
    expect(isUnstorableText(null)).toBe(false);
  });
});
