import { describe, expect, it } from 'vitest';
import { staleDocs } from './docs/gen-docs.ts';

/** docs/api.md and docs/config.md are generated from the code: a change to a route, a schema or a code shows here. */
describe('generated docs', () => {
  it('docs/api.md and docs/config.md are what `pnpm gen-docs` writes from the code', async () => {
    const stale = await staleDocs();
    expect(stale, `${stale.join(', ')} stale: run \`pnpm gen-docs\` and commit the result`).toEqual([]);
  });
});
