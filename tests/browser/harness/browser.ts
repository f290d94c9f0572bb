// Headless Chromium (Debian's /usr/bin/chromium) through playwright-core, for the browser tests:
// build the pages, serve them, open one, fail on any error the page throws or logs, screenshot it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildBrowserPages } from './webpack.config.js';
import { servePages, type PageServer } from './server.js';

const root = new URL('../../..', import.meta.url).pathname;
export const screenshotDir = join(root, 'tests', 'browser', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenedPage {
  page: Page;
  /** Uncaught exceptions and console errors so far (the test asserts there are none). */
  errors: string[];
}

export interface BrowserSession {
  open(pageName: string, viewport?: { width: number; height: number }): Promise<OpenedPage>;
  /** Saves a full-page PNG as tests/browser/screenshots/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBrowserSession(pages?: readonly string[]): Promise<BrowserSession> {
  const buildDir = await buildBrowserPages(pages);
  const server: PageServer = await servePages(buildDir);
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  } catch (error) {
    await server.close();
    throw error;
  }
  mkdirSync(screenshotDir, { recursive: true });
  return {
    async open(pageName, viewport = { width: 1000, height: 800 }) {
      const page = await browser.newPage({ viewport });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // A failed load is reported below with its address; Chromium's console line has none.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console error: ${message.text()}`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
      });
      page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
      const response = await page.goto(server.url(pageName));
      if (!response?.ok()) errors.push(`GET ${pageName}: ${response?.status()}`);
      // The page sets this once React committed its first render (see in-page/mount.tsx).
      await page.waitForFunction(() => (globalThis as { harnessMounted?: boolean }).harnessMounted === true);
      return { page, errors };
    },
    async screenshot(page, name) {
      const path = join(screenshotDir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
