import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium: the browser tests drive the system's own build (nothing is downloaded). */
export const CHROMIUM = '/usr/bin/chromium';

const HOW_TO =
  `The console's browser tests drive Debian's Chromium at ${CHROMIUM}, which is not installed. ` +
  'Install it with `apt-get update && apt-get install -y --no-install-recommends chromium` ' +
  '(bash scripts/test does this when it is missing).';

/** Headless Chromium, quiet: no background traffic, no updates, no sync, no GPU. Fails, never skips, without it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(HOW_TO);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
    ],
  });
}

/** Where screenshots go: test-artifacts/console/ at the repository root (ignored by git, kept by CI). */
export const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-artifacts/console');

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Whatever the page logged or failed at, for a failure message. */
export function collectPageErrors(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') lines.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  // Only for a failure message: a reload or a navigation aborts requests (streams, lists) as a matter of course.
  const failed: string[] = [];
  failedRequests.set(page, failed);
  page.on('requestfailed', (r) => {
    failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? '?'}`);
    if (failed.length > 20) failed.shift();
  });
  return lines;
}

/** The requests of each page watched by collectPageErrors that failed, the last 20. */
const failedRequests = new WeakMap<Page, string[]>();

/**
 * `err` with what the page shows and logged, and a screenshot: a step that timed out says why the page did not get
 * there (an error text, a request that failed, a blank page) instead of only what it waited for.
 */
export async function withPageState(err: unknown, page: Page, errors: readonly string[], name: string): Promise<Error> {
  const text = await page
    .locator('body')
    .innerText({ timeout: 2_000 })
    .then((t) => (t.trim() === '' ? '(blank)' : t.trim().slice(0, 500)))
    .catch((e: unknown) => `(could not read the page: ${e instanceof Error ? e.message : String(e)})`);
  const shot = await screenshot(page, name).catch(() => '(no screenshot)');
  const message = err instanceof Error ? err.message : String(err);
  const failed = failedRequests.get(page) ?? [];
  return new Error(
    `${message}\npage at ${page.url()} shows: ${text}\npage errors: ${errors.length > 0 ? errors.join('; ') : 'none'}\n` +
      `failed requests: ${failed.length > 0 ? failed.join('; ') : 'none'}\nscreenshot: ${shot}`,
    { cause: err },
  );
}

/** The day `daysAgo` days before now, as a local date (Asia/Shanghai) for a date input. */
const shanghaiDate = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * On the leader's page: the last `days` days (today included) as a range of dates, and one category with one
 * department, chosen as a leader would; the dates chosen, for asking the API the same.
 */
export async function chooseRangeAndScope(
  page: Page,
  days: number,
  scope: { readonly category: string; readonly department: string },
): Promise<{ from: string; to: string }> {
  const [from, to] = [shanghaiDate(days - 1), shanghaiDate(0)];
  await page.getByTestId('window').selectOption('range');
  await page.getByTestId('range-from').fill(from);
  await page.getByTestId('range-to').fill(to);
  await page.getByTestId('scope-category').selectOption(scope.category);
  await page.getByTestId('scope-department').selectOption(scope.department);
  return { from, to };
}

/**
 * An attribute of every element `locator` matches now, in one read of the page. Reading the elements one by one
 * (`all()`, then each one's attribute) races a list the page is redrawing: an element gone meanwhile is waited for
 * until the action timeout (30 s), which a poll then counts as one slow try.
 */
export function attributeOfEach(locator: Locator, name: string): Promise<(string | null)[]> {
  // Run in the page: an Element there (the tests' types have no DOM).
  type Element = { getAttribute(name: string): string | null };
  return locator.evaluateAll((elements, attribute) => elements.map((e) => (e as unknown as Element).getAttribute(attribute)), name);
}

/** The leader's figure cards the tests compare with the API: counts as numbers, the two rates as percentages. */
const SHOWN_FIGURES = ['reported', 'registered', 'closed', 'overdue', 'escalated', 'closureRate', 'onTimeClosureRate'] as const;

/** What the leader's figure cards show now, read in one go (a card reads — while its query loads). */
export async function shownFigures(page: Page): Promise<Record<string, string | null>> {
  const values = await Promise.all(SHOWN_FIGURES.map((name) => page.getByTestId(`figure-${name}`).locator('.figure-value').textContent()));
  return Object.fromEntries(SHOWN_FIGURES.map((name, i) => [name, values[i] ?? null]));
}

/** What the figure cards should show for an answer of /v1/figures (the console's format: 1 decimal, — for none). */
export function expectedShownFigures(figures: Readonly<Record<string, number | null | undefined>>): Record<string, string> {
  const text = (name: string): string => {
    const v = figures[name];
    if (v === null || v === undefined) return '—';
    return name.endsWith('Rate') ? `${(v * 100).toFixed(1)}%` : String(v);
  };
  return Object.fromEntries(SHOWN_FIGURES.map((name) => [name, text(name)]));
}

/** A phone (390×844, touch) and a desktop, as the console's users hold them. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
};
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN' };

/**
 * A page in a context of its own (added to `contexts`, for the test to close), signed in at `consoleUrl` by pasting
 * `token` as a user would, once it has landed on `landing`; with the page's errors collected.
 */
export async function signedInPage(
  browser: Browser,
  contexts: BrowserContext[],
  consoleUrl: string,
  token: string,
  landing: string,
  device: BrowserContextOptions = DESKTOP,
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext(device);
  contexts.push(context);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  try {
    await page.goto(consoleUrl);
    await page.locator('textarea[name=token]').fill(token);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`${consoleUrl}${landing}`);
  } catch (err) {
    throw await withPageState(err, page, errors, `sign-in-failed-${landing.replace(/\W+/g, '-')}`);
  }
  return { page, errors };
}
