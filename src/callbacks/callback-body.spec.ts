import { ProblemException } from '../common/problem.js';
import { CallbackBodyPipe } from './callback-body.pipe.js';
import { dedupeKey, isOurSessionIdFormat } from '../submissions/provider-result.js';
import { toTransitionInput } from './callbacks.service.js';
import type { CallbackMetrics } from './callback-metrics.js';

const counted: string[] = [];
const pipe = new CallbackBodyPipe({ count: (o: string) => counted.push(o) } as unknown as CallbackMetrics);

const valid = () => ({
  submissionId: 'c64b4c8c-9a8f-4e9c-b86a-0908291c855e',
  userId: 'user-1',
  userIdType: 'USER_ID',
  partnerSessionId: '5b0cbb8e-6a5c-4c69-9d64-0d6a1c1e9a01',
  status: 'COMPLETED',
  result: 'VALID',
  submissionDetails: {
    verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
    ktpData: { nik: '3171999999990001', name: 'SYNTHETIC PERSON', dateOfBirth: '01-01-1990' },
    certificateRegistration: { eligibleToActivate: true, onboardingCode: 'NEW_USER' },
    imageUrls: { KTP: 'https://img.example/ktp.jpg' },
  },
});

function problemOf(value: unknown): { detail: string; errors?: { field: string }[] } {
  try {
    pipe.transform(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemException);
    const p = (err as ProblemException).problem;
    expect(p.status).toBe(400);
    return p as any;
  }
  throw new Error('expected a 400');
}

describe('CallbackBodyPipe (unit)', () => {
  it('should accept the documented body and return it untouched, as a plain object', () => {
    const body = valid();
    const out = pipe.transform(body);
    expect(out).toBe(body);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('should tolerate fields the provider adds later, at any depth, and keep them', () => {
    const body = { ...valid(), newTopLevel: { a: 1 } } as any;
    body.submissionDetails.ktpData.newField = 'x';
    body.submissionDetails.liveness = { score: 0.99 };
    const out = pipe.transform(body) as any;
    expect(out.newTopLevel).toEqual({ a: 1 });
    expect(out.submissionDetails.ktpData.newField).toBe('x');
  });

  it('should not throw on own constructor, prototype or __proto__ keys at any depth, and drop them', () => {
    const body = {
      ...valid(),
      extra: { constructor: 'x', nested: [{ constructor: null }] },
      submissionDetails: {
        ...valid().submissionDetails,
        ktpData: { nik: '3171999999990001', constructor: 1 },
      },
    } as Record<string, any>;
    Object.defineProperty(body, 'prototype', {
      value: 'p',
      enumerable: true,
      configurable: true,
      writable: true,
    });
    const out = pipe.transform(body) as Record<string, any>;
    expect(out).toBe(body);
    expect(Object.hasOwn(out.extra, 'constructor')).toBe(false);
    expect(Object.hasOwn(out.extra.nested[0], 'constructor')).toBe(false);
    expect(Object.hasOwn(out, 'prototype')).toBe(false);
    expect(out.submissionDetails.ktpData).toEqual({ nik: '3171999999990001' });
    expect(problemOf({ ...valid(), status: [{ constructor: 'x' }] }).errors!.map((e) => e.field)).toContain(
      'status',
    );
  });

  it('should accept an absent or null result and absent details', () => {
    const { result: _r, submissionDetails: _d, ...rest } = valid();
    expect(() => pipe.transform({ ...rest, status: 'IN_PROGRESS' })).not.toThrow();
    expect(() => pipe.transform({ ...rest, status: 'ERROR', result: null, reasonCode: null })).not.toThrow();
    expect(() => pipe.transform({ ...rest, result: 'REJECTED' })).not.toThrow();
  });

  it('should refuse a body that is not a JSON object', () => {
    for (const v of [undefined, null, 'text', 42, [], [valid()]]) {
      expect(problemOf(v).errors).toEqual([{ field: 'body', message: 'body must be a JSON object' }]);
    }
  });

  it.each([
    ['partnerSessionId', { partnerSessionId: undefined }],
    ['partnerSessionId', { partnerSessionId: '' }],
    ['partnerSessionId', { partnerSessionId: 123 }],
    ['partnerSessionId', { partnerSessionId: 'x'.repeat(201) }],
    ['submissionId', { submissionId: undefined }],
    ['submissionId', { submissionId: '' }],
    ['submissionId', { submissionId: { id: 1 } }],
    ['status', { status: undefined }],
    ['status', { status: 'DONE' }],
    ['status', { status: 'EXPIRED' }],
    ['result', { result: 'MAYBE' }],
    ['result', { result: true }],
    ['reasonCode', { reasonCode: 7 }],
    ['submissionDetails', { submissionDetails: 'x' }],
    ['submissionDetails', { submissionDetails: [] }],
    ['submissionDetails.ktpData', { submissionDetails: { ktpData: 'x' } }],
    ['submissionDetails.ktpData.nik', { submissionDetails: { ktpData: { nik: 3171999999990001 } } }],
    ['submissionDetails.imageUrls.KTP', { submissionDetails: { imageUrls: { KTP: 1 } } }],
    [
      'submissionDetails.certificateRegistration.eligibleToActivate',
      { submissionDetails: { certificateRegistration: { eligibleToActivate: 'yes' } } },
    ],
  ])('should refuse a bad %s, naming the field', (field, patch) => {
    const p = problemOf({ ...valid(), ...patch });
    expect(p.errors!.map((e) => e.field)).toContain(field);
    expect(p.detail).toContain(field);
  });

  it('should count refusals as invalid', () => {
    counted.length = 0;
    problemOf([]);
    problemOf({});
    expect(counted).toEqual(['invalid', 'invalid']);
  });
});

describe('callback mapping (unit)', () => {
  it('should map the body onto the store transition, with the de-duplication key', () => {
    const body = pipe.transform(valid());
    const input = toTransitionInput(body);
    expect(input).toMatchObject({
      status: 'COMPLETED',
      result: 'VALID',
      reasonCode: null,
      providerSubmissionId: 'c64b4c8c-9a8f-4e9c-b86a-0908291c855e',
      verificationResult: { nik: 'PASS' },
      certificateRegistration: { eligibleToActivate: true },
      ktpData: { nik: '3171999999990001' },
      imageUrls: { KTP: 'https://img.example/ktp.jpg' },
      event: {
        type: 'CALLBACK',
        source: 'callback',
        dedupeKey: 'c64b4c8c-9a8f-4e9c-b86a-0908291c855e:COMPLETED:VALID',
      },
    });
    expect(input.event.payload).toBe(body);
  });

  it('should map absent parts to null', () => {
    const input = toTransitionInput({
      submissionId: 's1',
      partnerSessionId: 'p',
      status: 'IN_PROGRESS',
    } as any);
    expect(input).toMatchObject({
      result: null,
      ktpData: null,
      imageUrls: null,
      verificationResult: null,
      certificateRegistration: null,
    });
    expect(dedupeKey({ submissionId: 's1', status: 'IN_PROGRESS', result: null })).toBe('s1:IN_PROGRESS:');
  });

  it('should recognise only UUIDs as session ids we could have issued', () => {
    expect(isOurSessionIdFormat('5b0cbb8e-6a5c-4c69-9d64-0d6a1c1e9a01')).toBe(true);
    expect(isOurSessionIdFormat('5B0CBB8E-6A5C-4C69-9D64-0D6A1C1E9A01')).toBe(true);
    expect(isOurSessionIdFormat('b719f79b-ae7a-440a-8f9c-5f661ca34e7')).toBe(false); // the guide's example
    expect(isOurSessionIdFormat("x' OR 1=1 --")).toBe(false);
    expect(isOurSessionIdFormat('5b0cbb8e6a5c4c699d640d6a1c1e9a01')).toBe(false);
  });
});
