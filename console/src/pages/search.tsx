// Search: GET /admin/submissions with its filters, keyset pages (nextCursor), masked rows.
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import { useI18n } from '../i18n';
import { Badge, ErrorBox, errorText, Loading, Pager } from '../ui';

export const STATUSES = [
  'INITIATED',
  'IN_PROGRESS',
  'PARTIALLY_COMPLETED',
  'COMPLETED',
  'ERROR',
  'EXPIRED',
  'INITIATION_FAILED',
];
export const RESULTS = ['VALID', 'INVALID', 'REJECTED'];
const FILTERS = ['nik', 'userId', 'submissionId', 'status', 'result', 'createdFrom', 'createdTo'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Row {
  id: string;
  userId: string;
  status: string;
  result: string | null;
  reasonCode: string | null;
  providerSubmissionId: string | null;
  nik: string | null;
  name: string | null;
  hasConflict: boolean;
  createdAt: string;
}

/**
 * The last search, kept in memory for the way back from a verification: never in the URL, so a
 * NIK typed here does not end up in the browser's history.
 */
let lastQuery = '';

export function SearchPage() {
  const { t, dt } = useI18n();
  const [queryString, setQueryString] = useState(lastQuery);
  const [formKey, setFormKey] = useState(0);
  const params = new URLSearchParams(queryString);
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const [rows, setRows] = useState<Row[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const key = queryString;

  useEffect(() => {
    setCursor(null);
  }, [key]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    api
      .get<{ data: Row[]; nextCursor: string | null }>(
        `/admin/submissions${query({ ...filters, limit: 20, cursor })}`,
      )
      .then(
        (page) => {
          if (!live) return;
          setRows(page.data);
          setNext(page.nextCursor);
          setLoading(false);
        },
        (e) => {
          if (!live) return;
          setError(errorText(e));
          setRows(null);
          setLoading(false);
        },
      );
    return () => {
      live = false;
    };
  }, [key, cursor]);

  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const verificationId = String(form.get('verificationId') ?? '').trim();
    if (verificationId) {
      if (UUID.test(verificationId)) {
        location.hash = `#/verifications/${verificationId}`;
        return;
      }
      setError(`${t.verificationId}: UUID`);
      return;
    }
    const q = new URLSearchParams();
    for (const f of FILTERS) {
      const v = String(form.get(f) ?? '').trim();
      if (v) q.set(f, v);
    }
    lastQuery = q.toString();
    setQueryString(lastQuery);
  };

  const clear = () => {
    lastQuery = '';
    setQueryString('');
    setFormKey((k) => k + 1);
  };

  return (
    <>
      <h1>{t.searchTitle}</h1>
      <form class="filters card" onSubmit={submit} aria-label={t.searchTitle} key={formKey}>
        <Field id="f-nik" name="nik" label={t.nik} value={filters.nik} inputMode="numeric" pattern="\d{16}" />
        <Field id="f-user" name="userId" label={t.userId} value={filters.userId} />
        <Field id="f-vid" name="verificationId" label={t.verificationId} value="" />
        <Field id="f-psid" name="submissionId" label={t.providerSubmissionId} value={filters.submissionId} />
        <div class="control">
          <label for="f-status">{t.status}</label>
          <select id="f-status" name="status">
            <option value="">{t.any}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s} selected={filters.status === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="control">
          <label for="f-result">{t.result}</label>
          <select id="f-result" name="result">
            <option value="">{t.any}</option>
            {RESULTS.map((s) => (
              <option key={s} value={s} selected={filters.result === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <Field id="f-from" name="createdFrom" label={t.createdFrom} value={filters.createdFrom} type="date" />
        <Field id="f-to" name="createdTo" label={t.createdTo} value={filters.createdTo} type="date" />
        <div class="control actions">
          <button type="submit">{t.search}</button>
          <button type="button" class="secondary" onClick={clear}>
            {t.clear}
          </button>
        </div>
      </form>
      <ErrorBox message={error} />
      <section aria-labelledby="h-results">
        <h2 id="h-results">{t.results}</h2>
        {loading ? <Loading /> : null}
        {rows && rows.length === 0 ? <p class="muted">{t.noResults}</p> : null}
        {rows && rows.length > 0 ? (
          <div class="table-wrap" tabIndex={0}>
            <table data-testid="results">
              <thead>
                <tr>
                  <th scope="col">{t.createdAt}</th>
                  <th scope="col">{t.verificationId}</th>
                  <th scope="col">{t.userId}</th>
                  <th scope="col">{t.status}</th>
                  <th scope="col">{t.result}</th>
                  <th scope="col">NIK</th>
                  <th scope="col">{t.name}</th>
                  <th scope="col">{t.flags}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>{dt(r.createdAt)}</td>
                    <td>
                      <a href={`#/verifications/${r.id}`} class="mono">
                        {r.id.slice(0, 8)}…
                      </a>
                    </td>
                    <td>{r.userId}</td>
                    <td>
                      <Badge value={r.status} />
                    </td>
                    <td>
                      <Badge value={r.result} />
                    </td>
                    <td class="mono">{r.nik ?? '—'}</td>
                    <td>{r.name ?? '—'}</td>
                    <td>{r.hasConflict ? <span class="badge badge-conflict">{t.conflict}</span> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <Pager
          hasPrev={cursor !== null}
          next={next}
          onFirst={() => setCursor(null)}
          onNext={() => setCursor(next)}
        />
      </section>
    </>
  );
}

function Field(p: {
  id: string;
  name: string;
  label: string;
  value: string;
  type?: string;
  inputMode?: string;
  pattern?: string;
}) {
  return (
    <div class="control">
      <label for={p.id}>{p.label}</label>
      <input
        id={p.id}
        name={p.name}
        type={p.type ?? 'text'}
        defaultValue={p.value}
        inputMode={p.inputMode as 'numeric' | undefined}
        pattern={p.pattern}
        autocomplete="off"
      />
    </div>
  );
}
