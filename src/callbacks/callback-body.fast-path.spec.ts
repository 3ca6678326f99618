import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, validateSync } from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROVIDER_STATUSES, SUBMISSION_RESULTS } from '../submissions/submission-status.js';
import { OneKycCallbackDto } from './callback-body.dto.js';
import { callbackFastPathRules, fastAccepts, rulesOf } from './callback-body.fast-path.js';
import { CallbackBodyPipe } from './callback-body.pipe.js';

const classValidatorAccepts = (body: unknown) =>
  validateSync(plainToInstance(OneKycCallbackDto, body as object), {
    whitelist: false,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
  }).length === 0;

const providerBody = () => ({
  submissionId: 'c64b4c8c-9a8f-4e9c-b86a-0908291c855e',
  userId: '421453511adsasdl',
  userIdType: 'MY_USER_ID',
  partnerSessionId: 'b719f79b-ae7a-440a-8f9c-5f661ca34e70',
  status: 'COMPLETED',
  result: 'VALID',
  reasonCode: null,
  submissionDetails: {
    verificationResult: { nik: 'PASS', name: 'PASS', dateOfBirth: 'PASS', selfie: 'PASS' },
    ktpData: {
      nik: '3208201808850001',
      name: 'JOHN DOE',
      dateOfBirth: '18-02-1960',
      address: 'JL. MERDEKA NO. 1',
      province: 'DKI JAKARTA',
      city: 'JAKARTA SELATAN',
      district: 'KEBAYORAN BARU',
    },
    certificateRegistration: {
      eligibleToActivate: true,
      onboardingCode: 'NEW_USER',
      shouldSkipActivation: true,
    },
    imageUrls: {
      KTP: 'https://img.example/ktp',
      SELFIE: 'https://img.example/selfie',
      ADDITIONAL_SELFIE: 'https://x',
    },
  },
});

// Values around every rule: right and wrong types, empty, at and past the length limits, unicode.
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.string({ maxLength: 10 }),
  fc.string({ minLength: 60, maxLength: 210 }),
  fc.constantFrom(
    '😀'.repeat(64),
    '😀'.repeat(65),
    'x'.repeat(128),
    'x'.repeat(129),
    'x'.repeat(200),
    'x'.repeat(201),
  ),
  fc.constantFrom(...PROVIDER_STATUSES, ...SUBMISSION_RESULTS, 'completed', 'PASS'),
  fc.integer(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.constant({ nik: 'PASS' }),
);

const mutated = fc
  .record({
    edits: fc.array(
      fc.record({
        path: fc.constantFrom(
          ['submissionId'],
          ['partnerSessionId'],
          ['status'],
          ['result'],
          ['reasonCode'],
          ['userId'],
          ['userIdType'],
          ['submissionDetails'],
          ['submissionDetails', 'verificationResult'],
          ['submissionDetails', 'verificationResult', 'selfie'],
          ['submissionDetails', 'ktpData'],
          ['submissionDetails', 'ktpData', 'nik'],
          ['submissionDetails', 'ktpData', 'rt'],
          ['submissionDetails', 'certificateRegistration', 'eligibleToActivate'],
          ['submissionDetails', 'certificateRegistration', 'onboardingCode'],
          ['submissionDetails', 'imageUrls'],
          ['submissionDetails', 'imageUrls', 'KTP'],
          ['extraField'],
          ['submissionDetails', 'extra'],
        ),
        value: anyValue,
        remove: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ edits }) => {
    const body: Record<string, any> = providerBody();
    for (const e of edits) {
      let target: any = body;
      for (const k of e.path.slice(0, -1)) {
        if (target === null || typeof target !== 'object') break;
        target = target[k];
      }
      if (target === null || typeof target !== 'object') continue;
      const last = e.path[e.path.length - 1];
      if (e.remove) delete target[last];
      else target[last] = e.value;
    }
    return body;
  });

describe('callback body fast path', () => {
  it('should read its rules from OneKycCallbackDto (every decorator understood: the fast path is on)', () => {
    expect(callbackFastPathRules).not.toBeNull();
    expect(callbackFastPathRules!.partnerSessionId).toEqual({
      kind: 'string',
      optional: false,
      notEmpty: true,
      maxLength: 200,
    });
    expect(callbackFastPathRules!.status).toEqual({ kind: 'in', optional: false, values: PROVIDER_STATUSES });
    const details = callbackFastPathRules!.submissionDetails;
    expect(details).toMatchObject({ kind: 'object', optional: true });
    expect(Object.keys((details as { fields: object }).fields)).toEqual([
      'verificationResult',
      'ktpData',
      'certificateRegistration',
      'eligibleToActivate',
      'imageUrls',
    ]);
  });

  it('should switch itself off for a DTO rule it cannot reproduce, and follow a rule it can', () => {
    class WithEmail {
      @IsOptional() @IsString() @MaxLength(10) name?: string;
      @IsEmail() email!: string;
    }
    expect(rulesOf(WithEmail)).toBeNull();
    class Plain {
      @IsOptional() @IsString() @MaxLength(10) name?: string;
    }
    expect(rulesOf(Plain)).toEqual({
      name: { kind: 'string', optional: true, notEmpty: false, maxLength: 10 },
    });
  });

  it('should accept the bodies the provider sends', () => {
    expect(fastAccepts(providerBody())).toBe(true);
    expect(
      fastAccepts({ ...providerBody(), status: 'IN_PROGRESS', result: undefined, submissionDetails: null }),
    ).toBe(true);
  });

  it('should never accept a body class-validator refuses', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutated, (body) => {
        if (fastAccepts(body)) {
          accepted++;
          expect(classValidatorAccepts(body)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    // The property must exercise the fast path, not only the fallback.
    expect(accepted).toBeGreaterThan(300);
  });

  it('should leave bodies with fields it does not know to class-validator (still accepted there)', () => {
    const body = { ...providerBody(), addedLater: { anything: [1, 2] } };
    expect(fastAccepts(body)).toBe(false);
    const pipe = new CallbackBodyPipe({ count: () => undefined } as never);
    expect(pipe.transform(body)).toBe(body);
  });
});
