// esbuild's `keepNames` (scripts/build.mjs) wraps every named function and class of a bundle in `__name(fn, "name")`,
// which redefines the function's `name` so that a symbol renamed by bundling (`ReplyError2`) still reads as it was
// written: errors are logged and matched by their class names (`err.name`, pino's `type`). The wrapper runs each time
// its function is created, and for a closure made per request or per record that is every time: `Object.defineProperty`
// on a fresh function, 2–4 % of each service's busy CPU at 1,000 reports a second (docs/performance.md, "The intake's
// request logger and the bundles' function names"). More than half of those calls set the name the function already has
// (a nested `function next() {}` named "next"); the helper here skips them, which changes nothing anyone can see, as
// the property it would define is the one already there (same value, not writable, not enumerable, configurable).

/** esbuild's helper as it writes it (0.28). */
export const ESBUILD_NAME_HELPER = 'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';

/** The same helper, on one line (the source map's lines stay where they were), skipping a name already there. */
export const GUARDED_NAME_HELPER =
  'var __name = (target, value) => (target.name === value ? target : __defProp(target, "name", { value, configurable: true }));';

/**
 * A bundle's text with its `__name` helper guarded. A bundle that never calls it is returned as it is; one that calls
 * a helper written otherwise (a newer esbuild) is refused, so the build says so instead of quietly losing the guard.
 */
export function guardNameHelper(text, file = 'the bundle') {
  if (text.includes(ESBUILD_NAME_HELPER)) return text.replace(ESBUILD_NAME_HELPER, GUARDED_NAME_HELPER);
  if (text.includes('__name(')) {
    throw new Error(`${file} calls __name but its helper is not the one scripts/bundle-names.mjs knows: check esbuild's`);
  }
  return text;
}
