// Which Host and Origin headers the sandbox serves (issue 21, item 11): loopback names, the
// name or address it was bound to, and VS Code webviews; never a page's own name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPolicy } from '../../../sandbox/http/host-policy';

const served = (policy: ReturnType<typeof hostPolicy>, host: string | undefined) =>
  policy.refuseHost(host) === null;
const opened = (policy: ReturnType<typeof hostPolicy>, origin: string | undefined) =>
  policy.refuseOrigin(origin) === null;

test('bound to loopback: loopback names with any port, or no Host at all; nothing else', () => {
  const policy = hostPolicy('127.0.0.1');
  for (const host of [
    undefined,
    '',
    'localhost',
    'LOCALHOST:8080',
    'localhost.:8080',
    '127.0.0.1',
    '127.0.0.1:1',
    '127.8.9.10:65535',
    '[::1]',
    '[::1]:8080',
  ]) {
    assert.ok(served(policy, host), `${host} refused`);
  }
  for (const host of [
    'evil.example',
    'evil.example:8080',
    'localhost.evil.example',
    '127.0.0.1.evil.example',
    '128.0.0.1',
    '10.0.0.5:8080',
    '[::2]:8080',
    'localhost:80:80',
    'localhost@evil.example',
  ]) {
    assert.ok(!served(policy, host), `${host} served`);
  }
});

test('a refused Host is told what to do, in words', () => {
  const message = hostPolicy('127.0.0.1').refuseHost('evil.example:8080') ?? '';
  assert.match(message, /"evil\.example:8080"/);
  assert.match(message, /127\.0\.0\.1/);
  assert.match(message, /--host/);
});

test('bound with --host: that name or address is served too', () => {
  const named = hostPolicy('mybox.lan');
  assert.ok(served(named, 'mybox.lan:8080'));
  assert.ok(served(named, 'MyBox.Lan'));
  assert.ok(served(named, 'localhost:8080'));
  assert.ok(!served(named, 'evil.example:8080'));
  assert.match(named.refuseHost('evil.example') ?? '', /mybox\.lan/);
  const address = hostPolicy('192.168.1.5');
  assert.ok(served(address, '192.168.1.5:8080'));
  assert.ok(!served(address, '192.168.1.6:8080'));
  const v6 = hostPolicy('fd00::2');
  assert.ok(served(v6, '[fd00::2]:8080'));
  assert.ok(!served(v6, '[fd00::3]:8080'));
});

test('bound to every interface: any address literal, but still no foreign name', () => {
  for (const policy of [hostPolicy('0.0.0.0'), hostPolicy('::')]) {
    assert.ok(served(policy, '192.168.1.5:8080'));
    assert.ok(served(policy, '[fd00::2]:8080'));
    assert.ok(served(policy, 'localhost:8080'));
    assert.ok(!served(policy, 'evil.example:8080'));
  }
});

test('stream Origins: none, loopback pages and VS Code webviews; no other page', () => {
  const policy = hostPolicy('127.0.0.1');
  for (const origin of [
    undefined,
    'http://localhost:1234',
    'http://localhost',
    'https://localhost:5173',
    'http://127.0.0.1:8080',
    'http://[::1]:3000',
    'vscode-webview://1p2k3m4n5o6p',
    'vscode-file://vscode-app',
  ]) {
    assert.ok(opened(policy, origin), `${origin} refused`);
  }
  for (const origin of [
    'http://evil.example',
    'http://evil.example:1234',
    'http://localhost.evil.example',
    'null',
    'file://',
    'chrome-extension://abc',
    'ws://evil.example',
    '',
  ]) {
    assert.ok(!opened(policy, origin), `${origin} opened`);
  }
  assert.match(policy.refuseOrigin('http://evil.example') ?? '', /no Origin/);
  assert.ok(opened(hostPolicy('mybox.lan'), 'http://mybox.lan:3000'));
  // An address literal is the page's own origin, not a destination: no wildcard for Origins.
  assert.ok(!opened(hostPolicy('0.0.0.0'), 'http://203.0.113.5'));
});
