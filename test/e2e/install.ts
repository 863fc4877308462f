// Installs code-server into its cache folder for the e2e tests (used by .ci/run):
//   node --import tsx test/e2e/install.ts
// Quick when the cache already holds it. Exits 1 naming what is missing.
import {
  codeServerVersion,
  describeMissing,
  installCodeServer,
} from '../../scripts/code-server/install';
import { missingForRun } from './browser';

try {
  const result = await installCodeServer({ log: (line) => console.log(line) });
  if (!result.installed) {
    console.log(`code-server ${codeServerVersion} is already in ${result.dir}`);
  }
  const missing = missingForRun(result.dir);
  if (missing.length > 0) {
    console.error(`The e2e tests cannot run yet:\n${describeMissing(missing)}`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
