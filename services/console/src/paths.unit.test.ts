import { describe, expect, it } from 'vitest';
import { APP_PAGES, isHashedAsset, resolvePath } from './paths.ts';

const files = new Set(['/index.html', '/assets/index-3f2a9c.js', '/assets/index-77aa.css', '/assets/图标.svg']);
const resolve = (target: string) => resolvePath(target, (p) => files.has(p));

describe('request paths', () => {
  it('answer the pages with the app, the probes, the config and the built files', () => {
    for (const page of APP_PAGES) expect(resolve(page)).toEqual({ kind: 'app' });
    expect(resolve('/leader?area=440705')).toEqual({ kind: 'app' });
    expect(resolve('/healthz')).toEqual({ kind: 'health' });
    expect(resolve('/readyz')).toEqual({ kind: 'health' });
    expect(resolve('/config.json')).toEqual({ kind: 'config' });
    expect(resolve('/assets/index-3f2a9c.js?v=1')).toEqual({ kind: 'file', path: '/assets/index-3f2a9c.js' });
    expect(resolve('/assets/%E5%9B%BE%E6%A0%87.svg')).toEqual({ kind: 'file', path: '/assets/图标.svg' });
  });

  it('answer 404 for what is neither a page nor a built file', () => {
    for (const target of [
      '/leader/',
      '/leaders',
      '/api/v1/figures',
      '/assets/',
      '/assets/missing.js',
      '/index.htm',
      '/.env',
      '/src/main.tsx',
    ]) {
      expect(resolve(target).kind, target).toBe('not-found');
    }
  });

  it('refuse every way out of the site: .. and . segments (encoded too), backslashes, NUL, absolute and double-slash targets', () => {
    for (const target of [
      '/../etc/passwd',
      '/assets/../../etc/passwd',
      '/%2e%2e/etc/passwd',
      '/%2E%2E/%2E%2E/etc/passwd',
      '/assets/%2e%2e%2f%2e%2e%2fetc/passwd',
      '/./index.html',
      '/..',
      '/assets/..%5c..%5cetc%5cpasswd',
      '/assets\\..\\index.html',
      '/index.html%00.js',
      '//etc/passwd',
      'http://evil.example/index.html',
      '*',
      '',
      '/%E0%A4%A',
    ]) {
      expect(resolve(target).kind, target).toBe('bad-request');
    }
  });

  it('tell hashed assets (cached for a year) from the rest (revalidated)', () => {
    expect(isHashedAsset('/assets/index-3f2a9c.js')).toBe(true);
    expect(isHashedAsset('/index.html')).toBe(false);
  });
});
