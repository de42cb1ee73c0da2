import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiClient, ApiError, type ConsoleConfig } from './api/client.ts';
import { ApiContext } from './api/context.tsx';
import type { Me } from './api/types.ts';
import { Catalog, CatalogContext, type CatalogAnswer } from './catalog.ts';
import { Bell } from './components/Bell.tsx';
import { Header } from './components/Header.tsx';
import { useI18n } from './i18n/context.tsx';
import { DispatcherPage } from './pages/Dispatcher.tsx';
import { HandlerPage } from './pages/Handler.tsx';
import { InboxPage } from './pages/Inbox.tsx';
import { LeaderTabs } from './pages/LeaderTabs.tsx';
import { ReportPage } from './pages/Report.tsx';
import { SignInPage, type SignInProblem } from './pages/SignIn.tsx';
import { forgetDelivered, outboxKeys } from './offline/outbox.ts';
import { AdminPage } from './pages/Admin.tsx';
import { CaseDetailPage } from './pages/CaseDetail.tsx';
import { caseIn, casePath, forgetSession, pageFor, storedSession, storeSession, type Page } from './session.ts';

type Session =
  | { readonly kind: 'checking' }
  | { readonly kind: 'signed-out'; readonly problem?: SignInProblem }
  | { readonly kind: 'signed-in'; readonly api: ApiClient; readonly me: Me; readonly catalog: Catalog };

/** Moves to `page` (history.replaceState: the pages are one per role, there is nothing to go back to). */
function show(page: Page): void {
  if (window.location.pathname !== page) window.history.replaceState(null, '', page);
}

const messageOf = (err: unknown) => (err instanceof ApiError || err instanceof Error ? err.message : String(err));

export function App({ config }: { config: ConsoleConfig }) {
  const { t } = useI18n();
  const [session, setSession] = useState<Session>(() => (storedSession() ? { kind: 'checking' } : { kind: 'signed-out' }));

  const signOut = useCallback((problem?: SignInProblem) => {
    forgetSession();
    // Delivered reports leave the phone with the session; those not yet delivered stay for the next sign-in.
    forgetDelivered(localStorage, outboxKeys(localStorage));
    setSession(problem === undefined ? { kind: 'signed-out' } : { kind: 'signed-out', problem });
  }, []);

  const clientFor = useCallback(
    (token: string) => new ApiClient(config, token, (message) => signOut({ reason: 'expired', message })),
    [config, signOut],
  );

  /** Who the token speaks for (GET /v1/me) and the catalog. Any 401 later signs out, back here with the API's message. */
  const signIn = useCallback(
    async (token: string): Promise<SignInProblem | undefined> => {
      const api = clientFor(token);
      try {
        const [me, catalog] = await Promise.all([api.get<Me>('intake', '/v1/me'), api.get<CatalogAnswer>('intake', '/v1/catalog')]);
        storeSession({ token, me, catalog });
        setSession({ kind: 'signed-in', api, me, catalog: new Catalog(catalog) });
        return undefined;
      } catch (err) {
        forgetSession();
        return { reason: 'failed', message: messageOf(err) };
      }
    },
    [clientFor],
  );

  // A reload: the kept session opens at once (no signal needed); the API, when it answers, says whether it still holds.
  useEffect(() => {
    const kept = storedSession();
    if (!kept) return;
    if (!kept.me || !kept.catalog) {
      void signIn(kept.token).then((problem) => problem && setSession({ kind: 'signed-out', problem }));
      return;
    }
    const api = clientFor(kept.token);
    setSession({ kind: 'signed-in', api, me: kept.me, catalog: new Catalog(kept.catalog) });
    Promise.all([api.get<Me>('intake', '/v1/me'), api.get<CatalogAnswer>('intake', '/v1/catalog')]).then(
      ([me, catalog]) => storeSession({ token: kept.token, me, catalog }),
      // A 401 has signed out already; no answer at all (offline) keeps the page as it is.
      () => undefined,
    );
  }, [clientFor, signIn]);

  // The inbox (the bell opens it) over the role's page; a reload of /inbox stays there.
  const [view, setView] = useState<'/inbox' | undefined>(() => (window.location.pathname === '/inbox' ? '/inbox' : undefined));
  const page = useMemo<Page>(() => (session.kind === 'signed-in' ? (view ?? pageFor(session.me.actor.role)) : '/signin'), [session, view]);
  // The case detail page (every role's): opened from a list, a link or the inbox, closed back to the role's page.
  const [caseId, setCaseId] = useState<string | undefined>(() => caseIn(window.location));
  useEffect(() => {
    const onPop = () => setCaseId(caseIn(window.location));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const openCase = useCallback((incidentId: string) => {
    window.history.pushState(null, '', casePath(incidentId));
    setCaseId(incidentId);
  }, []);
  const closeCase = useCallback(() => {
    window.history.pushState(null, '', page);
    setCaseId(undefined);
  }, [page]);
  useEffect(() => {
    if (session.kind !== 'checking' && caseId === undefined) show(page);
  }, [page, session.kind, caseId]);

  if (session.kind === 'checking') return <p className="loading">{t('app.loading')}</p>;
  if (session.kind === 'signed-out') {
    return (
      <>
        <Header />
        <SignInPage problem={session.problem} onSignIn={signIn} />
      </>
    );
  }
  const { api, me, catalog } = session;
  return (
    <CatalogContext.Provider value={catalog}>
      <ApiContext.Provider value={api}>
        <Header
          me={me}
          onSignOut={() => signOut()}
          bell={
            <Bell
              api={api}
              onOpen={() => {
                setCaseId(undefined);
                setView('/inbox');
              }}
            />
          }
        />
        <main className={`page page-${caseId === undefined ? page.slice(1) : 'case'}`}>
          {caseId !== undefined && <CaseDetailPage api={api} me={me} incidentId={caseId} onBack={closeCase} onOpenCase={openCase} />}
          {caseId === undefined && page === '/leader' && <LeaderTabs api={api} me={me} />}
          {caseId === undefined && page === '/dispatcher' && <DispatcherPage api={api} me={me} onOpenCase={openCase} />}
          {caseId === undefined && page === '/report' && <ReportPage api={api} me={me} onOpenCase={openCase} />}
          {caseId === undefined && page === '/handler' && <HandlerPage api={api} me={me} onOpenCase={openCase} />}
          {caseId === undefined && page === '/admin' && <AdminPage api={api} />}
          {caseId === undefined && page === '/inbox' && <InboxPage api={api} onBack={() => setView(undefined)} />}
        </main>
      </ApiContext.Provider>
    </CatalogContext.Provider>
  );
}
