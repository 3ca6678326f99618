// The shared provider call count in PostgreSQL (table provider_call_budget, one row per second):
// the cluster budget's store. One statement per grant; rows older than a minute are pruned.
import { Provider } from '@nestjs/common';
import { Sql } from '../database/sql.js';
import type { BudgetGrantRequest, BudgetGrantStore } from './cluster-budget.js';

/** Injection token: the repository, or null where no database is wired (client-only tests). */
export const PROVIDER_CALL_BUDGET_STORE = Symbol('PROVIDER_CALL_BUDGET_STORE');

export const providerCallBudgetStore: Provider = {
  provide: PROVIDER_CALL_BUDGET_STORE,
  useFactory: (sql?: Sql) => (sql ? new ProviderCallBudgetRepository(sql) : null),
  inject: [{ token: Sql, optional: true }],
};

export class ProviderCallBudgetRepository implements BudgetGrantStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Takes up to `want` slots of `second`, atomically across instances (ON CONFLICT locks the row;
   * the SET sees the latest committed count). Background grants stop at `backgroundLimit` while
   * any instance made a partner call within `quietSeconds`.
   */
  async grant(r: BudgetGrantRequest): Promise<number> {
    const rows = await this.sql.query<{ last_grant: number }>(
      `WITH lim AS (
         SELECT CASE WHEN $3::boolean OR NOT EXISTS (
             SELECT 1 FROM provider_call_budget p
             WHERE p.second > $1::bigint - $7::int AND p.second <= $1::bigint AND p.partner_used > 0)
           THEN $5::int ELSE $6::int END AS v
       )
       INSERT INTO provider_call_budget AS b (second, used, partner_used, last_grant)
       SELECT $1, LEAST($2::int, v), CASE WHEN $4::boolean THEN LEAST($2::int, v) ELSE 0 END, LEAST($2::int, v)
       FROM lim
       ON CONFLICT (second) DO UPDATE SET
         used = b.used + LEAST($2::int, GREATEST(0, (SELECT v FROM lim) - b.used)),
         partner_used = b.partner_used
           + CASE WHEN $4::boolean THEN LEAST($2::int, GREATEST(0, (SELECT v FROM lim) - b.used)) ELSE 0 END,
         last_grant = LEAST($2::int, GREATEST(0, (SELECT v FROM lim) - b.used))
       RETURNING last_grant`,
      [r.second, r.want, r.foreground, r.partnerActivity, r.limit, r.backgroundLimit, r.quietSeconds],
      { name: 'provider_call_budget_grant' },
    );
    return rows[0]?.last_grant ?? 0;
  }

  async prune(before: number): Promise<void> {
    await this.sql.query(`DELETE FROM provider_call_budget WHERE second < $1`, [before]);
  }
}
