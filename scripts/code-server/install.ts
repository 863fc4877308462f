// code-server (a real VS Code: server plus web workbench, from the npm registry) installed into a
// cache folder of its own, the way @vscode/test-electron keeps VS Code in `.vscode-test/`. It is
// not a devDependency: its postinstall builds native modules and takes one to two minutes and
// 300 MB, which `npm ci` should not pay on every machine. `npm start` (the studio), `npm run
// setup` and the e2e tests install it through here, on first use.
//
// Three things stop a plain `npm install code-server` here, each handled below:
// - as root its postinstall refuses to run without npm_config_unsafe_perm;
// - node-pty's build runs `npx node-gyp`, which waits for a yes unless npm_config_yes is set;
// - @vscode/ripgrep downloads `rg` from GitHub, which is unreachable, so its download cache is
//   seeded with Debian's `rg` under the tarball name it looks for.
// npm 11 also skips dependencies' install scripts unless they are allowed (see runNpmInstall).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const codeServerVersion = '4.100.3';
/** Overrides the cache folder (default `~/.cache/timber-studio/code-server-<version>`). */
export const cacheDirVariable = 'TIMBER_CODE_SERVER_DIR';

/** The folder @vscode/ripgrep 1.15.11 (pinned by code-server 4.100.3) keeps its downloads in. */
const ripgrepCacheName = 'vscode-ripgrep-cache-1.15.11';
const ripgrepRelease = 'v13.0.0-10';
const ripgrepTargets: Partial<Record<NodeJS.Architecture, string>> = {
  x64: 'x86_64-unknown-linux-musl',
  arm64: 'aarch64-unknown-linux-musl',
};

const marker = '.timber-installed';
const installTimeoutMs = 15 * 60_000;

export function codeServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env[cacheDirVariable] ??
    join(homedir(), '.cache', 'timber-studio', `code-server-${codeServerVersion}`)
  );
}

/** The script that starts code-server (run it with this same Node). */
export function codeServerEntry(dir: string = codeServerCacheDir()): string {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

export function isCodeServerInstalled(dir: string = codeServerCacheDir()): boolean {
  const markerPath = join(dir, marker);
  return (
    existsSync(markerPath) &&
    readFileSync(markerPath, 'utf8').trim() === codeServerVersion &&
    existsSync(codeServerEntry(dir))
  );
}

/** Something this machine lacks, and how to get it. */
export interface Missing {
  what: string;
  fix: string;
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** What installing code-server needs: Node 20, tools to build node-pty and kerberos, and `rg`. */
export function missingForInstall(): Missing[] {
  const missing: Missing[] = [];
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor !== 20) {
    missing.push({
      what: `code-server ${codeServerVersion} needs Node 20, this is Node ${process.versions.node}`,
      fix: 'use Node 20 (nvm install 20, or your package manager)',
    });
  }
  for (const [command, debianPackage] of [
    ['python3', 'python3'],
    ['make', 'make'],
    ['g++', 'g++'],
    ['krb5-config', 'libkrb5-dev'],
    ['rg', 'ripgrep'],
  ] as const) {
    if (!hasCommand(command)) {
      missing.push({
        what: `${command} is not installed`,
        fix: `apt-get install ${debianPackage}`,
      });
    }
  }
  if (ripgrepTargets[process.arch] === undefined) {
    missing.push({
      what: `no ripgrep build is known for ${process.arch}`,
      fix: 'run on x64 or arm64',
    });
  }
  return missing;
}

/** What is missing to start code-server from `dir`. */
export function missingForStart(dir: string = codeServerCacheDir()): Missing[] {
  return isCodeServerInstalled(dir)
    ? []
    : [
        {
          what: `code-server ${codeServerVersion} is not installed in ${dir}`,
          fix: 'npm run e2e:install (npm start installs it too)',
        },
      ];
}

export function describeMissing(missing: Missing[]): string {
  return missing.map((m) => `- ${m.what}: ${m.fix}`).join('\n');
}

export interface InstallOptions {
  dir?: string;
  /** Progress lines, in words; npm's own output goes to `<dir>.log`. */
  log?: (line: string) => void;
}

export interface InstallResult {
  dir: string;
  entry: string;
  /** False when the cache already held this version. */
  installed: boolean;
  seconds: number;
}

/**
 * Installs code-server into its cache folder unless it is there already. The install happens in a
 * sibling staging folder that is renamed into place only when complete, so an interrupted install
 * never looks like a finished one.
 */
export async function installCodeServer(options: InstallOptions = {}): Promise<InstallResult> {
  const started = performance.now();
  const dir = options.dir ?? codeServerCacheDir();
  const log = options.log ?? (() => {});
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  if (isCodeServerInstalled(dir)) {
    return { dir, entry: codeServerEntry(dir), installed: false, seconds: seconds() };
  }
  const missing = missingForInstall();
  if (missing.length > 0) {
    throw new Error(
      `Cannot install code-server ${codeServerVersion}:\n${describeMissing(missing)}`,
    );
  }

  removeAbandonedStaging(dir);
  const staging = `${dir}.partial-${process.pid}`;
  const logPath = `${dir}.log`;
  mkdirSync(staging, { recursive: true });
  try {
    const tmp = join(staging, '.tmp');
    seedRipgrep(tmp);
    writeFileSync(
      join(staging, 'package.json'),
      JSON.stringify({ name: 'timber-code-server', private: true }, null, 2),
    );
    log(`installing code-server ${codeServerVersion} into ${dir} (npm output: ${logPath})`);
    await runNpmInstall(staging, tmp, logPath);
    rmSync(tmp, { recursive: true, force: true });
    writeFileSync(join(staging, marker), `${codeServerVersion}\n`);
    // Another process may have finished the same install meanwhile; its copy is as good as ours.
    if (!isCodeServerInstalled(dir)) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`code-server ${codeServerVersion} installed in ${seconds()} s`);
  return { dir, entry: codeServerEntry(dir), installed: true, seconds: seconds() };
}

/** Removes staging folders left by installs that were killed (their process is gone). */
function removeAbandonedStaging(dir: string): void {
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  const prefix = `${basename(dir)}.partial-`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && isRunning(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Puts Debian's `rg` where @vscode/ripgrep's postinstall looks before it tries GitHub. */
function seedRipgrep(tmp: string): void {
  const target = ripgrepTargets[process.arch];
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (target === undefined || rg === '')
    throw new Error('ripgrep is not installed: apt-get install ripgrep');
  const cache = join(tmp, ripgrepCacheName);
  const staged = join(tmp, 'rg-binary');
  mkdirSync(cache, { recursive: true });
  mkdirSync(staged, { recursive: true });
  copyFileSync(rg, join(staged, 'rg'));
  const tarball = join(cache, `ripgrep-${ripgrepRelease}-${target}.tar.gz`);
  const tar = spawnSync('tar', ['czf', tarball, '-C', staged, 'rg'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`could not pack rg for @vscode/ripgrep: ${tar.stderr}`);
}

async function runNpmInstall(cwd: string, tmp: string, logPath: string): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: tmp,
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    // npm 11 runs no dependency's install script unless allowed. A named list is refused from the
    // environment in a project install, and code-server's postinstall runs two nested
    // `npm install`s that inherit it as environment; so allow all, for this pinned tree only
    // (its three lockfiles fix every package). npm 10 ignores the setting.
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  // node-gyp downloads Node's headers unless told where they are; Node ships them beside itself.
  const headers = join(dirname(dirname(process.execPath)), 'include', 'node', 'node.h');
  if (env.npm_config_nodedir === undefined && existsSync(headers)) {
    env.npm_config_nodedir = dirname(dirname(process.execPath));
  }
  mkdirSync(dirname(logPath), { recursive: true });
  const output = createWriteStream(logPath);
  const child = spawn(
    'npm',
    ['install', '--no-save', '--omit=dev', `code-server@${codeServerVersion}`],
    { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(output, { end: false });
  child.stderr.pipe(output, { end: false });
  // A stalled download would otherwise hold CI until its own limit.
  const timer = setTimeout(() => child.kill('SIGTERM'), installTimeoutMs);
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  }).finally(() => clearTimeout(timer));
  await new Promise<void>((done) => output.end(done));
  if (code !== 0) {
    const tail = readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');
    throw new Error(
      `npm install code-server@${codeServerVersion} failed (${code === null ? 'stopped after 15 minutes' : `exit ${code}`}); the end of ${logPath}:\n${tail}`,
    );
  }
}
