// Tests entry for the suite of the installed .vsix (loaded by the extension host with require()).
import { runMochaInHost } from '../mocha-in-host';

export function run(): Promise<void> {
  return runMochaInHost({ testsFolder: __dirname, timeoutMs: 90_000 });
}
