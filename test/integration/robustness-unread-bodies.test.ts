// Issue 21, item 9: bodies nobody may send are never parsed. A 1 MB nested array takes the JSON
// parser a large fraction of a second; sent unauthenticated to an unknown path, or to a bearer
// route without a token, labelled as a form (which a web page may post without a preflight),
// it used to be parsed before routing and authentication, and six such senders held another
// client's GET /health up for seconds. Now the route and the caller come first.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import { assertErrorShape } from './fixtures/robust-http';
import type { RawAnswer } from './fixtures/robust-http';
import type { SandboxProcess } from './harness';
import { api, startSandboxProcess, stopAllSandboxes } from './harness';

let sandbox: SandboxProcess;
const senderAgent = new Agent({ keepAlive: true, maxSockets: 6 });
const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });

before(async () => {
  sandbox = await startSandboxProcess();
});

after(async () => {
  senderAgent.destroy();
  healthAgent.destroy();
  await stopAllSandboxes();
});

/** 1,000,000 bytes, under the 1 MiB body limit: half a million arrays nested in each other. */
const nestedArrays = Buffer.from('['.repeat(500_000) + ']'.repeat(500_000));

interface Attack {
  path: string;
  contentType: string;
  status: number;
}

const attacks: Attack[] = [
  { path: '/no/such/endpoint', contentType: 'application/x-www-form-urlencoded', status: 404 },
  { path: '/orders', contentType: 'application/x-www-form-urlencoded', status: 401 },
  { path: '/no/such/endpoint', contentType: 'text/plain', status: 404 },
  { path: '/orders', contentType: 'text/plain', status: 401 },
];

function post(attack: Attack): Promise<RawAnswer> {
  const url = new URL(sandbox.url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: attack.path,
        agent: senderAgent,
        headers: { 'Content-Type': attack.contentType, 'Content-Length': nestedArrays.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(nestedArrays);
  });
}

/** How long one GET /health takes, in ms, on a connection of its own. */
function healthLatency(): Promise<number> {
  const url = new URL(sandbox.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, path: '/health', agent: healthAgent },
      (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode === 200) resolve(performance.now() - started);
          else reject(new Error(`GET /health answered ${response.statusCode}`));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function samples(count: number, until = Infinity): Promise<number[]> {
  const taken: number[] = [];
  while (taken.length < count && performance.now() < until) taken.push(await healthLatency());
  return taken;
}

test('unauthenticated 1 MB nested arrays to an unknown path or without a token do not stall GET /health', async (t) => {
  await samples(5);
  const idle = median(await samples(15));

  let stop = false;
  let answered = 0;
  const wrong: string[] = [];
  // Six senders, each posting one attack after another until told to stop (at most 40 each).
  const senders = Array.from({ length: 6 }, async (_, index) => {
    for (let round = 0; round < 40 && !stop; round++) {
      const attack = attacks[(index + round) % attacks.length];
      const answer = await post(attack);
      answered++;
      if (answer.status !== attack.status) {
        wrong.push(`${attack.path} ${attack.contentType}: ${answer.status} ${answer.text}`);
      } else {
        assertErrorShape(answer, `${attack.path} ${attack.contentType}`);
      }
    }
  });
  // Measure only once the flood is flowing: every sender has had an answer.
  const flowing = performance.now() + 30_000;
  while (answered < 6 && performance.now() < flowing) await healthLatency();
  // Bounded by count and by time: on a stalled server each sample takes seconds.
  const loaded = await samples(15, performance.now() + 20_000);
  stop = true;
  await Promise.all(senders);

  assert.deepEqual(wrong, []);
  assert.ok(answered >= 6, `only ${answered} attack requests were answered`);
  const underLoad = median(loaded);
  // Generous: a parsed body costs hundreds of ms each (seconds of queueing for six senders);
  // a body read and discarded costs about a millisecond.
  const bound = Math.max(300, 30 * idle);
  t.diagnostic(
    `GET /health median: ${idle.toFixed(1)} ms idle, ${underLoad.toFixed(1)} ms under load; ${answered} attacks answered`,
  );
  assert.ok(
    underLoad < bound,
    `GET /health took ${underLoad.toFixed(1)} ms (median of ${loaded.length}) while unauthenticated ` +
      `senders posted nested arrays, against ${idle.toFixed(1)} ms idle (bound ${bound.toFixed(0)} ms)`,
  );
  assert.equal((await api(sandbox.url, null, 'GET', '/health')).status, 200);
});
