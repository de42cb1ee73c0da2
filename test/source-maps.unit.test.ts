import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { build, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { BUNDLE_OPTIONS } = (await import(
  pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '../scripts/bundle-options.mjs')).href
)) as { BUNDLE_OPTIONS: BuildOptions };

interface SourceMap {
  readonly sources: string[];
  readonly sourcesContent?: (string | null)[];
  readonly mappings: string;
}
/** scripts/source-maps.mjs, which scripts/build.mjs applies to every bundle's map (plain JavaScript, typed here). */
const { cutToOwnCode, projectSource } = (await import(
  pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '../scripts/source-maps.mjs')).href
)) as {
  cutToOwnCode(map: SourceMap, isOwn: (source: string) => boolean): { map: SourceMap; kept: number; dropped: number };
  projectSource(source: string): boolean;
};

/**
 * The bundles' source maps keep only the project's own code (ADR 0039): a stack trace printed by
 * `node --enable-source-maps`, as the image runs, names the project's TypeScript for its own frames, and a frame inside
 * an npm package its place in the bundle, never a file of the project's that came before it in the bundle.
 */
describe('source maps cut to the project’s own code', () => {
  let dir: string;
  let bundle: string;
  const original = () => readFileSync(`${bundle}.map.orig`, 'utf8');

  /** The stack of the error the bundle throws, as node --enable-source-maps prints it. */
  const stackWith = (map: string): string => {
    writeFileSync(`${bundle}.map`, map);
    return execFileSync(process.execPath, ['--enable-source-maps', bundle], { encoding: 'utf8' });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridgov-source-maps-'));
    // An npm package that throws from inside itself, bundled after one of the project's modules and before another.
    mkdirSync(join(dir, 'node_modules/thrower'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/thrower/package.json'), JSON.stringify({ name: 'thrower', type: 'module', main: 'index.js' }));
    writeFileSync(
      join(dir, 'node_modules/thrower/index.js'),
      ['export function explodeInPackage() {', "  const reason = 'boom';", '  throw new Error(reason);', '}', ''].join('\n'),
    );
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/first.ts'), ['export function first(n: number): number {', '  return n * 2;', '}', ''].join('\n'));
    writeFileSync(
      join(dir, 'src/main.ts'),
      [
        "import { first } from './first.ts';",
        "import { explodeInPackage } from 'thrower';",
        '',
        'function callsThePackage(): void {',
        '  explodeInPackage();',
        '}',
        'try {',
        '  callsThePackage();',
        '} catch (err) {',
        '  console.log((err as Error).stack, first(1));',
        '}',
        '',
      ].join('\n'),
    );
    bundle = join(dir, 'dist/main.js');
    // As scripts/build.mjs builds the services.
    await build({
      entryPoints: [join(dir, 'src/main.ts')],
      outfile: bundle,
      ...BUNDLE_OPTIONS,
      logLevel: 'silent',
    });
    writeFileSync(`${bundle}.map.orig`, readFileSync(`${bundle}.map`));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the project’s files for its own frames and the bundle for the package’s', () => {
    const { map, kept, dropped } = cutToOwnCode(JSON.parse(original()) as SourceMap, projectSource);
    const stack = stackWith(JSON.stringify(map));
    const frames = stack.split('\n').filter((line) => line.trim().startsWith('at '));
    expect(frames[0]).toMatch(/at explodeInPackage \(.*dist\/main\.js:\d+:\d+\)$/);
    expect(frames[1]).toMatch(/at callsThePackage \(.*src\/main\.ts:5:3\)$/);
    expect(stack).not.toMatch(/first\.ts/);
    expect(kept).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
    // The package's own text is not carried in the map; the project's is.
    const contents = map.sourcesContent ?? [];
    expect(contents[map.sources.findIndex((s) => s.includes('node_modules/thrower'))]).toBeNull();
    expect(contents[map.sources.findIndex((s) => s.endsWith('src/main.ts'))]).toContain('callsThePackage');
  });

  it('is a frame esbuild’s whole map sends into the package, and a map without stops sends into the project', () => {
    // The whole map: the package's frame is in its own file (the frame is truly the package's).
    expect(stackWith(original())).toMatch(/at explodeInPackage \(.*node_modules\/thrower\/index\.js:3:9\)/);
    // The segments dropped with no stop where they were: Node takes the last segment before the frame, the project's.
    const { map: cut } = cutToOwnCode(JSON.parse(original()) as SourceMap, projectSource);
    const withoutStops = { ...cut, mappings: encode(decode(cut.mappings).map((line) => line.filter((s) => s.length > 1))) };
    expect(stackWith(JSON.stringify(withoutStops))).toMatch(/at explodeInPackage \(.*src\/first\.ts:/);
  });
});
