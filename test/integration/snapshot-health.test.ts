// A damaged snapshot found at start is never silent: the sandbox logs it with its reason and
// GET /health lists it, while every order is still served (from the older snapshot and the
// journal after it).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Health } from '../../api/admin';
import type { Order } from '../../api/orders';
import { listSnapshots } from '../../sandbox/store/snapshot';
import { HEADER_BYTES } from '../../sandbox/store/snapshot-header';
import { allOrders } from './fixtures/crash-load';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';

after(() => stopAllSandboxes());

test('a snapshot damaged on disk is logged, listed by /health, and costs no order', async () => {
  const first = await startSandboxProcess();
  const key = await createKey(first, 'trade', 'new');
  const place = async (url: string, count: number) => {
    const token = await accessToken(url, key);
    for (let index = 0; index < count; index++) {
      const placed = await api<Order>(url, token, 'POST', '/orders', marketBuy(1000));
      assert.equal(placed.status, 201);
    }
  };
  const fresh = await api<Health>(first.url, null, 'GET', '/health');
  assert.deepEqual(fresh.body.storage?.damaged_snapshots, []);
  assert.equal(fresh.body.storage?.last_snapshot_error, null);
  await place(first.url, 5);
  assert.equal(await first.stop('SIGTERM'), 0); // the closing snapshot
  const second = await startSandboxProcess({ dataDir: first.dataDir });
  await place(second.url, 5);
  assert.equal(await second.stop('SIGTERM'), 0); // a second one, newer

  const storeDir = join(first.dataDir, 'store');
  const [newest, older] = listSnapshots(storeDir);
  assert.ok(older !== undefined, 'two snapshots were kept');
  const data = fs.readFileSync(newest.path);
  data[HEADER_BYTES + 3] ^= 0x10; // inside the first section
  fs.writeFileSync(newest.path, data);

  const third = await startSandboxProcess({ dataDir: first.dataDir });
  assert.match(
    third.stderr(),
    new RegExp(`snapshot at event ${newest.lsn} could not be read \\(section 0's checksum`),
  );
  const health = await api<Health>(third.url, null, 'GET', '/health');
  assert.equal(health.status, 200);
  const storage = health.body.storage;
  assert.deepEqual(storage?.damaged_snapshots, [
    {
      file: `${newest.path.split('/').at(-1)}.damaged`,
      event: newest.lsn,
      reason: "section 0's checksum does not match",
    },
  ]);
  assert.equal(storage?.snapshot_event, older.lsn);
  assert.equal(storage?.last_event, newest.lsn);
  const token = await accessToken(third.url, key);
  const orders = await allOrders(third.url, token);
  assert.equal(orders.length, 10);
});
