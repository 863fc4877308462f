// The body of a tests entry's `run()`: runs Mocha inside the extension host over compiled test
// files, and rejects when any test fails (which VS Code turns into exit code 1). Bundle it into the
// entry with esbuild (format cjs); `mocha` stays external and is required from node_modules.
// Mocha 11, because 12 is ESM-only and the extension host loads the entry with require().
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export interface InHostMochaOptions {
  /** Compiled suite files (`*.suite.js`) in this folder are run, in name order. */
  testsFolder: string;
  /** Per-test timeout; 20 s by default (the extension host can be slow to answer at first). */
  timeoutMs?: number;
  /** Only tests whose full title matches. */
  grep?: string;
}

export function runMochaInHost(options: InHostMochaOptions): Promise<void> {
  // Reporters print printf-style (`%d passing`); code-server forwards console arguments unformatted,
  // so format each line here.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: options.timeoutMs ?? 20_000,
    // The spec reporter writes to the extension host's console, which the harness collects.
    reporter: 'spec',
    ...(options.grep !== undefined && { grep: options.grep }),
  });
  const files = readdirSync(options.testsFolder)
    .filter((name) => name.endsWith('.suite.js'))
    .sort();
  if (files.length === 0) {
    return Promise.reject(new Error(`no *.suite.js files in ${options.testsFolder}`));
  }
  for (const name of files) mocha.addFile(join(options.testsFolder, name));
  return new Promise((done, fail) => {
    mocha.run((failures) => {
      if (failures > 0) fail(new Error(`${failures} of the in-host tests failed`));
      else done();
    });
  });
}
