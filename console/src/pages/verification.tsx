// One verification: GET /admin/submissions/:id (masked; reveal=true with a reason is audited),
// its evidence on request, a forced reconcile, its flags, timeline and webhook deliveries.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, fetchImage, query } from '../api';
import { useI18n } from '../i18n';
import { Badge, Card, ErrorBox, errorText, Fields, Loading, Notice, useLoad } from '../ui';
import { DeliveriesTable, Delivery } from './webhooks';

interface TimelineEvent {
  id: string;
  type: string;
  source: string;
  createdAt: string;
  status: string | null;
  result: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  duplicate: boolean;
  stale: boolean;
  conflict: boolean;
}

interface Detail {
  id: string;
  userId: string;
  userIdType: string;
  status: string;
  result: string | null;
  reasonCode: string | null;
  providerSubmissionId: string | null;
  source: string;
  phoneNumber: string | null;
  email: string | null;
  nik: string | null;
  name: string | null;
  hasConflict: boolean;
  piiRedacted: boolean;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  ktpData: Record<string, unknown> | null;
  revealed: boolean;
  lastPolledAt: string | null;
  pollAttempts: number;
  events: TimelineEvent[];
  warnings: unknown[];
  relatedVerifications: {
    id: string;
    relation: string;
    userId: string;
    status: string;
    result: string | null;
    createdAt: string;
  }[];
}

const KINDS = ['KTP', 'SELFIE', 'ADDITIONAL_SELFIE'];

export function VerificationPage({ id }: { id: string }) {
  const { t, dt } = useI18n();
  const { data, error, loading, setData } = useLoad(
    () => api.get<Detail>(`/admin/submissions/${encodeURIComponent(id)}`),
    [id],
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deliveriesKey, setDeliveriesKey] = useState(0);

  const reveal = async (e: Event) => {
    e.preventDefault();
    const reason = String(new FormData(e.target as HTMLFormElement).get('reason') ?? '').trim();
    if (!reason) {
      setActionError(t.revealNeedsReason);
      return;
    }
    setBusy(true);
    setActionError(null);
    try {
      setData(
        await api.get<Detail>(
          `/admin/submissions/${encodeURIComponent(id)}${query({ reveal: 'true', reason })}`,
        ),
      );
      (e.target as HTMLFormElement).reset();
    } catch (err) {
      setActionError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const hide = async () => {
    setData(await api.get<Detail>(`/admin/submissions/${encodeURIComponent(id)}`));
  };

  const reconcile = async () => {
    setBusy(true);
    setActionError(null);
    setNotice(null);
    try {
      setData(await api.post<Detail>(`/admin/submissions/${encodeURIComponent(id)}/reconcile`));
      setNotice(t.reconciled);
      setDeliveriesKey((k) => k + 1);
    } catch (err) {
      setActionError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  if (loading && !data) return <Loading />;
  if (!data) {
    return (
      <>
        <h1>{t.verification}</h1>
        <ErrorBox message={error ?? t.notFound} />
        <a href="#/search">{t.back}</a>
      </>
    );
  }
  const dupNik = data.relatedVerifications.filter((r) => r.relation === 'NIK');
  const sameContact = data.relatedVerifications.filter((r) => r.relation === 'CONTACT');
  const dupCallbacks = data.events.filter((e) => e.duplicate).length;
  return (
    <>
      <div class="page-head">
        <h1>
          {t.verification} <span class="mono small">{data.id}</span>
        </h1>
        <a href="#/search">{t.back}</a>
      </div>
      <Notice message={notice} />
      <ErrorBox message={actionError} />
      <div class="grid2">
        <Card title={t.verification} id="h-summary">
          <Fields
            rows={[
              [t.status, <Badge value={data.status} />],
              [t.result, <Badge value={data.result} />],
              [t.reasonCode, data.reasonCode],
              [t.userId, `${data.userId} (${data.userIdType})`],
              [t.providerSubmissionId, data.providerSubmissionId],
              [t.source, data.source],
              [t.createdAt, dt(data.createdAt)],
              [t.completedAt, dt(data.completedAt)],
            ]}
          />
          <button type="button" onClick={reconcile} disabled={busy} data-testid="reconcile">
            {t.reconcile}
          </button>
        </Card>
        <Card title={data.revealed ? t.identityRevealed : t.identity} id="h-identity">
          <Fields
            rows={[
              [
                'NIK',
                <span class="mono" data-testid="nik">
                  {data.nik ?? '—'}
                </span>,
              ],
              [t.name, data.name],
              [t.phone, data.phoneNumber],
              [t.email, data.email],
              ...Object.entries(data.ktpData ?? {})
                .filter(([k]) => k !== 'nik' && k !== 'name')
                .map(([k, v]): [string, string] => [k, v === null || v === undefined ? '—' : String(v)]),
            ]}
          />
          {data.revealed ? (
            <button type="button" class="secondary" onClick={hide}>
              {t.hide}
            </button>
          ) : (
            <form onSubmit={reveal} class="reveal">
              <label for="reveal-reason">{t.revealReason}</label>
              <input id="reveal-reason" name="reason" maxLength={500} autocomplete="off" />
              <button type="submit" disabled={busy}>
                {t.revealButton}
              </button>
            </form>
          )}
        </Card>
        <Card title={t.flags} id="h-flags">
          <ul class="flags">
            {data.hasConflict ? <li class="flag flag-bad">{t.conflictFlag}</li> : null}
            {dupNik.length ? <li class="flag flag-bad">{t.duplicateNik}</li> : null}
            {sameContact.length ? <li class="flag">{t.sameContact}</li> : null}
            {dupCallbacks ? (
              <li class="flag">
                {t.duplicateCallbacks}: {dupCallbacks}
              </li>
            ) : null}
          </ul>
          {!data.hasConflict && !dupNik.length && !sameContact.length && !dupCallbacks ? (
            <p class="muted">{t.noFlags}</p>
          ) : null}
          {data.relatedVerifications.length ? (
            <>
              <h3>{t.related}</h3>
              <div class="table-wrap" tabIndex={0}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t.relation}</th>
                      <th scope="col">{t.verificationId}</th>
                      <th scope="col">{t.userId}</th>
                      <th scope="col">{t.status}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.relatedVerifications.map((r) => (
                      <tr key={r.id}>
                        <td>{r.relation}</td>
                        <td>
                          <a class="mono" href={`#/verifications/${r.id}`}>
                            {r.id.slice(0, 8)}…
                          </a>
                        </td>
                        <td>{r.userId}</td>
                        <td>
                          <Badge value={r.status} /> <Badge value={r.result} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          ) : null}
        </Card>
        <Evidence id={data.id} />
      </div>
      <Card title={t.timeline} id="h-timeline">
        <div class="table-wrap" tabIndex={0}>
          <table data-testid="timeline">
            <thead>
              <tr>
                <th scope="col">{t.time}</th>
                <th scope="col">{t.type}</th>
                <th scope="col">{t.source}</th>
                <th scope="col">{t.change}</th>
                <th scope="col">{t.flagsShort}</th>
              </tr>
            </thead>
            <tbody>
              {data.events.map((e) => (
                <tr key={e.id}>
                  <td>{dt(e.createdAt)}</td>
                  <td>
                    <code>{e.type}</code>
                  </td>
                  <td>{e.source}</td>
                  <td>
                    {e.fromStatus || e.toStatus
                      ? `${e.fromStatus ?? '∅'} → ${e.toStatus ?? '∅'}`
                      : (e.status ?? '')}
                    {e.result ? ` (${e.result})` : ''}
                  </td>
                  <td>
                    {e.duplicate ? <span class="badge">{t.duplicate}</span> : null}
                    {e.stale ? <span class="badge">{t.stale}</span> : null}
                    {e.conflict ? <span class="badge badge-conflict">{t.conflict}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <VerificationDeliveries id={data.id} reloadKey={deliveriesKey} />
    </>
  );
}

function VerificationDeliveries({ id, reloadKey }: { id: string; reloadKey: number }) {
  const { t } = useI18n();
  const { data, error, reload } = useLoad(
    () =>
      api.get<{ data: Delivery[] }>(`/admin/webhook-deliveries${query({ verificationId: id, limit: 50 })}`),
    [id, reloadKey],
  );
  return (
    <Card title={t.deliveries} id="h-deliveries">
      <ErrorBox message={error} />
      {data ? <DeliveriesTable rows={data.data} onChanged={reload} /> : null}
    </Card>
  );
}

interface EvidenceEntry {
  kind: string;
  status: string;
}

function Evidence({ id }: { id: string }) {
  const { t } = useI18n();
  const [entries, setEntries] = useState<EvidenceEntry[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [images, setImages] = useState<Record<string, string | null>>({});
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.get<{ data: EvidenceEntry[] }>(`/admin/submissions/${id}/evidence`).then(
      (r) => setEntries(r.data),
      (e) => {
        // Without the evidence archive the listing does not exist: every kind can still be asked for.
        if (e instanceof ApiError && e.problem.status === 404)
          setEntries(KINDS.map((kind) => ({ kind, status: '' })));
        else setError(errorText(e));
      },
    );
    return () => Object.values(images).forEach((u) => u && URL.revokeObjectURL(u));
  }, [id]);

  const show = async (kind: string) => {
    setError(null);
    try {
      const url = await fetchImage(`/admin/submissions/${id}/evidence/${kind}`);
      setImages((m) => ({ ...m, [kind]: url }));
    } catch (e) {
      if (e instanceof ApiError && (e.problem.status === 405 || e.problem.status === 501))
        setUnavailable(true);
      else setError(errorText(e));
    }
  };

  return (
    <Card title={t.evidence} id="h-evidence">
      <p class="muted small">{t.evidenceHelp}</p>
      <ErrorBox message={error} />
      {unavailable ? <p class="muted">{t.evidenceUnavailable}</p> : null}
      {entries?.length === 0 ? <p class="muted">{t.noEvidence}</p> : null}
      <ul class="evidence">
        {entries?.map((e) => (
          <li key={e.kind}>
            <span>
              {e.kind} {e.status ? <Badge value={e.status} /> : null}
            </span>
            {images[e.kind] === undefined ? (
              <button
                type="button"
                class="secondary"
                onClick={() => show(e.kind)}
                data-testid={`evidence-${e.kind}`}
              >
                {t.showImage}
              </button>
            ) : images[e.kind] === null ? (
              <p class="muted">{t.noEvidence}</p>
            ) : (
              <img src={images[e.kind]!} alt={`${e.kind}`} class="evidence-img" />
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}
