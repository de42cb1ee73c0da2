/** Vite's `?raw` imports of the repository's data/ (an alias in vite.config.ts): the file's text, bundled (used for the holiday notices the working calendar needs). */
declare module '@gridgov-data/*?raw' {
  const text: string;
  export default text;
}
