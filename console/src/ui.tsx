// Small shared pieces: loading and error states, status badges, definition lists, charts (SVG,
// no style attributes: the console's Content-Security-Policy allows no inline style).
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';
import { useI18n } from './i18n';

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(() => {
    setLoading(true);
    setError(null);
    load().then(
      (d) => {
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        setError(e instanceof Error ? e.message : String(e));
        setLoading(false);
      },
    );
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, loading, reload, setData };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = e.problem.errors?.map((f) => `${f.field}: ${f.message}`).join('; ');
    return fields ? `${e.message} (${fields})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" role="status">
      {t.loading}
    </p>
  );
}

export function ErrorBox({ message }: { message: string | null }) {
  const { t } = useI18n();
  if (!message) return null;
  return (
    <div class="alert alert-error" role="alert">
      <strong>{t.error}:</strong> {message}
    </div>
  );
}

export function Notice({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div class="alert alert-ok" role="status">
      {message}
    </div>
  );
}

export function Badge({ value }: { value: string | null | undefined }) {
  if (!value) return <span class="muted">—</span>;
  return <span class={`badge badge-${value.toLowerCase().replace(/[^a-z]/g, '-')}`}>{value}</span>;
}

export function Card({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export function Fields({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="fields">
      {rows.map(([k, v]) => (
        <div class="field" key={k}>
          <dt>{k}</dt>
          <dd>{v === null || v === undefined || v === '' ? '—' : v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The colour class of a status or result (the same meaning as its badge). */
function tone(key: string): string {
  if (['COMPLETED', 'VALID', 'SUCCEEDED'].includes(key)) return 'tone-ok';
  if (['INVALID', 'REJECTED', 'ERROR', 'INITIATION_FAILED', 'FAILED'].includes(key)) return 'tone-bad';
  if (['EXPIRED'].includes(key)) return 'tone-warn';
  if (key === 'none') return 'tone-none';
  return 'tone-info';
}

/**
 * Horizontal bars for counts (e.g. by status): HTML rows for the text (readable at any width),
 * each bar an SVG rectangle scaled to the largest count.
 */
export function Bars({ items, label }: { items: [string, number][]; label: string }) {
  const { num } = useI18n();
  const max = Math.max(1, ...items.map(([, n]) => n));
  return (
    <figure class="bars" aria-label={label}>
      {items.map(([k, n]) => (
        <div class="bars-row" key={k}>
          <span class="bars-label">{k}</span>
          <svg class="bars-track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
            <rect x="0" y="0" width={(100 * n) / max} height="10" class={tone(k)} />
          </svg>
          <span class="bars-value">{num(n)}</span>
        </div>
      ))}
    </figure>
  );
}

export interface Series {
  name: string;
  cls: string;
  values: (number | null)[];
}

/** Columns (bars) or a line per series over labelled days; a legend and an accessible label. */
export function Chart({
  labels,
  series,
  kind,
  label,
}: {
  labels: string[];
  series: Series[];
  kind: 'bars' | 'lines';
  label: string;
}) {
  const W = 640;
  const H = 200;
  const pad = { l: 56, r: 8, t: 14, b: 28 };
  const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const slot = (W - pad.l - pad.r) / Math.max(1, labels.length);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const ticks = [0, max / 2, max];
  const tickText = (v: number) => (max < 10 ? String(Math.round(v * 10) / 10) : String(Math.round(v)));
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={label}>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={pad.l} x2={W - pad.r} y1={y(v)} y2={y(v)} class="grid" />
            <text x={pad.l - 6} y={y(v) + 4} class="axis" text-anchor="end">
              {tickText(v)}
            </text>
          </g>
        ))}
        {labels.map((l, i) =>
          i % 2 === 0 || labels.length <= 8 ? (
            <text key={l} x={pad.l + slot * i + slot / 2} y={H - 8} class="axis" text-anchor="middle">
              {l.slice(5)}
            </text>
          ) : null,
        )}
        {kind === 'bars'
          ? series.map((s, si) =>
              s.values.map((v, i) => {
                const w = (slot * 0.8) / series.length;
                const x = pad.l + slot * i + slot * 0.1 + w * si;
                return v ? (
                  <rect key={`${si}-${i}`} x={x} y={y(v)} width={w} height={y(0) - y(v)} class={s.cls}>
                    <title>{`${labels[i]} ${s.name}: ${v}`}</title>
                  </rect>
                ) : null;
              }),
            )
          : series.map((s) => {
              const pts = s.values
                .map((v, i) => (v === null ? null : `${pad.l + slot * i + slot / 2},${y(v)}`))
                .filter(Boolean)
                .join(' ');
              return (
                <g key={s.name}>
                  <polyline points={pts} class={`line ${s.cls}`} fill="none" />
                  {s.values.map((v, i) =>
                    v === null ? null : (
                      <circle key={i} cx={pad.l + slot * i + slot / 2} cy={y(v)} r="3.5" class={s.cls}>
                        <title>{`${labels[i]} ${s.name}: ${v}`}</title>
                      </circle>
                    ),
                  )}
                </g>
              );
            })}
      </svg>
      <figcaption class="legend">
        {series.map((s) => (
          <span key={s.name} class="legend-item">
            <svg width="12" height="12" aria-hidden="true">
              <rect width="12" height="12" class={s.cls} />
            </svg>{' '}
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function Pager({
  hasPrev,
  next,
  onFirst,
  onNext,
}: {
  hasPrev: boolean;
  next: string | null;
  onFirst: () => void;
  onNext: () => void;
}) {
  const { t } = useI18n();
  if (!hasPrev && !next) return null;
  return (
    <div class="pager">
      <button type="button" class="secondary" disabled={!hasPrev} onClick={onFirst}>
        {t.firstPage}
      </button>
      <button type="button" class="secondary" disabled={!next} onClick={onNext}>
        {t.nextPage}
      </button>
    </div>
  );
}
