import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  checkDataDir,
  secureDataDir,
  shellQuote,
  UnsafeDataDirError,
} from '../../../sandbox/service/data-dir-check';

const posixOnly = { skip: process.platform === 'win32' && 'Windows has no POSIX modes' };
const rootOnly = {
  skip: (process.platform === 'win32' || process.getuid?.() !== 0) && 'chown needs root',
};
const uid = () => process.getuid!();

/** A data folder as a running sandbox leaves it: folders 0700, files 0600, all the user's. */
function dataFolder(t: TestContext): { dir: string; store: string } {
  const dir = fs.mkdtempSync(join(tmpdir(), 'tbm-data-check-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = join(dir, 'store');
  fs.mkdirSync(store, { mode: 0o700 });
  for (const path of [
    join(dir, 'admin-token'),
    join(dir, 'token-signing-key'),
    join(store, '00000000000000000001.journal'),
    join(store, 'snapshot-00000000000000000040.snap'),
    join(store, 'journal.lock'),
  ])
    fs.writeFileSync(path, 'content\n', { mode: 0o600 });
  return { dir, store };
}

/** Refusal of `dir`, with the message the user would read. */
function refusal(dir: string): UnsafeDataDirError {
  try {
    secureDataDir(dir, { log: () => assert.fail('nothing is logged for a refusal') });
  } catch (error) {
    assert.ok(error instanceof UnsafeDataDirError, String(error));
    return error;
  }
  return assert.fail(`"${dir}" was not refused`);
}

const modeOf = (path: string) => (fs.statSync(path).mode & 0o777).toString(8);

void test(
  'a data folder as the sandbox makes it passes, with nothing to tighten',
  posixOnly,
  (t) => {
    const { dir } = dataFolder(t);
    assert.deepEqual(checkDataDir(dir, uid()), { unsafe: [], loose: [] });
    const logged: string[] = [];
    secureDataDir(dir, { log: (line) => logged.push(line) });
    assert.deepEqual(logged, []);
  },
);

void test(
  'a data folder others can write to (0777) is refused, naming it, its mode and the fix',
  posixOnly,
  (t) => {
    const { dir } = dataFolder(t);
    fs.chmodSync(dir, 0o777);
    const error = refusal(dir);
    assert.deepEqual(error.entries, [
      { path: dir, kind: 'folder', mode: 0o777, owner: uid(), reasons: ['writable-by-others'] },
    ]);
    assert.match(error.message, /is not safe to use, so the sandbox did not start/);
    assert.ok(error.message.includes(`"${dir}" (folder, mode 0777, owner uid ${uid()} (you))`));
    assert.match(error.message, /others can write to it/);
    assert.ok(error.message.includes(`Fix: chmod 700 ${dir}\n`), error.message);
    assert.equal(modeOf(dir), '777', 'the check changes nothing it refuses');
  },
);

void test('a group-writable store folder (0775) is refused too', posixOnly, (t) => {
  const { dir, store } = dataFolder(t);
  fs.chmodSync(store, 0o775);
  const error = refusal(dir);
  assert.deepEqual(
    error.entries.map((item) => [item.path, item.mode, item.reasons]),
    [[store, 0o775, ['writable-by-others']]],
  );
  assert.ok(error.message.includes(`Fix: chmod 700 ${store}`));
});

void test('an admin token others can read (0644) is refused with chmod 600', posixOnly, (t) => {
  const { dir } = dataFolder(t);
  const token = join(dir, 'admin-token');
  fs.chmodSync(token, 0o644);
  const error = refusal(dir);
  assert.deepEqual(
    error.entries.map((item) => [item.path, item.kind, item.mode, item.reasons]),
    [[token, 'secret', 0o644, ['readable-by-others']]],
  );
  assert.ok(error.message.includes(`"${token}" (secret file, mode 0644`));
  assert.ok(error.message.includes(`Fix: chmod 600 ${token}`), error.message);
  assert.equal(modeOf(token), '644');
});

void test(
  'a planted signing key others can write (0666) is refused, with every problem in one message',
  posixOnly,
  (t) => {
    const { dir } = dataFolder(t);
    const key = join(dir, 'token-signing-key');
    fs.chmodSync(key, 0o666);
    fs.chmodSync(dir, 0o757);
    const error = refusal(dir);
    assert.deepEqual(
      error.entries.map((item) => [item.path, item.reasons]),
      [
        [dir, ['writable-by-others']],
        [key, ['writable-by-others', 'readable-by-others']],
      ],
    );
    assert.match(
      error.message,
      /mode 0666.*others can write to it, so they could have replaced it; others can read it/,
    );
    assert.ok(error.message.includes(`chmod 600 ${key}`));
    assert.ok(error.message.includes(`rm ${key} to have a new one made`));
  },
);

void test(
  'store files others can read are tightened to 0600 (folder 0700), with one log line',
  posixOnly,
  (t) => {
    const { dir, store } = dataFolder(t);
    fs.chmodSync(store, 0o755);
    const journal = join(store, '00000000000000000001.journal');
    const snapshot = join(store, 'snapshot-00000000000000000040.snap');
    fs.chmodSync(journal, 0o644);
    fs.chmodSync(snapshot, 0o664);
    assert.deepEqual(checkDataDir(dir, uid()), {
      unsafe: [],
      loose: [
        { path: store, kind: 'folder', mode: 0o755 },
        { path: journal, kind: 'file', mode: 0o644 },
        { path: snapshot, kind: 'file', mode: 0o664 },
      ],
    });
    const logged: string[] = [];
    secureDataDir(dir, { log: (line) => logged.push(line) });
    assert.deepEqual([modeOf(store), modeOf(journal), modeOf(snapshot)], ['700', '600', '600']);
    assert.equal(logged.length, 1);
    assert.match(
      logged[0],
      /made 3 journal or snapshot entries in ".*store" owner-only .*mode 0755, 0644, 0664/,
    );
  },
);

void test('a refusal tightens nothing, so the folder is left as it was found', posixOnly, (t) => {
  const { dir, store } = dataFolder(t);
  const journal = join(store, '00000000000000000001.journal');
  fs.chmodSync(journal, 0o644);
  fs.chmodSync(join(dir, 'admin-token'), 0o640);
  refusal(dir);
  assert.equal(modeOf(journal), '644');
});

void test(
  'a link in the store folder is not followed, so its target is never chmod-ed',
  posixOnly,
  (t) => {
    const { dir, store } = dataFolder(t);
    const outside = join(dir, 'outside');
    fs.writeFileSync(outside, 'x', { mode: 0o644 });
    fs.chmodSync(outside, 0o644);
    fs.symlinkSync(outside, join(store, 'snapshot-00000000000000000099.snap'));
    secureDataDir(dir, { log: () => {} });
    assert.equal(modeOf(outside), '644');
  },
);

void test('missing pieces (a fresh folder) are not problems', posixOnly, (t) => {
  const dir = fs.mkdtempSync(join(tmpdir(), 'tbm-data-check-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(checkDataDir(dir, uid()), { unsafe: [], loose: [] });
});

void test('on Windows nothing is checked', posixOnly, (t) => {
  const { dir } = dataFolder(t);
  fs.chmodSync(dir, 0o777);
  fs.chmodSync(join(dir, 'admin-token'), 0o666);
  secureDataDir(dir, { log: () => assert.fail('nothing to log'), platform: 'win32' });
  assert.equal(modeOf(dir), '777');
});

void test('a secret file owned by another user is refused, with rm as the fix', rootOnly, (t) => {
  const { dir } = dataFolder(t);
  const key = join(dir, 'token-signing-key');
  fs.chownSync(key, 1, 1); // uid 1: daemon
  const error = refusal(dir);
  assert.deepEqual(
    error.entries.map((item) => [item.path, item.owner, item.reasons]),
    [[key, 1, ['not-owner']]],
  );
  assert.ok(error.message.includes(`mode 0600, owner uid 1 (you are uid ${uid()})`), error.message);
  assert.match(error.message, /belongs to another user \(uid 1\), who may know it/);
  assert.ok(error.message.includes(`Fix: rm ${key}`));
});

void test(
  'a data folder or store file owned by another user is refused, with chown as the fix',
  rootOnly,
  (t) => {
    const { dir, store } = dataFolder(t);
    const journal = join(store, '00000000000000000001.journal');
    fs.chownSync(dir, 1, 1);
    fs.chownSync(journal, 1, 1);
    const error = refusal(dir);
    assert.deepEqual(
      error.entries.map((item) => [item.path, item.kind, item.reasons]),
      [
        [dir, 'folder', ['not-owner']],
        [journal, 'store file', ['not-owner']],
      ],
    );
    assert.match(error.message, new RegExp(`Fix: sudo chown -R \\S+ ${dir}\n`));
    assert.match(error.message, new RegExp(`Fix: sudo chown \\S+ ${journal}`));
  },
);

void test('a path with spaces or quotes is quoted for the shell', () => {
  assert.equal(
    shellQuote('/home/ann/.local/share/timber-studio/sandbox'),
    '/home/ann/.local/share/timber-studio/sandbox',
  );
  assert.equal(
    shellQuote('/Users/ann/Library/Application Support/x'),
    `'/Users/ann/Library/Application Support/x'`,
  );
  assert.equal(shellQuote(`/tmp/it's`), `'/tmp/it'\\''s'`);
});
