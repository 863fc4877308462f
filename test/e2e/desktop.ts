// The same in-host suites on desktop VS Code, through @vscode/test-electron, for machines that can
// download VS Code (this one cannot: select it with TIMBER_E2E_VSCODE=desktop elsewhere).
// TIMBER_E2E_VSCODE_PATH runs an installed VS Code instead of downloading one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests, TestRunFailedError } from '@vscode/test-electron';
import type { ExtensionTestsOptions, ExtensionTestsResult } from './in-host';

/** The VS Code that code-server 4.100.3 ships, so both flavours run the same version. */
export const desktopVsCodeVersion = '1.100.3';

export async function runExtensionTestsOnDesktop(
  options: ExtensionTestsOptions,
): Promise<ExtensionTestsResult> {
  const { extensionDevelopmentPath } = options;
  if (extensionDevelopmentPath === undefined || options.extensions !== undefined)
    throw new Error(
      'on desktop VS Code the in-host suites load the extension from source; a suite of the ' +
        'installed .vsix runs on code-server only (leave TIMBER_E2E_VSCODE unset)',
    );
  const started = performance.now();
  const root = mkdtempSync(join(tmpdir(), 'timber-e2e-desktop-'));
  const executable = process.env.TIMBER_E2E_VSCODE_PATH;
  try {
    const exitCode = await runTests({
      ...(executable !== undefined
        ? { vscodeExecutablePath: executable }
        : { version: process.env.TIMBER_E2E_VSCODE_VERSION ?? desktopVsCodeVersion }),
      extensionDevelopmentPath,
      extensionTestsPath: options.extensionTestsPath,
      ...(options.env && { extensionTestsEnv: options.env }),
      launchArgs: [
        ...(options.workspacePath !== undefined ? [options.workspacePath] : []),
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        join(root, 'user-data'),
        '--extensions-dir',
        join(root, 'extensions'),
      ],
    }).catch((error: unknown) => {
      // A failing suite is a result, not an error of the harness.
      if (error instanceof TestRunFailedError && error.code !== undefined) return error.code;
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `desktop VS Code could not run the suite through @vscode/test-electron (${reason}). ` +
          'Where VS Code cannot be downloaded, set TIMBER_E2E_VSCODE_PATH to an installed one, ' +
          'or leave TIMBER_E2E_VSCODE unset to use code-server.',
        { cause: error },
      );
    });
    // test-electron prints VS Code's output to this process's stdout; nothing is kept here.
    return { exitCode, log: [], seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
