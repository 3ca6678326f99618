// Webhook endpoints (add, enable/disable, test, rotate, replay, delete) and the delivery log
// (filter, retry), all through /admin/webhook-endpoints and /admin/webhook-deliveries.
import { useState } from 'preact/hooks';
import { api, query } from '../api';
import { useI18n } from '../i18n';
import { Badge, Card, ErrorBox, errorText, Loading, Notice, Pager, useLoad } from '../ui';

export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  verificationId: string | null;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  description: string | null;
  disabledReason: string | null;
  failingSince: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
}

export function DeliveriesTable({ rows, onChanged }: { rows: Delivery[]; onChanged: () => void }) {
  const { t, dt } = useI18n();
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const retry = async (id: string) => {
    setError(null);
    setNotice(null);
    try {
      await api.post(`/admin/webhook-deliveries/${encodeURIComponent(id)}/retry`);
      setNotice(t.retried);
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  if (rows.length === 0) return <p class="muted">{t.noDeliveries}</p>;
  return (
    <>
      <Notice message={notice} />
      <ErrorBox message={error} />
      <div class="table-wrap" tabIndex={0}>
        <table data-testid="deliveries">
          <thead>
            <tr>
              <th scope="col">{t.createdAt}</th>
              <th scope="col">{t.event}</th>
              <th scope="col">{t.verification}</th>
              <th scope="col">{t.status}</th>
              <th scope="col" class="num">
                {t.attempts}
              </th>
              <th scope="col">{t.lastStatus}</th>
              <th scope="col">{t.nextAttempt}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} data-delivery={d.id}>
                <td>{dt(d.createdAt)}</td>
                <td>
                  <code>{d.eventType}</code>
                </td>
                <td>
                  {d.verificationId ? (
                    <a class="mono" href={`#/verifications/${d.verificationId}`}>
                      {d.verificationId.slice(0, 8)}…
                    </a>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  <Badge value={d.status} />
                </td>
                <td class="num">{d.attempts}</td>
                <td>
                  {d.lastStatusCode ?? ''}{' '}
                  {d.lastError ? <span class="muted small">{d.lastError.slice(0, 80)}</span> : null}
                </td>
                <td>{d.status === 'PENDING' ? dt(d.nextAttemptAt) : dt(d.deliveredAt)}</td>
                <td>
                  <button type="button" class="secondary small" onClick={() => retry(d.id)}>
                    {t.retry}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function WebhooksPage() {
  const { t, dt } = useI18n();
  const endpoints = useLoad(() => api.get<{ data: Endpoint[] }>('/admin/webhook-endpoints'), []);
  const [status, setStatus] = useState('');
  const [endpointId, setEndpointId] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const deliveries = useLoad(
    () =>
      api.get<{ data: Delivery[]; nextCursor: string | null }>(
        `/admin/webhook-deliveries${query({ status, endpointId, cursor, limit: 20 })}`,
      ),
    [status, endpointId, cursor],
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (fn: () => Promise<string | void>) => {
    setError(null);
    setNotice(null);
    setSecret(null);
    try {
      const msg = await fn();
      if (msg) setNotice(msg);
      endpoints.reload();
      deliveries.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const add = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    void act(async () => {
      const created = await api.post<{ secret: string }>('/admin/webhook-endpoints', {
        url: String(f.get('url') ?? ''),
        ...(f.get('description') ? { description: String(f.get('description')) } : {}),
      });
      form.reset();
      setTimeout(() => setSecret(created.secret));
    });
  };

  return (
    <>
      <h1>{t.navWebhooks}</h1>
      <Notice message={notice} />
      <ErrorBox message={error} />
      {secret ? (
        <div class="alert alert-ok" role="status">
          {t.newSecret} <code class="secret">{secret}</code>
        </div>
      ) : null}
      <Card title={t.endpoints} id="h-endpoints">
        {endpoints.loading && !endpoints.data ? <Loading /> : null}
        <ErrorBox message={endpoints.error} />
        {endpoints.data?.data.length === 0 ? <p class="muted">{t.noEndpoints}</p> : null}
        <ul class="endpoints">
          {endpoints.data?.data.map((ep) => (
            <li key={ep.id} class="endpoint">
              <div class="endpoint-head">
                <code class="url">{ep.url}</code> <Badge value={ep.enabled ? 'ENABLED' : 'DISABLED'} />
                {ep.failingSince ? <Badge value="FAILING" /> : null}
              </div>
              <div class="muted small">
                {ep.description ? `${ep.description} · ` : ''}
                {ep.events.length ? ep.events.join(', ') : t.allEvents} · {t.createdAt} {dt(ep.createdAt)}
              </div>
              <div class="endpoint-actions">
                <button
                  type="button"
                  class="secondary small"
                  onClick={() =>
                    act(async () => (await api.post(`/admin/webhook-endpoints/${ep.id}/test`), t.testSent))
                  }
                >
                  {t.sendTest}
                </button>
                <button
                  type="button"
                  class="secondary small"
                  onClick={() =>
                    act(
                      async () =>
                        void (await api.patch(`/admin/webhook-endpoints/${ep.id}`, { enabled: !ep.enabled })),
                    )
                  }
                >
                  {ep.enabled ? t.disable : t.enable}
                </button>
                <button
                  type="button"
                  class="secondary small"
                  onClick={() =>
                    confirm(t.rotateConfirm) &&
                    act(async () => {
                      const r = await api.post<{ secret: string }>(
                        `/admin/webhook-endpoints/${ep.id}/rotate-secret`,
                      );
                      setTimeout(() => setSecret(r.secret));
                    })
                  }
                >
                  {t.rotate}
                </button>
                <form
                  class="inline"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const since = String(new FormData(e.target as HTMLFormElement).get('since') ?? '');
                    void act(async () => {
                      const r = await api.post<{ deliveries: number }>(
                        `/admin/webhook-endpoints/${ep.id}/replay`,
                        {
                          since: new Date(since).toISOString(),
                        },
                      );
                      return `${t.replayed} ${r.deliveries}`;
                    });
                  }}
                >
                  <label for={`since-${ep.id}`}>{t.replaySince}</label>
                  <input id={`since-${ep.id}`} name="since" type="datetime-local" required />
                  <button type="submit" class="secondary small">
                    {t.replay}
                  </button>
                </form>
                <button
                  type="button"
                  class="danger small"
                  onClick={() =>
                    confirm(t.removeConfirm) &&
                    act(async () => void (await api.del(`/admin/webhook-endpoints/${ep.id}`)))
                  }
                >
                  {t.remove}
                </button>
              </div>
            </li>
          ))}
        </ul>
        <form class="filters" onSubmit={add} aria-label={t.addEndpoint}>
          <h3 class="full">{t.addEndpoint}</h3>
          <div class="control wide">
            <label for="ep-url">{t.url}</label>
            <input id="ep-url" name="url" type="url" required placeholder="https://" />
          </div>
          <div class="control">
            <label for="ep-desc">{t.description}</label>
            <input id="ep-desc" name="description" maxLength={200} />
          </div>
          <div class="control actions">
            <button type="submit">{t.add}</button>
          </div>
        </form>
      </Card>
      <Card title={t.deliveries} id="h-all-deliveries">
        <div class="filters">
          <div class="control">
            <label for="d-status">{t.status}</label>
            <select
              id="d-status"
              value={status}
              onChange={(e) => {
                setCursor(null);
                setStatus((e.target as HTMLSelectElement).value);
              }}
            >
              <option value="">{t.allStatuses}</option>
              {['PENDING', 'SUCCEEDED', 'FAILED'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div class="control">
            <label for="d-endpoint">{t.endpoint}</label>
            <select
              id="d-endpoint"
              value={endpointId}
              onChange={(e) => {
                setCursor(null);
                setEndpointId((e.target as HTMLSelectElement).value);
              }}
            >
              <option value="">{t.allStatuses}</option>
              {endpoints.data?.data.map((ep) => (
                <option key={ep.id} value={ep.id}>
                  {ep.url}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ErrorBox message={deliveries.error} />
        {deliveries.data ? (
          <DeliveriesTable rows={deliveries.data.data} onChanged={deliveries.reload} />
        ) : (
          <Loading />
        )}
        <Pager
          hasPrev={cursor !== null}
          next={deliveries.data?.nextCursor ?? null}
          onFirst={() => setCursor(null)}
          onNext={() => setCursor(deliveries.data?.nextCursor ?? null)}
        />
      </Card>
    </>
  );
}
