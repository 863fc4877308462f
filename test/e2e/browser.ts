// Debian's Chromium driven by playwright-core; never `playwright install`, which downloads a
// browser this machine cannot reach. The flags keep Chromium off the network: without them it
// keeps opening connections the closed network refuses.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import type { Missing } from '../../scripts/code-server/install';
import { codeServerCacheDir, missingForStart } from '../../scripts/code-server/install';

/** Chromium, as Debian installs it, is what the e2e tests drive. */
export const chromiumPath = process.env.TIMBER_CHROMIUM ?? '/usr/bin/chromium';

/** What the e2e tests lack on this machine: Chromium, and code-server in its cache. */
export function missingForRun(dir: string = codeServerCacheDir()): Missing[] {
  const missing: Missing[] = [];
  if (!existsSync(chromiumPath)) {
    missing.push({
      what: `chromium is not installed (looked for ${chromiumPath})`,
      fix: 'apt-get install chromium',
    });
  }
  return [...missing, ...missingForStart(dir)];
}

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedChromium {
  browser: Browser;
  /** Closes the browser and removes its temp folder. */
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, and XDG folders in a temp folder of its own. */
export async function launchChromium(): Promise<LaunchedChromium> {
  const root = mkdtempSync(join(tmpdir(), 'timber-e2e-chromium-'));
  const xdg = (name: string) => {
    const path = join(root, name);
    mkdirSync(path);
    return path;
  };
  // Playwright gives each launch a fresh temporary profile of its own.
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    env: {
      ...process.env,
      HOME: xdg('home'),
      XDG_CONFIG_HOME: xdg('config'),
      XDG_DATA_HOME: xdg('data'),
      XDG_CACHE_HOME: xdg('cache'),
    },
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
