import { existsSync } from 'node:fs';
import type { Logger } from '@gridgov/runtime';
import type { Browser } from 'playwright-core';

/** What the bulletin routes need to turn a page into a PDF. */
export interface PdfPrinter {
  print(html: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Pages printed at once per instance: each holds a renderer process. */
const MAX_PAGES = 2;

/**
 * HTML to PDF by headless Chromium (the system's, CHROMIUM_PATH), driven by playwright-core: launched on the first
 * print and kept, launched again when it died. Pages run no script and fetch nothing: the document carries its
 * styles and chart inline, and any request it would make is aborted.
 */
export class ChromiumPdfPrinter implements PdfPrinter {
  private browser: Promise<Browser> | undefined;
  private printing = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly executablePath: string,
    private readonly logger: Logger,
  ) {}

  async print(html: string): Promise<Buffer> {
    await this.slot();
    try {
      const browser = await this.launched();
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      try {
        await context.route('**/*', (route) => route.abort());
        const page = await context.newPage();
        await page.setContent(html, { waitUntil: 'load' });
        return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
      } finally {
        await context.close();
      }
    } finally {
      this.printing -= 1;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }

  private async slot(): Promise<void> {
    while (this.printing >= MAX_PAGES) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.printing += 1;
  }

  private launched(): Promise<Browser> {
    this.browser ??= this.launch().catch((err: unknown) => {
      this.browser = undefined;
      throw err;
    });
    return this.browser;
  }

  private async launch(): Promise<Browser> {
    if (!existsSync(this.executablePath)) {
      throw new Error(`CHROMIUM_PATH: no Chromium at ${this.executablePath}; bulletin PDFs need one (apt-get install chromium)`);
    }
    // playwright-core is loaded on the first print, not at start-up: most instances never print.
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: this.executablePath,
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
    browser.on('disconnected', () => {
      this.logger.warn('the PDF printer’s Chromium went away; the next print launches it again');
      this.browser = undefined;
    });
    this.logger.info({ executablePath: this.executablePath }, 'Chromium launched for bulletin PDFs');
    return browser;
  }
}
