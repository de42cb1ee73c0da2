import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { DESKTOP, launchChromium, signedInPage } from './browser.ts';
import { startConsoleStack, type ConsoleStack } from './console-stack.ts';

/** What a console browser test works with: the stack, Chromium and the contexts it opened. */
export interface ConsoleInBrowser {
  /** The running stack; throws why there is no browser (how to install Chromium) when there is none. */
  stack(): ConsoleStack;
  /** Chromium, the same way. */
  browser(): Browser;
  /** A context of its own (closed after the file's tests). */
  newContext(device?: BrowserContextOptions): Promise<BrowserContext>;
  /** A page in a context of its own, signed in by pasting `token` as a user would, landed on `landing`. */
  signIn(token: string, landing: string, device?: BrowserContextOptions): Promise<{ page: Page; errors: string[] }>;
}

/**
 * The set-up every console browser test shares, called in its `describe`: Chromium first, then the console stack
 * (`startConsoleStack` with `options`), both before the file's tests; every context, the browser and the stack closed
 * after them. Without Chromium nothing else is started and every test fails saying how to install it: none is skipped.
 */
export function consoleInBrowser(options: Parameters<typeof startConsoleStack>[0] = {}): ConsoleInBrowser {
  let stack: ConsoleStack | undefined;
  let browser: Browser | undefined;
  let noBrowser: Error | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    try {
      browser = await launchChromium();
    } catch (err) {
      noBrowser = err instanceof Error ? err : new Error(String(err));
      return;
    }
    stack = await startConsoleStack(options);
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await stack?.stop();
  });

  const ready = (): { stack: ConsoleStack; browser: Browser } => {
    if (noBrowser) throw noBrowser;
    if (!stack || !browser) throw new Error('the console stack is not started: call consoleInBrowser in a describe, use it in its tests');
    return { stack, browser };
  };
  return {
    stack: () => ready().stack,
    browser: () => ready().browser,
    async newContext(device = DESKTOP) {
      const context = await ready().browser.newContext(device);
      contexts.push(context);
      return context;
    },
    signIn(token, landing, device = DESKTOP) {
      const { stack, browser } = ready();
      return signedInPage(browser, contexts, stack.consoleUrl, token, landing, device);
    },
  };
}
