// Masks for personal data shown to operators (admin lists): enough to recognise, not to reuse.

/** 3208201808850001 → 3208********0001 */
export function maskNik(nik: string | null | undefined): string | null {
  if (!nik) return null;
  if (nik.length <= 8) return '*'.repeat(nik.length);
  return nik.slice(0, 4) + '*'.repeat(nik.length - 8) + nik.slice(-4);
}

/** JOHN DOE → J. D. */
export function maskName(name: string | null | undefined): string | null {
  if (!name) return null;
  return name
    .trim()
    .split(/\s+/)
    .map((w) => `${[...w][0] ?? ''}.`)
    .join(' ');
}

/** 628123456789 → 6281******89 */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  if (phone.length <= 6) return '*'.repeat(phone.length);
  return phone.slice(0, 4) + '*'.repeat(phone.length - 6) + phone.slice(-2);
}

/** john.doe@example.com → j***@e***.com */
export function maskEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${local[0]}***@${host[0] ?? ''}***${tld}`;
}

/** Any date-like string: keep the year only. */
export function maskDate(date: string | null | undefined): string | null {
  if (!date) return null;
  const year = /(\d{4})/.exec(date)?.[1];
  return year ? `**-**-${year}` : '**';
}

export interface KtpData {
  nik?: string;
  name?: string;
  dateOfBirth?: string;
  address?: string;
  [field: string]: unknown;
}

/** A masked copy of KTP data: NIK, name, birth date masked; address and other free text removed. */
export function maskKtp(ktp: KtpData | null | undefined): Record<string, unknown> | null {
  if (!ktp) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ktp)) {
    if (k === 'nik') out.nik = maskNik(String(v ?? ''));
    else if (k === 'name') out.name = maskName(String(v ?? ''));
    else if (k === 'dateOfBirth') out.dateOfBirth = maskDate(String(v ?? ''));
    else if (['gender', 'citizenship', 'province', 'city'].includes(k)) out[k] = v;
    else out[k] = v ? '***' : v;
  }
  return out;
}

/** What operators' lists show of a verification's personal data, stored beside the ciphertexts. */
export interface MaskedForms {
  phoneNumber?: string | null;
  email?: string | null;
  nik?: string | null;
  name?: string | null;
}

/** The masks of the contacts given at initiation. */
export function maskedContacts(c: { phoneNumber?: string; email?: string }): MaskedForms {
  return { phoneNumber: maskPhone(c.phoneNumber), email: maskEmail(c.email) };
}

/** The masks of the KTP fields a list shows (NIK and name; the rest is never listed). */
export function maskedIdentity(ktp: KtpData): MaskedForms {
  return {
    nik: maskNik(typeof ktp.nik === 'string' ? ktp.nik : null),
    name: maskName(typeof ktp.name === 'string' ? ktp.name : null),
  };
}
