// A fast yes for the callback bodies the provider actually sends. class-transformer plus
// class-validator cost about 50 µs per callback, an eighth of the service's CPU on the hot path
// (bench: callback_ingest profile). This check answers "valid" only for plain bodies made of the
// DTO's own fields with values the DTO's rules certainly accept; anything else (an unknown or
// extra field, a wrong type, an edge case) returns false and goes through class-validator as
// before, so answers, errors and the stored payload do not change.
//
// The rules are read from OneKycCallbackDto itself (its class-validator metadata, and its
// class-transformer @Type for nested objects), once, at start: the DTO is the one source of
// truth. A decorator this file does not understand switches the fast path off (every body takes
// the full path) rather than guessing; callback-body.fast-path.spec.ts fails when that happens.
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import { OneKycCallbackDto } from './callback-body.dto.js';

type Rule =
  | { kind: 'string'; optional: boolean; notEmpty: boolean; maxLength?: number }
  | { kind: 'in'; optional: boolean; values: readonly unknown[] }
  | { kind: 'boolean'; optional: boolean }
  | { kind: 'object'; optional: boolean; fields: Fields };
type Fields = Record<string, Rule>;

/** What a DTO rule is made of: class-validator's name (or type) for it, and its constraints. */
interface Constraint {
  name: string;
  constraints: unknown[] | undefined;
}

/** Which constraints each kind of rule may combine; anything else is not understood. */
const ALLOWED: Record<Rule['kind'], ReadonlySet<string>> = {
  string: new Set(['isString', 'isOptional', 'isNotEmpty', 'maxLength']),
  in: new Set(['isIn', 'isOptional']),
  boolean: new Set(['isBoolean', 'isOptional']),
  object: new Set(['isObject', 'nestedValidation', 'isOptional']),
};

/**
 * The fields of `dto` as rules, from its decorators; null when any property uses a decorator (or
 * an option: each, always, groups) that the check below does not reproduce exactly.
 */
export function rulesOf(dto: Function): Fields | null {
  const byProperty = new Map<string, Constraint[]>();
  for (const m of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    if (m.each || m.always || m.groups?.length) return null;
    const list = byProperty.get(m.propertyName) ?? [];
    list.push({ name: m.name ?? m.type, constraints: m.constraints });
    byProperty.set(m.propertyName, list);
  }
  const fields: Fields = {};
  for (const [property, constraints] of byProperty) {
    const rule = ruleOf(dto, property, constraints);
    if (!rule) return null;
    fields[property] = rule;
  }
  return fields;
}

function ruleOf(dto: Function, property: string, list: Constraint[]): Rule | null {
  const names = new Set(list.map((c) => c.name));
  const arg = (name: string) => list.find((c) => c.name === name)?.constraints?.[0];
  const optional = names.has('isOptional');
  let rule: Rule;
  if (names.has('isString')) {
    const maxLength = arg('maxLength');
    if (names.has('maxLength') && typeof maxLength !== 'number') return null;
    rule = { kind: 'string', optional, notEmpty: names.has('isNotEmpty'), maxLength: maxLength as number };
  } else if (names.has('isIn')) {
    const values = arg('isIn');
    if (!Array.isArray(values)) return null;
    rule = { kind: 'in', optional, values };
  } else if (names.has('isBoolean')) {
    rule = { kind: 'boolean', optional };
  } else if (names.has('isObject') && names.has('nestedValidation')) {
    // The nested class, as class-transformer builds it from @Type.
    const probe = plainToInstance(dto as new () => object, { [property]: {} }) as Record<string, unknown>;
    const nested = (probe[property] as object | undefined)?.constructor;
    if (!nested || nested === Object) return null;
    const fields = rulesOf(nested);
    if (!fields) return null;
    rule = { kind: 'object', optional, fields };
  } else {
    return null;
  }
  for (const name of names) if (!ALLOWED[rule.kind].has(name)) return null;
  return rule;
}

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
      if (!rule.optional) return false;
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

/** The callback DTO's rules; null when the fast path is off (a rule it cannot reproduce). */
export const callbackFastPathRules = rulesOf(OneKycCallbackDto);

/** True only for a body class-validator would accept against OneKycCallbackDto unchanged. */
export function fastAccepts(value: unknown): boolean {
  return callbackFastPathRules !== null && isPlainObject(value) && fits(value, callbackFastPathRules);
}
