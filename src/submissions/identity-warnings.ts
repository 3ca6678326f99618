// Submissions room: warnings about a verification's identity, which the store adds in the same
// statement as the change that reveals them (see applyStatement), and their metric.
// NIK_USED_BY_OTHER_USER: the NIK the provider read is also on a verification of another user id
// (compared by blind index, never decrypted); both verifications get it. CONTACT_USED_BY_OTHER_NIK:
// the provider refused the verified phone or email as registered under another NIK.
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';

export const NIK_WARNING = 'NIK_USED_BY_OTHER_USER';
export const CONTACT_WARNING = 'CONTACT_USED_BY_OTHER_NIK';
export const IDENTITY_WARNINGS = [NIK_WARNING, CONTACT_WARNING] as const;
export type IdentityWarning = (typeof IDENTITY_WARNINGS)[number];

/** The provider's reason codes for a contact already registered under a different NIK. */
export const CONTACT_REASON_CODES = ['EMAIL_HAS_BEEN_USED', 'PHONE_HAS_BEEN_USED'] as const;

export const IDENTITY_WARNINGS_TOTAL = 'onekyc_identity_warnings_total';

export const identityWarningMetricProviders = [
  makeCounterProvider({
    name: IDENTITY_WARNINGS_TOTAL,
    help: 'Verifications that got an identity warning (a NIK of another user, a contact of another NIK), by warning',
    labelNames: ['warning'],
  }),
];

@Injectable()
export class IdentityWarningMetrics {
  private readonly byWarning: Record<IdentityWarning, { inc(n?: number): void }>;

  constructor(@InjectMetric(IDENTITY_WARNINGS_TOTAL) counter: Counter<string>) {
    this.byWarning = Object.fromEntries(
      IDENTITY_WARNINGS.map((w) => {
        const child = counter.labels(w);
        child.inc(0);
        return [w, child];
      }),
    ) as Record<IdentityWarning, { inc(n?: number): void }>;
  }

  /** One change added `added` to its row and NIK_USED_BY_OTHER_USER to `othersWarned` other rows. */
  warned(added: IdentityWarning[], othersWarned: number): void {
    for (const w of added) this.byWarning[w].inc();
    if (othersWarned > 0) this.byWarning[NIK_WARNING].inc(othersWarned);
  }
}
