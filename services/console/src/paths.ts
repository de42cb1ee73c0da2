/**
 * Which answer a request path gets. Pure: the server looks the result up in the files it loaded at start,
 * so nothing outside the built site can ever be read, whatever the path says.
 */

/** The console's pages: each is answered with index.html, and the page itself reads its path. */
export const APP_PAGES: ReadonlySet<string> = new Set([
  '/',
  '/signin',
  '/leader',
  '/dispatcher',
  '/report',
  '/handler',
  '/inbox',
  '/case',
  '/admin',
]);

export type Resolution =
  | { readonly kind: 'health' }
  | { readonly kind: 'config' }
  | { readonly kind: 'app' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'not-found'; readonly path: string }
  | { readonly kind: 'bad-request'; readonly reason: string };

/**
 * Resolves the request target (`req.url`: path and query) against the site. `hasFile` answers for the
 * site's own files, keyed by their '/'-separated path from the site's root ('/assets/index-3f2a.js').
 * Refused outright (400): anything but a path from the root, bad percent-encoding, NUL, backslashes,
 * and `.` or `..` segments, encoded or not.
 */
export function resolvePath(target: string, hasFile: (path: string) => boolean): Resolution {
  const raw = target.split(/[?#]/, 1)[0] ?? '';
  if (!raw.startsWith('/') || raw.startsWith('//')) return { kind: 'bad-request', reason: 'the path must start with a single /' };
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return { kind: 'bad-request', reason: 'the path is not valid percent-encoding' };
  }
  if (/[\0\\]/.test(path)) return { kind: 'bad-request', reason: 'the path holds a NUL or a backslash' };
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return { kind: 'bad-request', reason: 'the path holds a . or .. segment' };
  if (path === '/healthz' || path === '/readyz') return { kind: 'health' };
  if (path === '/config.json') return { kind: 'config' };
  if (APP_PAGES.has(path)) return { kind: 'app' };
  if (hasFile(path)) return { kind: 'file', path };
  return { kind: 'not-found', path };
}

/** Vite names what it builds into assets/ by content hash: such a file never changes under its name. */
export const isHashedAsset = (path: string): boolean => path.startsWith('/assets/');
