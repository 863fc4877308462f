// Kills a process that is appending with SIGKILL, then checks that every event
// it acknowledged (printed after its promise resolved) is on disk with its exact
// value, and that the journal reopens and accepts more events.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openJournal } from '../../sandbox/store/journal';
import { openStore } from '../../sandbox/store/store';
import { applyCrashEvent, type CrashEvent, type CrashState } from './fixtures/crash-ledger';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const childScript = fileURLToPath(new URL('./fixtures/store-crash-child.ts', import.meta.url));

type Mode = 'journal' | 'store';

/** Acknowledged events: LSN to the exact JSON text the child appended. */
type Acknowledged = Map<number, string>;

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'tbm-store-crash-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs the child until it has acknowledged `killAfter` events, SIGKILLs it, and
 * resolves once its output is fully read. Adds what it acknowledged to `acked`.
 */
function runAndKill(
  t: TestContext,
  dir: string,
  mode: Mode,
  round: number,
  killAfter: number,
  acked: Acknowledged,
): Promise<number> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', childScript, dir, mode, String(round)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let seenThisRound = 0;
  let partial = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') continue;
      const space = line.indexOf(' ');
      const lsn = Number(line.slice(0, space));
      assert.ok(Number.isSafeInteger(lsn) && lsn > 0, `bad line from child: ${line}`);
      assert.ok(!acked.has(lsn), `LSN ${lsn} acknowledged twice`);
      acked.set(lsn, line.slice(space + 1));
      seenThisRound++;
    }
    if (seenThisRound >= killAfter && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close' comes after the pipes are drained, so no acknowledged line is missed.
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(seenThisRound);
      else reject(new Error(`the child exited on its own (code ${code}): ${stderr}`));
    });
  });
}

function checkJournal(dir: string, acked: Acknowledged): Promise<void> {
  const journal = openJournal({ dir });
  const found = new Map<number, string>();
  journal.replay(1, (value, lsn) => found.set(lsn, JSON.stringify(value)));
  assert.equal(found.size, journal.lastLsn, 'LSNs are contiguous from 1');
  for (const [lsn, text] of acked) assert.equal(found.get(lsn), text, `event ${lsn}`);
  return journal.close();
}

async function checkStore(dir: string, acked: Acknowledged): Promise<void> {
  const store = await openStore<CrashState, CrashEvent>({
    dir,
    initialState: () => ({ events: {}, lastLsn: 0 }),
    apply: applyCrashEvent, // throws on any gap in LSNs
    snapshotOnClose: false,
  });
  try {
    for (const [lsn, text] of acked) {
      assert.equal(JSON.stringify(store.state.events[lsn]), text, `event ${lsn}`);
    }
    assert.equal(Object.keys(store.state.events).length, store.state.lastLsn);
  } finally {
    await store.close();
  }
}

for (const mode of ['journal', 'store'] as const) {
  void test(
    `${mode}: every event acknowledged before SIGKILL survives, over three crashes`,
    { timeout: 120_000 },
    async (t) => {
      const dir = tempDir(t);
      const acked: Acknowledged = new Map();
      for (let round = 1; round <= 3; round++) {
        // A different kill point each round: among batches, rolls and snapshots.
        const seen = await runAndKill(t, dir, mode, round, 1500 + round * 733, acked);
        assert.ok(seen > 0);
        if (mode === 'journal') await checkJournal(dir, acked);
        else await checkStore(dir, acked);
      }
      assert.ok(acked.size >= 3 * 1500, `${acked.size} events acknowledged`);
    },
  );
}
