// A short fault soak of the Python SDK (the long one is `npm run bench -- soak-python`): a
// strategy flipping its position twice a second under 503s, 429s, latency, faults after commit
// (503s, resets, late answers) and stream drops. Whatever it was told of each order must be what
// the account holds: no duplicates, nothing lost, nothing reported wrongly, the same position.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startSandboxProcess, stopAllSandboxes } from './harness';
import { stopAllPython } from './sdk-python-process';
import { describeCounts, runSoak, soakFaults } from './sdk-python-soak';

const folder = mkdtempSync(join(tmpdir(), 'tbm-sdk-python-soak-'));
after(async () => {
  await stopAllPython();
  await stopAllSandboxes();
  rmSync(folder, { recursive: true, force: true });
});

/** 30 s of trading: a run that hangs fails the test, not the CI job. */
const hangLimit = { timeout: 300_000 };

test(
  'a strategy flipping under faults before and after commit is told the truth of every order',
  hangLimit,
  async (t) => {
    const sandbox = await startSandboxProcess();
    const counts = await runSoak({
      sandbox,
      folder,
      seconds: 30,
      flipEveryMs: 500,
      faults: soakFaults(22),
    });
    const report = describeCounts(counts);
    t.diagnostic(report);
    assert.equal(counts.duplicates, 0, report);
    assert.equal(counts.lost, 0, report);
    assert.equal(counts.reportedWrongly, 0, report);
    assert.equal(counts.reusedIds, 0, report);
    assert.equal(counts.positionDifference, 0, report);
    assert.equal(counts.toldDifference, 0, report);
    // The faults did happen: the soak exercised what it claims to.
    assert.ok(counts.intents >= 40, report);
    assert.ok(counts.placed > 0 && counts.retries > 0, report);
  },
);
