import { CENSOR, redacted } from './logging.module.js';

describe('redacted (log line fields)', () => {
  it('replaces sensitive keys at any depth and leaves the rest, without touching the input', () => {
    const input = {
      id: 'sub-1',
      nik: '3171000000000001',
      detail: {
        status: 'COMPLETED',
        ktpData: { nik: 'x' },
        items: [{ email: 'a@example.test', kind: 'KTP' }],
      },
      headers: { authorization: 'Bearer k', 'set-cookie': 's', accept: 'json' },
    };
    const copy = structuredClone(input);
    expect(redacted(input)).toEqual({
      id: 'sub-1',
      nik: CENSOR,
      detail: { status: 'COMPLETED', ktpData: CENSOR, items: [{ email: CENSOR, kind: 'KTP' }] },
      headers: { authorization: CENSOR, 'set-cookie': CENSOR, accept: 'json' },
    });
    expect(input).toEqual(copy);
  });

  it('returns the same object when nothing is sensitive (no copy on the hot path)', () => {
    const clean = { submissionId: 's', status: 'COMPLETED', nested: { kind: 'KTP', n: [1, 2] } };
    expect(redacted(clean)).toBe(clean);
  });

  it('drops what is nested deeper than any line the service writes', () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { nik: 'x' } } } } } } } };
    expect(JSON.stringify(redacted(deep))).not.toContain('"x"');
  });

  it('leaves errors to the error serializer', () => {
    const err = new Error('boom');
    expect(redacted({ err }).err).toBe(err);
  });
});
