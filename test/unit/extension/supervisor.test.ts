import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { SandboxState } from '../../../extension/sandbox/supervisor';
import { SandboxSupervisor, startFailure } from '../../../extension/sandbox/supervisor';

/** A child process as the supervisor sees one: pipes, signals, an exit. */
class FakeChild extends EventEmitter {
  stdout = new PassThrough();
  stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  signals: string[] = [];
  constructor(readonly port: number) {
    super();
  }
  ready(url = `http://127.0.0.1:${this.port || 40001}`): void {
    this.stdout.write(
      `${JSON.stringify({ url, port: Number(new URL(url).port), data_dir: '/d', pid: 4242 })}\n`,
    );
  }
  die(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    if (signal === 'SIGTERM' || signal === 'SIGKILL') setImmediate(() => this.die(null, signal));
    return true;
  }
}

/** A supervisor over fake children and a manual clock of timers. */
function harness(options: { port?: number; running?: { url: string; pid: number } | null } = {}) {
  const children: FakeChild[] = [];
  const states: SandboxState[] = [];
  const log: string[] = [];
  const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
  let healthy = true;
  let running = options.running ?? null;
  const supervisor = new SandboxSupervisor({
    port: options.port ?? 8080,
    spawn: (port) => {
      const child = new FakeChild(port);
      children.push(child);
      return child as unknown as ChildProcess;
    },
    findRunning: () => Promise.resolve(running),
    healthy: () => Promise.resolve(healthy),
    log: (line) => log.push(line),
    onState: (state) => states.push(state),
    setTimer: (run, ms) => {
      const timer = { run, ms, cancelled: false };
      timers.push(timer);
      return { cancel: () => (timer.cancelled = true) };
    },
    now: () => 0,
  });
  const fire = (ms: number) => {
    const timer = timers.find((t) => !t.cancelled && t.ms === ms);
    assert.ok(timer, `no timer of ${ms} ms; timers: ${timers.map((t) => t.ms).join(', ')}`);
    timer.cancelled = true;
    timer.run();
  };
  return {
    supervisor,
    children,
    states,
    log,
    timers,
    fire,
    setHealthy: (value: boolean) => (healthy = value),
    setRunning: (value: typeof running) => (running = value),
  };
}

const tick = () => new Promise((done) => setImmediate(done));

test('it starts the sandbox, reads its ready line, and stops it with SIGTERM', async () => {
  const { supervisor, children, states } = harness();
  const starting = supervisor.start();
  await tick();
  assert.equal(children.length, 1);
  assert.equal(children[0].port, 8080);
  children[0].ready('http://127.0.0.1:8080');
  assert.equal(await starting, 'http://127.0.0.1:8080');
  assert.deepEqual(supervisor.current, {
    kind: 'running',
    url: 'http://127.0.0.1:8080',
    pid: 4242,
    attached: false,
  });
  // A second start while running is the same sandbox.
  assert.equal(await supervisor.start(), 'http://127.0.0.1:8080');
  assert.equal(children.length, 1);
  await supervisor.stop();
  assert.deepEqual(children[0].signals, ['SIGTERM']);
  assert.deepEqual(states.at(-1), { kind: 'stopped' });
});

test('a sandbox already running on the folder is attached to, and replaced when it stops answering', async () => {
  const { supervisor, children, fire, setHealthy, setRunning } = harness({
    running: { url: 'http://127.0.0.1:9999', pid: 1 },
  });
  assert.equal(await supervisor.start(), 'http://127.0.0.1:9999');
  assert.equal(children.length, 0);
  fire(10_000);
  await tick();
  assert.equal(supervisor.current.kind, 'running', 'a healthy one is kept');
  // It went away: nothing runs on the folder any more, so the supervisor starts its own.
  setHealthy(false);
  setRunning(null);
  fire(10_000);
  await tick();
  await tick();
  assert.equal(children.length, 1);
  children[0].ready('http://127.0.0.1:8080');
  await tick();
  assert.deepEqual(supervisor.current, {
    kind: 'running',
    url: 'http://127.0.0.1:8080',
    pid: 4242,
    attached: false,
  });
});

test('a crash is restarted with doubling delays, and after too many it gives up, saying why', async () => {
  const { supervisor, children, fire, states } = harness();
  const started = supervisor.start();
  await tick();
  children[0].ready();
  await started;
  const delays = [500, 1_000, 2_000, 4_000, 8_000];
  for (const [index, delay] of delays.entries()) {
    children[index].die(1);
    assert.deepEqual(supervisor.current, {
      kind: 'restarting',
      inMs: delay,
      why: 'the sandbox stopped unexpectedly (exit code 1)',
    });
    fire(delay);
    await tick();
    assert.equal(children.length, index + 2);
    children[index + 1].ready();
    await tick();
    assert.equal(supervisor.current.kind, 'running');
  }
  children[5].die(null, 'SIGKILL');
  assert.equal(supervisor.current.kind, 'failed');
  assert.match((states.at(-1) as { why: string }).why, /SIGKILL.*6 times in a row; not restarting/);
});

test('a port in use is named, and the sandbox starts on a free port instead', async () => {
  const { supervisor, children, log } = harness({ port: 8080 });
  const starting = supervisor.start();
  await tick();
  children[0].stderr.write('Error: listen EADDRINUSE: address already in use 127.0.0.1:8080\n');
  await tick();
  children[0].die(1);
  await tick();
  await tick();
  assert.equal(children.length, 2);
  assert.equal(children[1].port, 0);
  children[1].ready('http://127.0.0.1:40123');
  assert.equal(await starting, 'http://127.0.0.1:40123');
  assert.ok(
    log.some((line) => /port 8080 is already in use/.test(line)),
    log.join('\n'),
  );
});

test('a sandbox that cannot start says so in its own words', async () => {
  const { supervisor, children } = harness();
  const starting = supervisor.start();
  await tick();
  children[0].stderr.write('the data folder /d is open to other users (0777); refusing\n');
  await tick();
  children[0].die(2);
  await assert.rejects(starting, /could not start: the data folder \/d is open to other users/);
  assert.equal(supervisor.current.kind, 'failed');
  // Garbage instead of a ready line is refused too.
  const again = supervisor.start();
  await tick();
  children[1].stdout.write('hello\n');
  await assert.rejects(again, /printed "hello" instead of its ready line/);
  assert.deepEqual(children[1].signals, ['SIGKILL']);
});

test('start failures are described from the sandbox’s last lines', () => {
  assert.match(startFailure('x\nlisten EADDRINUSE 127.0.0.1:7\n', 7), /port 7 is already in use/);
  assert.equal(startFailure('', 0), 'it exited without a word');
  assert.equal(startFailure('a\nb\nc\nd\n', 0), 'b / c / d');
});
