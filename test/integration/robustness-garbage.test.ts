// Garbage on raw sockets: random bytes, broken request lines and headers, requests that never
// finish, junk pipelined after a valid request, a slow trickle. Wherever the server answers, it
// answers a 4xx in the error shape; and afterwards it still serves a normal account read and order.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import fc from 'fast-check';
import { assertErrorShape } from './fixtures/robust-http';
import {
  conversation,
  exchange,
  holdsResponses,
  openSocket,
  parseResponses,
} from './fixtures/robust-socket';
import type { SandboxProcess } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';

let sandbox: SandboxProcess;
let token: string;
const lingering: Socket[] = [];

before(async () => {
  sandbox = await startSandboxProcess();
  token = await accessToken(sandbox.url, await createKey(sandbox, 'trade', 'new'));
});

after(async () => {
  for (const socket of lingering) socket.destroy();
  await stopAllSandboxes();
});

const host = 'Host: 127.0.0.1\r\n';
const validGet = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\n${host}Authorization: Bearer ${token}\r\n${extra}\r\n`;

/** Every answer in `data` is a 4xx in the error shape (a 2xx only where `allowSuccess`). */
function assertAnswers(data: Buffer, context: string, allowSuccess = false): void {
  for (const answer of parseResponses(data)) {
    assert.ok(answer.status < 500, `${context}: ${answer.status} ${answer.text}`);
    if (answer.status >= 400) assertErrorShape(answer, context);
    else assert.ok(allowSuccess, `${context}: accepted with ${answer.status}`);
  }
}

/** The server still works: a normal read, a normal order, and its process is alive. */
async function assertStillServing(): Promise<void> {
  const account = await api<{ balance: number }>(sandbox.url, token, 'GET', '/account');
  assert.equal(account.status, 200);
  assert.equal(typeof account.body.balance, 'number');
  const order = await api<{ status: string }>(
    sandbox.url,
    token,
    'POST',
    '/orders',
    marketBuy(1000),
  );
  assert.equal(order.status, 201);
  assert.equal(order.body.status, 'filled');
  assert.equal(sandbox.child.exitCode, null);
  assert.doesNotMatch(sandbox.stderr(), /internal error/);
}

test('random bytes on many connections: a 4xx in the error shape or a close, never a crash', async () => {
  const validRequest = Buffer.from(validGet('/account'));
  const mutated = fc
    .array(fc.tuple(fc.nat({ max: validRequest.length - 1 }), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 8,
    })
    .map((flips) => {
      const bytes = Buffer.from(validRequest);
      for (const [at, byte] of flips) bytes[at] = byte;
      return bytes;
    });
  const garbage = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 4000 }).map((bytes) => Buffer.from(bytes)),
    // Text lines: printable ASCII with the odd control byte, ended like a request head.
    fc
      .array(fc.oneof(fc.integer({ min: 32, max: 126 }), fc.integer({ min: 0, max: 31 })), {
        minLength: 1,
        maxLength: 300,
      })
      .map((codes) => Buffer.from(`${String.fromCharCode(...codes)}\r\n\r\n`, 'latin1')),
    mutated,
  );
  await fc.assert(
    fc.asyncProperty(fc.array(garbage, { minLength: 8, maxLength: 8 }), async (batch) => {
      // Eight connections at once, each half-closed after its garbage.
      const answers = await Promise.all(
        batch.map((bytes) => exchange(sandbox.url, [bytes], { deadlineMs: 1500 })),
      );
      answers.forEach(({ data }, index) =>
        assertAnswers(data, `garbage ${batch[index].subarray(0, 60).toString('latin1')}`, true),
      );
    }),
    { numRuns: 12 },
  );
  await assertStillServing();
});

const malformed: [string, string][] = [
  ['a request line without a target', 'GET\r\n\r\n'],
  ['an unknown HTTP version', 'GET /health HTTP/9.9\r\n\r\n'],
  ['an unknown method', 'BREW /health HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a space in the method', 'G ET /health HTTP/1.1\r\n\r\n'],
  ['a header without a colon', `GET /account HTTP/1.1\r\n${host}NoColonHere\r\n\r\n`],
  ['a control character in a header name', `GET /account HTTP/1.1\r\n${host}X-\u0001: 1\r\n\r\n`],
  ['a NUL in the target', 'GET /hea\u0000lth HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a negative Content-Length', `POST /orders HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`],
  ['a non-numeric Content-Length', `POST /orders HTTP/1.1\r\n${host}Content-Length: ten\r\n\r\n`],
  [
    'two different Content-Lengths',
    `POST /orders HTTP/1.1\r\n${host}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
  ],
  [
    'Content-Length with chunked (a smuggling attempt)',
    `POST /orders HTTP/1.1\r\n${host}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  ],
  [
    'a chunk size that is not hex',
    `POST /orders HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n`,
  ],
  [
    'an unknown transfer coding',
    `POST /orders HTTP/1.1\r\n${host}Transfer-Encoding: rot13\r\n\r\n{}`,
  ],
  [
    'a header far over the size limit',
    `GET /account HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(100_000)}\r\n\r\n`,
  ],
  [
    'ten thousand small headers',
    `GET /account HTTP/1.1\r\n${host}${'X-H: 1\r\n'.repeat(10_000)}\r\n`,
  ],
  ['a request line far over the size limit', `GET /${'a'.repeat(100_000)} HTTP/1.1\r\n${host}\r\n`],
];

test('malformed HTTP is answered with a 4xx in the error shape, then the connection closes', async () => {
  for (const [what, bytes] of malformed) {
    const { data } = await exchange(sandbox.url, [bytes], { deadlineMs: 2000 });
    const answers = parseResponses(data);
    assert.equal(
      answers.length,
      1,
      `${what}: got ${JSON.stringify(data.toString('latin1').slice(0, 200))}`,
    );
    assertErrorShape(answers[0], what);
  }
  const tooBig = malformed.find(([what]) => what.startsWith('a header far over'))![1];
  const overflow = parseResponses(
    (await exchange(sandbox.url, [tooBig], { deadlineMs: 2000 })).data,
  );
  assert.equal(overflow[0]?.status, 431);
  await assertStillServing();
});

test('junk after valid requests on one connection: the valid ones are answered, then a 4xx', async () => {
  const cases: [string, string[], string | Buffer][] = [
    ['binary junk', [validGet('/health')], Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10])],
    ['a broken request line', [validGet('/health'), validGet('/account')], 'GARBAGE\r\n\r\n'],
    [
      'a request split mid-header',
      [validGet('/account').slice(0, 20), validGet('/account').slice(20)],
      '\u0000\r\n\r\n',
    ],
    [
      'a lying Content-Length',
      [validGet('/health')],
      'POST /orders HTTP/1.1\r\nContent-Length: zz\r\n\r\n',
    ],
  ];
  for (const [what, valid, junk] of cases) {
    const count = what.includes('split') ? 1 : valid.length;
    // Pipelined in one write: node:http refuses the connection at the parse error, so answers
    // to requests still in flight may be lost; whatever arrives is 200s, then one 4xx.
    const together = await exchange(
      sandbox.url,
      [Buffer.concat([...valid, junk].map((c) => Buffer.from(c)))],
      {
        enough: holdsResponses(count + 1),
      },
    );
    const answers = parseResponses(together.data);
    assert.ok(answers.length >= 1, `${what}: no answer`);
    for (const answer of answers.slice(0, -1)) assert.equal(answer.status, 200, what);
    assertErrorShape(answers.at(-1)!, `${what}, pipelined`);
    // Junk sent once the valid answers are in: every one of them, then the 4xx.
    const talk = await conversation(sandbox.url);
    for (const chunk of valid) talk.send(chunk);
    assert.equal(parseResponses(await talk.until(holdsResponses(count))).length, count, what);
    talk.send(junk);
    const all = parseResponses(await talk.until(holdsResponses(count + 1)));
    talk.close();
    assert.deepEqual(
      all.slice(0, count).map((a) => a.status),
      Array<number>(count).fill(200),
      what,
    );
    assertErrorShape(all[count], `${what}, after the answers`);
  }
  await assertStillServing();
});

test('half-open requests that never finish do not stop the server answering others', async () => {
  const partials = [
    `POST /orders HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 500\r\nAuthorization: Bearer ${token}\r\n\r\n{"sym`,
    `GET /account HTTP/1.1\r\n${host}Authorizat`,
    `POST /orders HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\nAuthorization: Bearer ${token}\r\n\r\n5\r\n{"sym`,
    'GET /heal',
    // Refused at once for its declared size (413), then abandoned while the server drains it.
    `POST /orders HTTP/1.1\r\n${host}Content-Length: 5000000\r\nAuthorization: Bearer ${token}\r\n\r\n${'a'.repeat(100_000)}`,
    `POST /orders HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\nAuthorization: Bearer ${token}\r\n\r\n200000\r\n${'a'.repeat(1_500_000)}`,
  ];
  for (let index = 0; index < 60; index++) {
    const socket = await openSocket(sandbox.url);
    socket.on('error', () => undefined);
    socket.write(partials[index % partials.length]);
    lingering.push(socket);
  }
  await assertStillServing();
  const health = await exchange(sandbox.url, [
    `GET /health HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
  ]);
  assert.equal(parseResponses(health.data)[0]?.status, 200);
  for (const socket of lingering.splice(0)) socket.destroy();
  await assertStillServing();
});

test('a slow trickle of header bytes does not hold up other requests', async () => {
  const socket = await openSocket(sandbox.url);
  socket.on('error', () => undefined);
  lingering.push(socket);
  const request = validGet('/health');
  const deadline = Date.now() + 1500;
  let sent = 0;
  // One byte every 20 ms; meanwhile every normal request must still be answered promptly.
  while (Date.now() < deadline && sent < request.length - 4) {
    socket.write(request[sent++]);
    const started = Date.now();
    const health = await api(sandbox.url, null, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.ok(Date.now() - started < 1000, 'a trickling client held up a normal request');
    await setTimeout(20);
  }
  // The trickle itself is still a request the server will answer once it is complete.
  const answered = new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (holdsResponses(1)(Buffer.concat(chunks))) resolve(Buffer.concat(chunks));
    });
  });
  socket.write(request.slice(sent));
  assert.equal(parseResponses(await answered)[0]?.status, 200);
  socket.destroy();
  await assertStillServing();
});
