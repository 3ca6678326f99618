// A fast yes for the callback bodies the provider actually sends. class-transformer plus
// class-validator cost about 50 µs per callback, an eighth of the service's CPU on the hot path
// (bench: callback_ingest profile). This check answers "valid" only for plain bodies made of the
// DTO's own fields with values the DTO's rules certainly accept; anything else (an unknown or
// extra field, a wrong type, an edge case) returns false and goes through class-validator as
// before, so answers, errors and the stored payload do not change.
//
// RULES mirrors callback-body.dto.ts. `inSync` compares it with the DTO's class-validator
// metadata at start: when the DTO changes and RULES does not, the fast path switches itself off
// (and callback-body.fast-path.spec.ts fails, naming the difference).
import { getMetadataStorage } from 'class-validator';
import { PROVIDER_STATUSES, SUBMISSION_RESULTS } from '../submissions/submission-status.js';
import {
  CertificateRegistrationDto,
  ImageUrlsDto,
  KtpDataDto,
  OneKycCallbackDto,
  SubmissionDetailsDto,
  VerificationResultDto,
} from './callback-body.dto.js';

type Rule =
  | { kind: 'string'; optional: boolean; notEmpty?: boolean; maxLength?: number }
  | { kind: 'in'; optional: boolean; values: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'object'; dto: Function; fields: Fields };
type Fields = Record<string, Rule>;

const str: Rule = { kind: 'string', optional: true };
const bool: Rule = { kind: 'boolean' };
const strings = (...names: string[]): Fields => Object.fromEntries(names.map((n) => [n, str]));

const RULES: Fields = {
  submissionId: { kind: 'string', optional: false, notEmpty: true, maxLength: 128 },
  partnerSessionId: { kind: 'string', optional: false, notEmpty: true, maxLength: 200 },
  status: { kind: 'in', optional: false, values: PROVIDER_STATUSES },
  result: { kind: 'in', optional: true, values: SUBMISSION_RESULTS },
  reasonCode: { kind: 'string', optional: true, maxLength: 64 },
  userId: str,
  userIdType: str,
  processedAt: { kind: 'string', optional: true, maxLength: 64 },
  submissionDetails: {
    kind: 'object',
    dto: SubmissionDetailsDto,
    fields: {
      verificationResult: {
        kind: 'object',
        dto: VerificationResultDto,
        fields: strings('nik', 'name', 'dateOfBirth', 'selfie'),
      },
      ktpData: {
        kind: 'object',
        dto: KtpDataDto,
        fields: strings(
          'nik',
          'name',
          'region',
          'dateOfBirth',
          'bloodType',
          'religion',
          'province',
          'city',
          'address',
          'district',
          'town',
          'gender',
          'rt',
          'rw',
          'occupation',
          'validUntil',
          'citizenship',
          'maritalStatus',
          'issuanceDate',
        ),
      },
      certificateRegistration: {
        kind: 'object',
        dto: CertificateRegistrationDto,
        fields: { eligibleToActivate: bool, onboardingCode: str, shouldSkipActivation: bool },
      },
      eligibleToActivate: bool,
      imageUrls: { kind: 'object', dto: ImageUrlsDto, fields: strings('KTP', 'SELFIE', 'ADDITIONAL_SELFIE') },
    },
  },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function fits(value: Record<string, unknown>, fields: Fields): boolean {
  for (const key of Object.keys(value)) if (!Object.hasOwn(fields, key)) return false;
  for (const key in fields) {
    const rule = fields[key];
    const v = value[key];
    if (v === undefined || v === null) {
      // IsOptional skips null and undefined; a required field must be there.
      if ((rule.kind === 'string' || rule.kind === 'in') && !rule.optional) return false;
      continue;
    }
    switch (rule.kind) {
      case 'string':
        if (typeof v !== 'string') return false;
        if (rule.notEmpty && v === '') return false;
        // UTF-16 length ≥ the character count MaxLength uses: never accepts what it refuses.
        if (rule.maxLength !== undefined && v.length > rule.maxLength) return false;
        break;
      case 'in':
        if (typeof v !== 'string' || !rule.values.includes(v)) return false;
        break;
      case 'boolean':
        if (typeof v !== 'boolean') return false;
        break;
      case 'object':
        if (!isPlainObject(v) || !fits(v, rule.fields)) return false;
        break;
    }
  }
  return true;
}

/** True only for a body class-validator would accept against OneKycCallbackDto unchanged. */
export function fastAccepts(value: unknown): boolean {
  return callbackFastPathInSync && isPlainObject(value) && fits(value, RULES);
}

/** The class-validator rules RULES stands for, one sorted line per property (for the sync check). */
function expectedSignature(dto: Function, fields: Fields): string[] {
  const lines: string[] = [];
  for (const [name, rule] of Object.entries(fields)) {
    const parts: string[] = [];
    if (rule.kind === 'string') {
      parts.push('isString:');
      if (rule.optional) parts.push('isOptional:[null]');
      if (rule.notEmpty) parts.push('isNotEmpty:');
      if (rule.maxLength !== undefined) parts.push(`maxLength:[${rule.maxLength}]`);
    } else if (rule.kind === 'in') {
      parts.push(`isIn:[${JSON.stringify(rule.values)}]`);
      if (rule.optional) parts.push('isOptional:[null]');
    } else if (rule.kind === 'boolean') {
      parts.push('isBoolean:', 'isOptional:[null]');
    } else {
      parts.push('isObject:', 'isOptional:[null]', 'nestedValidation:');
      lines.push(...expectedSignature(rule.dto, rule.fields));
    }
    lines.push(`${dto.name}.${name} ${parts.sort().join(' ')}`);
  }
  return lines.sort();
}

function actualSignature(dto: Function, fields: Fields): string[] {
  const byProperty = new Map<string, string[]>();
  for (const m of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    const flags = (m.each ? ' each' : '') + (m.always ? ' always' : '') + (m.groups?.length ? ' groups' : '');
    const c = m.constraints === undefined ? '' : JSON.stringify(m.constraints);
    const line = `${m.name ?? m.type}:${c}${flags}`;
    byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), line]);
  }
  const lines: string[] = [];
  for (const [name, parts] of byProperty) {
    lines.push(`${dto.name}.${name} ${parts.sort().join(' ')}`);
    const rule = fields[name];
    if (rule?.kind === 'object') lines.push(...actualSignature(rule.dto, rule.fields));
  }
  return lines.sort();
}

/** The DTO's rules as class-validator holds them vs. RULES; empty when they agree. */
export function callbackFastPathDrift(): { missing: string[]; unexpected: string[] } {
  const expected = expectedSignature(OneKycCallbackDto, RULES);
  const actual = actualSignature(OneKycCallbackDto, RULES);
  return {
    missing: expected.filter((l) => !actual.includes(l)),
    unexpected: actual.filter((l) => !expected.includes(l)),
  };
}

const drift = callbackFastPathDrift();
export const callbackFastPathInSync = drift.missing.length === 0 && drift.unexpected.length === 0;
