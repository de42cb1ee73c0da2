import type { Me, Role } from './api/types.ts';
import type { CatalogAnswer } from './catalog.ts';

/**
 * The signed-in session lives in this tab only (sessionStorage): closing the tab signs out. Who the token speaks
 * for and the catalog are kept beside it, so that a reload without signal still opens the page (the phone's
 * outbox most of all); they are read again from the API whenever it answers.
 */
const SESSION_KEY = 'gridgov.console.session';

export interface StoredSession {
  readonly token: string;
  readonly me: Me | undefined;
  readonly catalog: CatalogAnswer | undefined;
}

export function storedSession(): StoredSession | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Partial<StoredSession> | null;
    return typeof value?.token === 'string' ? { token: value.token, me: value.me, catalog: value.catalog } : undefined;
  } catch {
    return undefined;
  }
}

export const storeSession = (session: StoredSession): void => sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
export const forgetSession = (): void => sessionStorage.removeItem(SESSION_KEY);

/** The console's pages, as the server knows them too (services/console/src/paths.ts APP_PAGES). */
export type Page = '/signin' | '/leader' | '/dispatcher' | '/report' | '/handler' | '/inbox' | '/admin';

/** The case detail page, open to every role (`/case?id=<incidentId>`): what the API lets the reader see of one case. */
export const CASE_PAGE = '/case';
export const casePath = (incidentId: string): string => `${CASE_PAGE}?id=${encodeURIComponent(incidentId)}`;

/** The incident id of the case detail page at `location`, if that is the page shown. */
export function caseIn(location: Pick<Location, 'pathname' | 'search'>): string | undefined {
  if (location.pathname !== CASE_PAGE) return undefined;
  const id = new URLSearchParams(location.search).get('id');
  return id && /^[0-9a-f-]{8,64}$/i.test(id) ? id : undefined;
}

/** The page each role works from. */
export function pageFor(role: Role): Page {
  switch (role) {
    case 'grid_staff':
      return '/report';
    case 'dispatcher':
      return '/dispatcher';
    case 'leader':
      return '/leader';
    case 'admin':
      return '/admin';
    case 'handler':
      return '/handler';
    default: {
      const unknown: never = role;
      throw new Error(`unknown role ${String(unknown)}`);
    }
  }
}
