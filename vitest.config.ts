import { defineConfig } from 'vitest/config';

const exclude = ['**/node_modules/**', '**/dist/**'];
const globalSetup = ['packages/testing/src/global-setup.ts'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['packages/**/*.unit.test.ts', 'services/**/*.unit.test.ts', 'test/**/*.unit.test.ts'], exclude } },
      {
        test: {
          name: 'int',
          include: ['packages/**/*.int.test.ts', 'services/**/*.int.test.ts'],
          exclude,
          globalSetup,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          exclude,
          globalSetup,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
