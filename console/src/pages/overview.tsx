// Overview: the numbers of GET /admin/stats.
import { api } from '../api';
import { age, useI18n } from '../i18n';
import { Bars, Card, Chart, ErrorBox, Loading, useLoad } from '../ui';

interface Stats {
  total: number;
  byStatus: Record<string, number>;
  byResult: Record<string, number>;
  pending: number;
  oldestPendingCreatedAt: string | null;
  oldestPendingAgeSeconds: number | null;
  conflicts: number;
  quarantinedCallbacks: number;
  reasonCodes: { reasonCode: string; count: number }[];
  perDay: {
    date: string;
    created: number;
    valid: number;
    invalid: number;
    rejected: number;
    failed: number;
    medianSecondsToResult: number | null;
    p90SecondsToResult: number | null;
  }[];
  webhookDeliveries: { pending: number; retrying: number; succeeded: number; failed: number };
  reconciliationRuns: {
    id: string;
    startedAt: string;
    claimed: number;
    updated: number;
    failed: number;
    durationMs: number | null;
    error: string | null;
  }[];
  generatedAt: string;
}

export function OverviewPage() {
  const { t, num, dt } = useI18n();
  const { data, error, loading, reload } = useLoad(() => api.get<Stats>('/admin/stats'), []);
  return (
    <>
      <div class="page-head">
        <h1>{t.navOverview}</h1>
        <button type="button" class="secondary" onClick={reload}>
          {t.refresh}
        </button>
      </div>
      <ErrorBox message={error} />
      {loading && !data ? <Loading /> : null}
      {data ? (
        <>
          <p class="muted small">
            {t.generatedAt} {dt(data.generatedAt)}
          </p>
          <div class="kpis">
            <Kpi label={t.total} value={num(data.total)} />
            <Kpi label={t.pending} value={num(data.pending)} />
            <Kpi label={t.oldestPending} value={age(data.oldestPendingAgeSeconds)} />
            <Kpi label={t.conflicts} value={num(data.conflicts)} warn={data.conflicts > 0} />
            <Kpi
              label={t.quarantined}
              value={num(data.quarantinedCallbacks)}
              warn={data.quarantinedCallbacks > 0}
              href="#/callbacks"
            />
            <Kpi
              label={t.webhookFailures}
              value={num(data.webhookDeliveries.failed)}
              warn={data.webhookDeliveries.failed > 0}
              href="#/webhooks"
              sub={`${t.webhookRetrying}: ${num(data.webhookDeliveries.retrying)}`}
            />
          </div>
          <div class="grid2">
            <Card title={t.perDay} id="h-per-day">
              <Chart
                kind="bars"
                label={t.perDay}
                labels={data.perDay.map((d) => d.date)}
                series={[
                  { name: t.created, cls: 's-created', values: data.perDay.map((d) => d.created) },
                  { name: 'VALID', cls: 's-valid', values: data.perDay.map((d) => d.valid) },
                  {
                    name: 'INVALID / REJECTED',
                    cls: 's-invalid',
                    values: data.perDay.map((d) => d.invalid + d.rejected),
                  },
                  { name: t.failed, cls: 's-failed', values: data.perDay.map((d) => d.failed) },
                ]}
              />
            </Card>
            <Card title={t.timeToResult} id="h-ttr">
              <Chart
                kind="lines"
                label={t.timeToResult}
                labels={data.perDay.map((d) => d.date)}
                series={[
                  { name: t.median, cls: 's-valid', values: data.perDay.map((d) => d.medianSecondsToResult) },
                  { name: t.p90, cls: 's-failed', values: data.perDay.map((d) => d.p90SecondsToResult) },
                ]}
              />
            </Card>
            <Card title={t.byStatus} id="h-status">
              <Bars label={t.byStatus} items={Object.entries(data.byStatus)} />
            </Card>
            <Card title={t.byResult} id="h-result">
              <Bars label={t.byResult} items={Object.entries(data.byResult)} />
            </Card>
            <Card title={t.reasonCodes} id="h-reasons">
              {data.reasonCodes.length === 0 ? (
                <p class="muted">{t.none}</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t.reasonCode}</th>
                      <th scope="col" class="num">
                        {t.count}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.reasonCodes.map((r) => (
                      <tr key={r.reasonCode}>
                        <td>
                          <code>{r.reasonCode}</code>
                        </td>
                        <td class="num">{num(r.count)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <Card title={t.reconciliationRuns} id="h-runs">
              <div class="table-wrap" tabIndex={0}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t.startedAt}</th>
                      <th scope="col" class="num">
                        {t.claimed}
                      </th>
                      <th scope="col" class="num">
                        {t.updated}
                      </th>
                      <th scope="col" class="num">
                        {t.failed}
                      </th>
                      <th scope="col" class="num">
                        {t.duration}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.reconciliationRuns.map((r) => (
                      <tr key={r.id}>
                        <td>{dt(r.startedAt)}</td>
                        <td class="num">{r.claimed}</td>
                        <td class="num">{r.updated}</td>
                        <td class="num">{r.failed}</td>
                        <td class="num">{r.durationMs ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {data.reconciliationRuns.length === 0 ? <p class="muted">{t.none}</p> : null}
              </div>
            </Card>
          </div>
        </>
      ) : null}
    </>
  );
}

function Kpi({
  label,
  value,
  warn,
  href,
  sub,
}: {
  label: string;
  value: string;
  warn?: boolean;
  href?: string;
  sub?: string;
}) {
  const body = (
    <>
      <span class="kpi-label">{label}</span>
      <span class="kpi-value">{value}</span>
      {sub ? <span class="kpi-sub">{sub}</span> : null}
    </>
  );
  return (
    <div class={`kpi${warn ? ' kpi-warn' : ''}`}>
      {href ? (
        <a href={href} class="kpi-link">
          {body}
        </a>
      ) : (
        body
      )}
    </div>
  );
}
