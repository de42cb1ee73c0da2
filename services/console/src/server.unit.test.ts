import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { slowUpload } from '@gridgov/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleServer } from './server.ts';
import { loadSite } from './site.ts';

/** A raw request: the path goes to the server as written (fetch would normalise `..` away). */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console server', () => {
  let root: string;
  let base: string;
  let close: () => Promise<void>;
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'console-site-'));
    const site = join(root, 'site');
    await mkdir(join(site, 'assets'), { recursive: true });
    await writeFile(join(site, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(site, 'assets', 'index-abc123.js'), script);
    await writeFile(join(site, 'assets', 'index-abc123.css'), 'body{margin:0}');
    await writeFile(join(site, '.secret'), 'no');
    await writeFile(join(root, 'outside.txt'), 'outside the site');
    await symlink(join(root, 'outside.txt'), join(site, 'assets', 'link.txt'));
    const server = createConsoleServer({
      site: await loadSite(site),
      browser: { intakeUrl: 'http://127.0.0.1:3000', projectionUrl: 'http://127.0.0.1:3001', notifierUrl: 'http://127.0.0.1:8083' },
      logger: pino({ level: 'silent' }),
      timeouts: { requestMs: 1_000, headersMs: 1_000, keepAliveMs: 1_000, idleMs: 10_000 },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((r) => server.close(() => r()));
  });

  afterAll(async () => {
    await close();
    await rm(root, { recursive: true, force: true });
  });

  it('closes the connection of a slow upload, to a page or to a path that does not exist (issue 20, finding 5)', async () => {
    // 1 s for a whole request; this client would take 15 s to send its body.
    const port = Number(new URL(base).port);
    const [page, nowhere] = await Promise.all([
      slowUpload({ port, path: '/', bodyBytes: 60, everyMs: 250 }),
      slowUpload({ port, path: '/no/such/file', bodyBytes: 60, everyMs: 250 }),
    ]);
    for (const result of [page, nowhere]) {
      expect(result.cut).toBe(true);
      expect(result.bytesSent).toBeLessThan(60);
    }
  }, 30_000);

  it('serves the app for its pages: no-cache, HTML, a CSP that lets it call the two APIs only', async () => {
    for (const page of ['/', '/leader', '/dispatcher', '/report', '/signin']) {
      const res = await get(base, page);
      expect(res.status, page).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body.toString()).toContain('<div id="root">');
    }
    const csp = String((await get(base, '/')).headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:3000 http://127.0.0.1:3001 http://127.0.0.1:8083");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('serves hashed assets for a year, with their content type, gzipped when asked, and 304 on a matching ETag', async () => {
    const js = await get(base, '/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.body.toString()).toBe(script);
    const css = await get(base, '/assets/index-abc123.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');

    const zipped = await get(base, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString()).toBe(script);

    const again = await get(base, '/assets/index-abc123.js', { 'if-none-match': String(js.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const head = await get(base, '/assets/index-abc123.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(script)));
  });

  it('answers /config.json with the APIs the browser calls, never cached', async () => {
    const res = await get(base, '/config.json');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body.toString())).toEqual({
      intakeUrl: 'http://127.0.0.1:3000',
      projectionUrl: 'http://127.0.0.1:3001',
      notifierUrl: 'http://127.0.0.1:8083',
    });
    expect((await get(base, '/healthz')).status).toBe(200);
  });

  it('answers 404 for unknown paths and dot-files, 405 for other methods', async () => {
    for (const path of ['/nope', '/assets/missing.js', '/.secret', '/leader/x']) {
      const res = await get(base, path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body.toString())).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    const post = await get(base, '/', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('never serves a file from outside the site, however the path is written', async () => {
    for (const path of [
      '/../outside.txt',
      '/assets/../../outside.txt',
      '/%2e%2e/outside.txt',
      '/assets/%2e%2e%2f%2e%2e%2foutside.txt',
      '/assets/..%5c..%5coutside.txt',
      '/index.html%00',
      '//outside.txt',
    ]) {
      const res = await get(base, path);
      expect([400, 404], path).toContain(res.status);
      expect(res.body.toString(), path).not.toContain('outside the site');
    }
    // What the server holds is read once at start, links not followed; nothing is read from disk per request.
    const link = await get(base, '/assets/link.txt');
    expect(link.status).toBe(404);
  });
});
