import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface SiteFile {
  readonly body: Buffer;
  /** The body gzipped, when that is worth it (text, over 1 KiB). */
  readonly gzip: Buffer | undefined;
  readonly contentType: string;
  readonly etag: string;
}

/** The built site, held in memory: its path from the root ('/index.html') → the file. */
export type Site = ReadonlyMap<string, SiteFile>;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export const contentTypeOf = (path: string): string => CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

const compressible = (type: string) => /^(text\/|application\/(json|manifest\+json)|image\/svg\+xml)/.test(type);

export function siteFile(path: string, body: Buffer): SiteFile {
  const contentType = contentTypeOf(path);
  const gzip = compressible(contentType) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, gzip: gzip && gzip.length < body.length ? gzip : undefined, contentType, etag };
}

/** Reads every file under `dir` into memory, once, at start: dot-files, dot-folders and symbolic links left out. */
export async function loadSite(dir: string): Promise<Site> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const site = new Map<string, SiteFile>();
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const parts = relative(dir, full).split(sep);
    if (parts.some((p) => p.startsWith('.'))) continue;
    const path = `/${parts.join('/')}`;
    site.set(path, siteFile(path, await readFile(full)));
  }
  if (!site.has('/index.html')) {
    throw new Error(`no index.html in ${dir}: build the console first (pnpm --filter @gridgov/console build)`);
  }
  return site;
}
