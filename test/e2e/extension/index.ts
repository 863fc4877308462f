// Tests entry for the extension's in-host suites (loaded by the extension host with require()).
import { runMochaInHost } from '../mocha-in-host';

export function run(): Promise<void> {
  return runMochaInHost({ testsFolder: __dirname, timeoutMs: 60_000 });
}
