import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeStoreIo, type StoreIo } from '../../../sandbox/store/durable-fs';
import { openStore } from '../../../sandbox/store/store';
import { orderEvent, tempDir } from './temp-dir';

// What the store creates is the owner's only: folders 0700, files 0600 (journal segments, the
// first one included, rolled ones, snapshots and their temp files, the lock file).

/** Every entry under `dir` (itself included) with its permission bits in octal. */
function modesUnder(dir: string): Map<string, string> {
  const modes = new Map<string, string>([[dir, (fs.statSync(dir).mode & 0o777).toString(8)]]);
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    modes.set(path, (fs.statSync(path).mode & 0o777).toString(8));
  }
  return modes;
}

function assertPrivate(modes: Map<string, string>): void {
  for (const [path, mode] of modes) {
    const expected = fs.statSync(path).isDirectory() ? '700' : '600';
    assert.equal(mode, expected, `${path} has mode ${mode}`);
  }
}

void test(
  'every folder and file the store creates is the owner’s only, whatever the umask',
  { skip: process.platform === 'win32' && 'Windows has no POSIX modes' },
  async (t) => {
    // With umask 0 a file gets exactly the mode it was created with: nothing hides a 0644.
    const umask = process.umask(0);
    t.after(() => process.umask(umask));
    const dir = join(tempDir(t), 'data', 'store');
    // Snapshot temp files are renamed before the test could see them: note their modes on open.
    const openedModes = new Map<string, string>();
    const io: StoreIo = {
      ...nodeStoreIo,
      open: async (path, flags) => {
        const fd = await nodeStoreIo.open(path, flags);
        openedModes.set(path, (fs.fstatSync(fd).mode & 0o777).toString(8));
        return fd;
      },
    };
    const store = await openStore({
      dir,
      initialState: () => ({ orders: 0 }),
      apply: (state: { orders: number }) => void (state.orders += 1),
      durability: 'none',
      maxSegmentBytes: 4096,
      snapshotEvery: 0,
      io,
    });
    for (let index = 0; index < 100; index++) await store.append([orderEvent(index)]);
    await store.snapshot();
    assertPrivate(modesUnder(join(dir, '..')));
    assert.ok(fs.existsSync(join(dir, 'journal.lock')), 'the lock file was checked');
    await store.close();

    assert.ok(
      [...openedModes.keys()].some((path) => path.includes('.tmp-')),
      'a snapshot temp file was opened',
    );
    for (const [path, mode] of openedModes) assert.equal(mode, '600', `${path} opened as ${mode}`);
    const after = modesUnder(join(dir, '..'));
    assert.ok(
      after.size >= 4,
      `segments and snapshots were written: ${[...after.keys()].join(', ')}`,
    );
    assertPrivate(after);
  },
);
