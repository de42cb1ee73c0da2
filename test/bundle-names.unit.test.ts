import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { BUNDLE_OPTIONS } = (await import(
  pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '../scripts/bundle-options.mjs')).href
)) as { BUNDLE_OPTIONS: BuildOptions };

/** scripts/bundle-names.mjs, which scripts/build.mjs applies to every bundle (plain JavaScript, typed here). */
const { guardNameHelper, ESBUILD_NAME_HELPER, GUARDED_NAME_HELPER } = (await import(
  pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '../scripts/bundle-names.mjs')).href
)) as { guardNameHelper(text: string, file?: string): string; ESBUILD_NAME_HELPER: string; GUARDED_NAME_HELPER: string };

interface Seen {
  readonly names: Record<string, string>;
  /** How many times the bundle redefined a function's `name` while making 1,000 closures. */
  readonly nameDefinitions: number;
}

/**
 * The bundles keep the names their functions and classes were written with (`keepNames`), and the guarded helper
 * keeps them all while leaving alone a function that already has its name.
 */
describe('the bundles’ function names', () => {
  let dir: string;
  let bundle: string;
  let esbuilt: string;

  /** Runs a bundle's text in its own node and reports what it names and how often it redefined `name`. */
  const run = (text: string): Seen => {
    writeFileSync(bundle, text);
    return JSON.parse(execFileSync(process.execPath, [bundle], { encoding: 'utf8' })) as Seen;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridgov-bundle-names-'));
    mkdirSync(join(dir, 'src'));
    // Two modules with an error class of the same name: bundling renames one of them (ReplyError2).
    writeFileSync(join(dir, 'src/a.ts'), 'export class ReplyError extends Error {}\n');
    writeFileSync(join(dir, 'src/b.ts'), 'export class ReplyError extends Error {}\nexport const other = (): Error => new ReplyError();\n');
    writeFileSync(
      join(dir, 'src/main.ts'),
      [
        "import { ReplyError } from './a.ts';",
        "import { other } from './b.ts';",
        '// A closure made per call, as a request handler makes them: a nested declaration and a named arrow.',
        'function perRequest(): { next: () => number; done: () => number } {',
        '  function next(): number {',
        '    return 1;',
        '  }',
        '  const done = (): number => 2;',
        '  return { next, done };',
        '}',
        'const defineProperty = Object.defineProperty;',
        'let nameDefinitions = 0;',
        'Object.defineProperty = ((target: object, key: PropertyKey, descriptor: PropertyDescriptor) => {',
        "  if (key === 'name' && typeof target === 'function') nameDefinitions++;",
        '  return defineProperty(target, key, descriptor);',
        '}) as typeof Object.defineProperty;',
        'const atStart = nameDefinitions;',
        'const made = Array.from({ length: 1000 }, perRequest);',
        'console.log(JSON.stringify({',
        '  names: {',
        '    a: new ReplyError().constructor.name,',
        '    b: other().constructor.name,',
        '    next: made[999]!.next.name,',
        '    done: made[999]!.done.name,',
        '  },',
        '  nameDefinitions: nameDefinitions - atStart,',
        '}));',
        '',
      ].join('\n'),
    );
    bundle = join(dir, 'dist/main.mjs');
    // As scripts/build.mjs builds the services; the helper reads Object.defineProperty when the bundle loads, so it
    // is patched first (the bundle's first statement) for the count to see it.
    await build({
      entryPoints: [join(dir, 'src/main.ts')],
      outfile: bundle,
      ...BUNDLE_OPTIONS,
      logLevel: 'silent',
    });
    esbuilt = readFileSync(bundle, 'utf8');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The bundle with the count moved before the helper's `__defProp` is taken from Object. */
  const counted = (text: string) => {
    const patch = text.slice(text.indexOf('var defineProperty = Object.defineProperty;'), text.indexOf('var atStart = '));
    expect(patch.length).toBeGreaterThan(0);
    return patch + text.replace(patch, '');
  };

  it('is the helper esbuild writes, and the guard replaces it', () => {
    expect(esbuilt).toContain(ESBUILD_NAME_HELPER);
    expect(esbuilt).toMatch(/var ReplyError2 = class extends Error/);
    const guarded = guardNameHelper(esbuilt);
    expect(guarded).not.toContain(ESBUILD_NAME_HELPER);
    expect(guarded).toContain(GUARDED_NAME_HELPER);
    // One line for one: the source map's lines stay where they were.
    expect(guarded.split('\n').length).toBe(esbuilt.split('\n').length);
  });

  it('keeps every name as written, a renamed class’s too, and redefines only the names that differ', () => {
    const before = run(counted(esbuilt));
    const after = run(counted(guardNameHelper(esbuilt)));
    const written = { a: 'ReplyError', b: 'ReplyError', next: 'next', done: 'done' };
    expect(before.names).toEqual(written);
    expect(after.names).toEqual(written);
    // esbuild's helper redefined both closures' names each call; the guard only the arrow's (which V8 leaves nameless).
    expect(before.nameDefinitions).toBe(2000);
    expect(after.nameDefinitions).toBe(1000);
  });

  it('refuses a bundle that calls a helper it does not know, and leaves one without names as it is', () => {
    const otherHelper = esbuilt.replace(ESBUILD_NAME_HELPER, 'var __name = (target, value) => target;');
    expect(() => guardNameHelper(otherHelper, 'x/main.js')).toThrow(/x\/main\.js calls __name but its helper/);
    const plain = 'console.log(1);\n';
    expect(guardNameHelper(plain)).toBe(plain);
  });
});
