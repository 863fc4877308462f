// Driving the workbench as a user would, through the DOM of VS Code 1.100 (code-server 4.100.3).
// Selectors are VS Code's own class names, kept in this one file so a VS Code update changes one
// place.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { launchChromium } from './browser';
import type { LaunchedChromium } from './browser';
import { workbenchUrl } from './in-host';
import { startCodeServer } from '../../scripts/code-server/server';
import type { CodeServer, StartCodeServerOptions } from '../../scripts/code-server/server';

export interface WorkbenchOptions extends StartCodeServerOptions {
  /** The folder the window opens; an empty window otherwise. */
  folder?: string;
  /** An extension to load from source, as with F5 in VS Code. */
  extensionDevelopmentPath?: string;
  /** Browser viewport; 1280 x 800 by default. */
  viewport?: { width: number; height: number };
}

export interface Workbench {
  server: CodeServer;
  page: Page;
  /** Closes the browser and stops the server (and removes their temp folders). */
  close(): Promise<void>;
}

/** Starts code-server and Chromium, and opens the workbench once its UI is up. */
export async function openWorkbench(options: WorkbenchOptions = {}): Promise<Workbench> {
  const server = await startCodeServer(options);
  let chromium: LaunchedChromium | undefined;
  const close = async () => {
    try {
      await chromium?.close();
    } finally {
      await server.stop();
    }
  };
  try {
    chromium = await launchChromium();
    const page = await chromium.browser.newPage({
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
    await page.goto(
      workbenchUrl(server, {
        ...(options.extensionDevelopmentPath !== undefined && {
          extensionDevelopmentPath: options.extensionDevelopmentPath,
        }),
        ...(options.folder !== undefined && { folder: options.folder }),
      }),
    );
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 30_000 });
    return { server, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const quickInput = '.quick-input-widget';

/**
 * Runs a command by its palette title (`Category: Title`, as the palette shows it). On the first
 * load the palette can open before extensions have registered their commands, so it is reopened
 * until the command shows or `timeoutMs` passes.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator(`${quickInput} input`);
    await input.waitFor({ timeout: 5_000 });
    await input.fill(`>${title}`);
    const row = quickPickRow(page, title);
    try {
      await row.waitFor({ timeout: 1_500 });
      await row.click();
      await page.locator(quickInput).waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch (error) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) {
        throw new Error(
          `the command palette did not offer "${title}" after ${attempt} tries in ${timeoutMs} ms ` +
            `(is the extension loaded and the title written as the palette shows it?)`,
          { cause: error },
        );
      }
    }
  }
}

/** Picks the item labelled `label` in the quick pick that is open now. */
export async function pickQuickItem(page: Page, label: string, timeoutMs = 10_000): Promise<void> {
  const row = quickPickRow(page, label);
  await row.waitFor({ timeout: timeoutMs });
  await row.click();
}

/** The quick pick row whose label is exactly `label` (a row's aria-label starts with it). */
function quickPickRow(page: Page, label: string): Locator {
  return page
    .locator(`${quickInput} .monaco-list-row`)
    .filter({ has: page.locator('.label-name', { hasText: exactly(label) }) })
    .first();
}

function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** Shows an output channel in the panel, through `Output: Show Output Channels...`. */
export async function showOutputChannel(page: Page, channel: string): Promise<void> {
  await runCommand(page, 'Output: Show Output Channels...');
  await pickQuickItem(page, channel);
}

/**
 * Waits until the panel (Output, Problems, Debug Console...) shows `text`. Only lines the editor
 * has rendered count, which for a panel of normal height is the last few dozen.
 */
export async function waitForPanelText(
  page: Page,
  text: string | RegExp,
  timeoutMs = 15_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await panelText(page);
    if (typeof text === 'string' ? shown.includes(text) : text.test(shown)) return shown;
    if (Date.now() > deadline) {
      throw new Error(
        `the panel did not show ${String(text)} within ${timeoutMs} ms; it shows:\n${shown}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The DOM members read from a Monaco line element (the type check here has no DOM library). */
interface RenderedLine {
  getBoundingClientRect(): { top: number };
  textContent: string | null;
}

/** The text the panel shows now: its rendered lines, with the editor's no-break spaces as spaces. */
export async function panelText(page: Page): Promise<string> {
  // Monaco positions its line elements absolutely and reuses them, so DOM order is not line order.
  const lines = await page
    .locator('.part.panel .view-lines .view-line')
    .evaluateAll((elements: RenderedLine[]) =>
      elements.map((element) => ({
        top: element.getBoundingClientRect().top,
        text: element.textContent ?? '',
      })),
    );
  return lines
    .sort((a, b) => a.top - b.top)
    .map((line) => line.text.replace(/\u00a0/g, ' '))
    .join('\n');
}

/**
 * Labels of the rows a view shows now, top to bottom. `view` is the view's name as its header
 * shows it (e.g. "Greetings"); open its container first (`runCommand(page, 'View: Show Explorer')`
 * for a view in the Explorer, or the view's own `Focus on ... View` command).
 */
export async function readTreeItems(
  page: Page,
  view: string,
  timeoutMs = 10_000,
): Promise<string[]> {
  const pane = page
    .locator('.pane')
    .filter({ has: page.locator('.pane-header', { hasText: exactly(view) }) })
    .first();
  const header = pane.locator('.pane-header').first();
  await header.waitFor({ timeout: timeoutMs });
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  const rows = pane.locator('.pane-body .monaco-list-row');
  await rows.first().waitFor({ timeout: timeoutMs });
  return (await rows.locator('.label-name').allInnerTexts()).map((label) => label.trim());
}

/** The content of a webview, two frames deep (`iframe.webview`, then `#active-frame`). */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  return page.frameLocator('iframe.webview').nth(index).frameLocator('#active-frame');
}

/** Where screenshots go: TIMBER_E2E_ARTIFACTS, or `test/e2e/artifacts/` (git-ignored). */
export function artifactsDir(): string {
  return resolve(process.env.TIMBER_E2E_ARTIFACTS ?? join(import.meta.dirname, 'artifacts'));
}

/** Saves a PNG of the whole page as `<artifacts>/<name>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = artifactsDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * The lines the active terminal shows now. Needs the DOM renderer
 * (`terminal.integrated.gpuAcceleration: "off"` in the user settings): a canvas holds no text.
 */
export async function terminalText(page: Page): Promise<string> {
  const rows = await page
    .locator('.part.panel .terminal-wrapper.active .xterm-rows > div')
    .allInnerTexts();
  return rows.map((row) => row.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
}

/** The text of the first status bar item whose text matches `pattern`, once one does. */
export async function statusBarText(
  page: Page,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<string> {
  const item = page.locator('.part.statusbar .statusbar-item', { hasText: pattern }).first();
  await item.waitFor({ timeout: timeoutMs });
  return (await item.innerText()).trim();
}

/** Opens a file of the workspace by name through Quick Open, as Ctrl+P does. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator(`${quickInput} input`);
  await input.waitFor({ timeout: 5_000 });
  await input.fill(name);
  await quickPickRow(page, name).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active`, { hasText: name }).waitFor({ timeout: 10_000 });
}

/** Clicks the CodeLens whose title (icon aside) is `title` in the active editor. */
export async function clickCodeLens(page: Page, title: string, timeoutMs = 20_000): Promise<void> {
  const lens = page
    .locator('.editor-group-container.active .codelens-decoration a', { hasText: title })
    .first();
  await lens.waitFor({ timeout: timeoutMs });
  await lens.click();
}
