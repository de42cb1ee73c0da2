/** A V8 profile's call frame (CPU and sampling heap profiles alike). */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

/** A frame's name: function and where it is (a package by its name and version, our files from the repository root). */
export const frameName = (f: CallFrame): string =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\/\.pnpm\/([^/]+)\/.*/, '$1').replace(/^file:\/\/.*?\/(packages|services|bench)\//, '$1/')}:${f.lineNumber + 1}`;
