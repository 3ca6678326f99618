// Audit room: the one writer of `admin_audit_log`, the record of who saw or erased personal data.
// Rows are only ever appended (the database refuses UPDATE, DELETE and TRUNCATE); they name the
// key by its keyId(), the verification, the fields and the request, never the data itself.
import { Injectable } from '@nestjs/common';
import { Sql, Tx } from '../database/sql.js';

/** Who acted: an operator's admin key, a partner back end's identity key, or the service itself (retention). */
export type AuditActorKind = 'admin' | 'identity' | 'system';

/**
 * What was done: `reveal` (an operator saw a submission's data in clear), `identity.read` (a
 * partner back end read identity data), `evidence.read` (an archived image was served),
 * `erasure` (a user's personal data was erased on request).
 */
export const AUDIT_ACTIONS = ['reveal', 'identity.read', 'evidence.read', 'erasure'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  actorKind: AuditActorKind;
  /** keyId() of the key (never the key), or the job's name for `system`. */
  actorId: string;
  action: AuditAction;
  submissionId: string | null;
  /** Field names, request id, reason: no personal data. */
  detail: Record<string, unknown>;
}

@Injectable()
export class AuditLogRepository {
  constructor(private readonly sql: Sql) {}

  /** Appends entries in one statement (in the caller's transaction when given). */
  async append(entries: AuditEntry[], opts: { tx?: Tx } = {}): Promise<void> {
    if (entries.length === 0) return;
    await this.sql.query(
      `INSERT INTO admin_audit_log (actor_kind, admin_key_id, action, submission_id, detail)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::uuid[], $5::jsonb[])`,
      [
        entries.map((e) => e.actorKind),
        entries.map((e) => e.actorId),
        entries.map((e) => e.action),
        entries.map((e) => e.submissionId),
        entries.map((e) => JSON.stringify(e.detail)),
      ],
      { name: 'audit_append', tx: opts.tx },
    );
  }
}
