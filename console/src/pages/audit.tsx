// The audit log: GET /admin/audit-log (who read or erased what), filtered by action or verification.
import { useState } from 'preact/hooks';
import { api, query } from '../api';
import { useI18n } from '../i18n';
import { ErrorBox, Loading, Pager, useLoad } from '../ui';

interface Entry {
  id: string;
  action: string;
  actorKind: string;
  actorId: string;
  submissionId: string | null;
  detail: Record<string, unknown>;
  createdAt: string;
}

const ACTIONS = ['reveal', 'identity.read', 'evidence.read', 'erasure'];

export function AuditPage({ params }: { params: URLSearchParams }) {
  const { t, dt } = useI18n();
  const [action, setAction] = useState(params.get('action') ?? '');
  const [submissionId, setSubmissionId] = useState(params.get('submissionId') ?? '');
  const [cursor, setCursor] = useState<string | null>(null);
  const { data, error, loading } = useLoad(
    () =>
      api.get<{ data: Entry[]; nextCursor: string | null }>(
        `/admin/audit-log${query({ action, submissionId: submissionId.trim(), cursor, limit: 20 })}`,
      ),
    [action, submissionId, cursor],
  );
  return (
    <>
      <h1>{t.auditTitle}</h1>
      <form
        class="filters card"
        aria-label={t.filter}
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.target as HTMLFormElement);
          setCursor(null);
          setAction(String(f.get('action') ?? ''));
          setSubmissionId(String(f.get('submissionId') ?? ''));
        }}
      >
        <div class="control">
          <label for="a-action">{t.action}</label>
          <select id="a-action" name="action">
            <option value="">{t.any}</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a} selected={action === a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div class="control wide">
          <label for="a-sub">{t.verificationId}</label>
          <input id="a-sub" name="submissionId" defaultValue={submissionId} autocomplete="off" />
        </div>
        <div class="control actions">
          <button type="submit">{t.filter}</button>
        </div>
      </form>
      <ErrorBox message={error} />
      {loading && !data ? <Loading /> : null}
      {data && data.data.length === 0 ? <p class="muted">{t.noAudit}</p> : null}
      {data && data.data.length > 0 ? (
        <div class="table-wrap" tabIndex={0}>
          <table data-testid="audit">
            <thead>
              <tr>
                <th scope="col">{t.time}</th>
                <th scope="col">{t.action}</th>
                <th scope="col">{t.actor}</th>
                <th scope="col">{t.verification}</th>
                <th scope="col">{t.detail}</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((a) => (
                <tr key={a.id}>
                  <td>{dt(a.createdAt)}</td>
                  <td>
                    <code>{a.action}</code>
                  </td>
                  <td>
                    {a.actorKind} <span class="mono">{a.actorId}</span>
                  </td>
                  <td>
                    {a.submissionId ? (
                      <a class="mono" href={`#/verifications/${a.submissionId}`}>
                        {a.submissionId.slice(0, 8)}…
                      </a>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td class="detail">
                    {Object.entries(a.detail).map(([k, v]) => (
                      <div key={k}>
                        <span class="muted">{k}:</span> {Array.isArray(v) ? v.join(', ') : String(v)}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager
        hasPrev={cursor !== null}
        next={data?.nextCursor ?? null}
        onFirst={() => setCursor(null)}
        onNext={() => setCursor(data?.nextCursor ?? null)}
      />
    </>
  );
}
