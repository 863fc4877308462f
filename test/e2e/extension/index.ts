// Tests entry for the extension's in-host suites (loaded by the extension host with require()).
import { runMochaInHost } from '../mocha-in-host';

export function run(): Promise<void> {
  // TIMBER_E2E_GREP runs only the tests whose titles match (while working on one).
  const grep = process.env.TIMBER_E2E_GREP;
  return runMochaInHost({
    testsFolder: __dirname,
    timeoutMs: 60_000,
    ...(grep !== undefined && grep !== '' && { grep }),
  });
}
