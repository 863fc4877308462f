// In-extension-host test suites, the @vscode/test-electron pattern: VS Code starts with an
// extension under development and a tests entry (a CommonJS module exporting `run(): Promise<void>`,
// which runs Mocha inside the extension host), and exits 0 when run() resolves, 1 when it rejects.
//
// On code-server the two paths go in through the workbench's `payload` URL parameter (its command
// line rejects --extensionDevelopmentPath), and the workbench reports the end by calling
// `window.codeAutomationExit(code)`, which Playwright exposes to the page.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startCodeServer } from '../../scripts/code-server/server';
import type { CodeServer } from '../../scripts/code-server/server';

export interface ExtensionTestsOptions {
  /** The extension's folder (where its package.json is), loaded from source as with F5. */
  extensionDevelopmentPath?: string;
  /**
   * .vsix packages installed into the server's extensions folder, to test an extension as users
   * get it (code-server only); without a development path the suite runs beside an empty one.
   */
  extensions?: string[];
  /** The compiled tests entry, e.g. `/abs/dist/test/index.js`. */
  extensionTestsPath: string;
  /** A folder for the window to open; an empty window otherwise. */
  workspacePath?: string;
  /** Environment for the extension host (and so for the tests). */
  env?: Record<string, string>;
  /** Added to the quiet user settings the server starts with. */
  userSettings?: Record<string, unknown>;
  /** Gives up after this long; 120 s by default. */
  timeoutMs?: number;
}

export interface ExtensionTestsResult {
  /** 0 when every test passed. */
  exitCode: number;
  /** The workbench's log (the extension host's console included) and uncaught page errors. */
  log: string[];
  /** From the start of the server (or of VS Code) to the exit. */
  seconds: number;
}

/** Where the in-host suites run: code-server here, desktop VS Code where it can be downloaded. */
export type VsCodeFlavour = 'code-server' | 'desktop';

export function selectedFlavour(env: NodeJS.ProcessEnv = process.env): VsCodeFlavour {
  const value = env.TIMBER_E2E_VSCODE ?? 'code-server';
  if (value === 'code-server' || value === 'desktop') return value;
  throw new Error(`TIMBER_E2E_VSCODE is "${value}"; use "code-server" (default) or "desktop"`);
}

/** Runs an in-host suite on the flavour TIMBER_E2E_VSCODE selects. */
export async function runExtensionTests(
  options: ExtensionTestsOptions,
): Promise<ExtensionTestsResult> {
  if (selectedFlavour() === 'desktop') {
    const { runExtensionTestsOnDesktop } = await import('./desktop');
    return runExtensionTestsOnDesktop(options);
  }
  return runExtensionTestsOnCodeServer(options);
}

/** The workbench URL that opens `options` with the extension and tests loaded. */
export function workbenchUrl(
  server: CodeServer,
  options: { extensionDevelopmentPath?: string; extensionTestsPath?: string; folder?: string },
): string {
  const payload: [string, string][] = [];
  if (options.extensionDevelopmentPath !== undefined) {
    payload.push(['extensionDevelopmentPath', server.remoteUri(options.extensionDevelopmentPath)]);
  }
  if (options.extensionTestsPath !== undefined) {
    payload.push(['extensionTestsPath', server.remoteUri(options.extensionTestsPath)]);
  }
  const query = new URLSearchParams();
  if (options.folder !== undefined) query.set('folder', options.folder);
  else query.set('ew', 'true');
  if (payload.length > 0) query.set('payload', JSON.stringify(payload));
  return `${server.url}/?${query.toString()}`;
}

export async function runExtensionTestsOnCodeServer(
  options: ExtensionTestsOptions,
): Promise<ExtensionTestsResult> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const server = await startCodeServer({
    ...(options.env && { env: options.env }),
    ...(options.userSettings && { userSettings: options.userSettings }),
    ...(options.extensions && { extensions: options.extensions }),
  });
  const log: string[] = [];
  try {
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      const exitCode = await runUntilExit(page, log, timeoutMs, () =>
        page.goto(
          workbenchUrl(server, {
            extensionDevelopmentPath:
              options.extensionDevelopmentPath ?? emptyExtension(server.root),
            extensionTestsPath: options.extensionTestsPath,
            ...(options.workspacePath !== undefined && { folder: options.workspacePath }),
          }),
        ),
      );
      return { exitCode, log, seconds: (performance.now() - started) / 1000 };
    } finally {
      await chromium.close();
    }
  } finally {
    await server.stop();
  }
}

/**
 * The extension host runs a tests entry only beside an extension under development; a suite of
 * installed extensions gets this one, which contributes nothing. It lives in the server's state
 * folder, removed with it.
 */
function emptyExtension(root: string): string {
  const folder = join(root, 'empty-extension');
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({
      name: 'timber-e2e-empty',
      publisher: 'timber-e2e',
      version: '0.0.0',
      engines: { vscode: '^1.100.0' },
    }),
  );
  return folder;
}

/** Exposes the automation hooks, opens the workbench, and resolves with the exit code. */
async function runUntilExit(
  page: Page,
  log: string[],
  timeoutMs: number,
  open: () => Promise<unknown>,
): Promise<number> {
  let exit!: (code: number) => void;
  const exited = new Promise<number>((done) => (exit = done));
  await page.exposeBinding('codeAutomationExit', (_source, code: unknown) => {
    exit(typeof code === 'number' ? code : 1);
  });
  await page.exposeBinding('codeAutomationLog', (_source, type: unknown, args: unknown) => {
    log.push(`[${String(type)}] ${formatLogArgs(args)}`);
  });
  // The browser console repeats what codeAutomationLog receives; only uncaught errors are added.
  page.on('pageerror', (error) => log.push(`[pageerror] ${error.message}`));
  await open();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_done, fail) => {
    timer = setTimeout(
      () =>
        fail(
          new Error(
            `the in-host suite did not finish within ${timeoutMs} ms; its log so far:\n` +
              log.slice(-40).join('\n'),
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([exited, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function formatLogArgs(args: unknown): string {
  if (typeof args === 'string') return args;
  if (Array.isArray(args)) return args.map((arg) => formatLogArgs(arg)).join(' ');
  return JSON.stringify(args);
}
