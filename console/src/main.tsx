// The operator console: sign-in, then pages over the admin API, routed by the URL's hash
// (#/overview, #/search, #/verifications/<id>, #/callbacks, #/webhooks, #/audit).
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, Session, setSession, whenSignedOut } from './api';
import { I18nContext, initialLang, Lang, LANGS, makeI18n, rememberLang, useI18n } from './i18n';
import { AuditPage } from './pages/audit';
import { CallbacksPage } from './pages/callbacks';
import { OverviewPage } from './pages/overview';
import { SearchPage } from './pages/search';
import { VerificationPage } from './pages/verification';
import { WebhooksPage } from './pages/webhooks';
import { errorText, ErrorBox, Loading, Notice } from './ui';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function LanguageSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <label class="lang">
      <span>{t.language}</span>{' '}
      <select
        value={lang}
        onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}
        data-testid="lang"
      >
        {LANGS.map((l) => (
          <option key={l} value={l}>
            {l === 'en' ? 'English' : 'Bahasa Indonesia'}
          </option>
        ))}
      </select>
    </label>
  );
}

function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice: string | null }) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const input = form.elements.namedItem('adminKey') as HTMLInputElement;
    setBusy(true);
    setError(null);
    try {
      const s = await api.post<Session>('/admin/session', { adminKey: input.value });
      input.value = ''; // the key is not kept anywhere once exchanged
      onSignedIn(s);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <div class="signin-box card">
        <h1>{t.signInTitle}</h1>
        <Notice message={notice} />
        <p class="muted">{t.signInHelp}</p>
        <form onSubmit={submit}>
          <label for="adminKey">{t.adminKey}</label>
          <input
            id="adminKey"
            name="adminKey"
            type="password"
            autocomplete="off"
            required
            spellcheck={false}
          />
          <button type="submit" disabled={busy}>
            {t.signIn}
          </button>
        </form>
        <ErrorBox message={error} />
        <LanguageSwitch />
      </div>
    </main>
  );
}

const NAV: [string, 'navOverview' | 'navSearch' | 'navCallbacks' | 'navWebhooks' | 'navAudit'][] = [
  ['#/overview', 'navOverview'],
  ['#/search', 'navSearch'],
  ['#/callbacks', 'navCallbacks'],
  ['#/webhooks', 'navWebhooks'],
  ['#/audit', 'navAudit'],
];

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { t, dt } = useI18n();
  const hash = useHash();
  const [path, search] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const page = parts[0] ?? 'overview';
  let content;
  if (page === 'search') content = <SearchPage />;
  else if (page === 'verifications' && parts[1])
    content = <VerificationPage id={decodeURIComponent(parts[1])} />;
  else if (page === 'callbacks') content = <CallbacksPage />;
  else if (page === 'webhooks') content = <WebhooksPage />;
  else if (page === 'audit') content = <AuditPage params={new URLSearchParams(search ?? '')} />;
  else content = <OverviewPage />;
  const current = page === 'verifications' ? '#/search' : `#/${page}`;
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        {t.skipToContent}
      </a>
      <header class="top">
        <div class="brand">{t.appName}</div>
        <nav aria-label={t.appName}>
          <ul>
            {NAV.map(([href, key]) => (
              <li key={href}>
                <a href={href} aria-current={current === href ? 'page' : undefined}>
                  {t[key]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="session">
          <LanguageSwitch />
          <span class="muted small" title={`${t.sessionUntil} ${dt(session.expiresAt)}`}>
            {t.signedInAs} {session.keyId}
          </span>
          <button type="button" class="secondary" onClick={onSignOut} data-testid="sign-out">
            {t.signOut}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </>
  );
}

function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = (l: Lang) => {
    rememberLang(l);
    setLangState(l);
  };
  const i18n = useMemo(() => makeI18n(lang, setLang), [lang]);
  const [session, setSessionState] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const adopt = (s: Session | null) => {
    setSession(s);
    setSessionState(s);
  };

  useEffect(() => {
    document.documentElement.lang = lang;
    whenSignedOut(() => adopt(null));
    // A reloaded page asks for its session (the cookie is sent; the CSRF token comes back).
    api.get<Session>('/admin/session').then(adopt, (e) => {
      if (!(e instanceof ApiError && e.problem.status === 401)) setError(errorText(e));
      adopt(null);
    });
  }, []);

  const signOut = async () => {
    try {
      await api.del('/admin/session');
    } finally {
      adopt(null);
      setNotice(i18n.t.signedOutNotice);
      location.hash = '';
    }
  };

  return (
    <I18nContext.Provider value={i18n}>
      <ErrorBox message={error} />
      {session === undefined ? (
        <main id="main">
          <Loading />
        </main>
      ) : session === null ? (
        <SignIn
          notice={notice}
          onSignedIn={(s) => {
            setNotice(null);
            adopt(s);
            if (!location.hash) location.hash = '#/overview';
          }}
        />
      ) : (
        <Shell session={session} onSignOut={signOut} />
      )}
    </I18nContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
