import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); a test tool's own browser download is not possible here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** gitignored; CI keeps it as an artifact when a browser test fails. */
export const RESULTS_DIR = join(process.cwd(), 'test-results');

const ARGS = [
  '--headless',
  '--no-sandbox', // CI runs as root, where Chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-quic',
  // Nothing but the page under test may talk to the network (and there is no internet anyway).
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Chromium {
  context: BrowserContext;
  /** Saves a PNG of every open page as `test-results/<name>-<n>.png`; returns the paths. */
  screenshot(name: string, options?: { fullPage?: boolean }): Promise<string[]>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh, throw-away profile, so no state leaks between runs. */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'broker-browser-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    screenshot: async (name, { fullPage = true } = {}) => {
      await mkdir(RESULTS_DIR, { recursive: true });
      const paths: string[] = [];
      for (const [index, page] of context.pages().entries()) {
        const path = join(RESULTS_DIR, `${name}-${index + 1}.png`);
        await page.screenshot({ path, fullPage }).then(
          () => paths.push(path),
          () => undefined, // a page that crashed or closed has nothing to show
        );
      }
      return paths;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a browser scenario; if it fails, every open page is saved as a screenshot and the paths are
 * added to the error. With BROWSER_SCREENSHOTS=steps, `step` also saves one after each step.
 */
export async function withScreenshots(
  browser: Chromium,
  name: string,
  scenario: (step: (label: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  let count = 0;
  const step = async (label: string) => {
    count += 1;
    if (process.env.BROWSER_SCREENSHOTS === 'steps') {
      await browser.screenshot(`${name}-step${String(count).padStart(2, '0')}-${label}`, { fullPage: false });
    }
  };
  try {
    await scenario(step);
  } catch (error) {
    const paths = await browser.screenshot(`${name}-failure`);
    if (error instanceof Error) {
      // jest prints the stack, which already holds the old message: extend both.
      const note = `\nscreenshots: ${paths.join(', ') || 'none'}`;
      error.stack = error.stack?.replace(error.message, error.message + note);
      error.message += note;
    }
    throw error;
  }
}
