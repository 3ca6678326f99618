// Quarantined callbacks: GET /admin/callbacks/unmatched (masked KTP data), keyset pages.
import { useState } from 'preact/hooks';
import { api, query } from '../api';
import { useI18n } from '../i18n';
import { Badge, ErrorBox, Loading, Pager, useLoad } from '../ui';

interface Unmatched {
  id: string;
  partnerSessionId: string;
  submissionId: string | null;
  status: string | null;
  result: string | null;
  source: string;
  ktpData: Record<string, unknown> | null;
  receivedAt: string;
  resolvedAt: string | null;
}

export function CallbacksPage() {
  const { t, dt } = useI18n();
  const [includeResolved, setIncludeResolved] = useState(false);
  const [cursor, setCursor] = useState<string | null>(null);
  const { data, error, loading } = useLoad(
    () =>
      api.get<{ data: Unmatched[]; nextCursor: string | null }>(
        `/admin/callbacks/unmatched${query({ includeResolved: includeResolved ? 'true' : undefined, cursor, limit: 20 })}`,
      ),
    [includeResolved, cursor],
  );
  return (
    <>
      <h1>{t.navCallbacks}</h1>
      <label class="check">
        <input
          type="checkbox"
          checked={includeResolved}
          onChange={(e) => {
            setCursor(null);
            setIncludeResolved((e.target as HTMLInputElement).checked);
          }}
        />{' '}
        {t.includeResolved}
      </label>
      <ErrorBox message={error} />
      {loading && !data ? <Loading /> : null}
      {data && data.data.length === 0 ? <p class="muted">{t.noCallbacks}</p> : null}
      {data && data.data.length > 0 ? (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.receivedAt}</th>
                <th scope="col">{t.partnerSessionId}</th>
                <th scope="col">{t.providerSubmissionId}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">NIK</th>
                <th scope="col">{t.resolvedAt}</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((c) => (
                <tr key={c.id}>
                  <td>{dt(c.receivedAt)}</td>
                  <td class="mono">{c.partnerSessionId}</td>
                  <td class="mono">{c.submissionId ?? '—'}</td>
                  <td>
                    <Badge value={c.status} /> <Badge value={c.result} />
                  </td>
                  <td class="mono">{c.ktpData?.nik ? String(c.ktpData.nik) : '—'}</td>
                  <td>{dt(c.resolvedAt)}</td>
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
