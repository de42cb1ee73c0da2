// How scripts/build.mjs has esbuild bundle each entrypoint, in one place: the build adds its plugins, banner and
// externals, and the tests that build a bundle of their own (test/source-maps.unit.test.ts,
// test/bundle-names.unit.test.ts) build it the same way.
export const BUNDLE_OPTIONS = Object.freeze({
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: 'linked',
  // Names kept: errors are logged with their class names (err.name, `instanceof` across modules is unchanged), and
  // stack traces name functions as written. Its helper is guarded by scripts/bundle-names.mjs.
  keepNames: true,
});
