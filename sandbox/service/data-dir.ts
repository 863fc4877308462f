import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The per-user folder where the local sandbox keeps its journal, like other tools' data folders. */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  if (platform === 'win32') {
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'TimberStudio', 'sandbox');
  }
  if (platform === 'darwin')
    return join(homedir(), 'Library', 'Application Support', 'TimberStudio', 'sandbox');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'timber-studio', 'sandbox');
}

export const dataFiles = {
  journal: 'journal',
  adminToken: 'admin-token',
  signingKey: 'token-signing-key',
  runtime: 'sandbox.json',
  lock: 'sandbox.lock',
} as const;

/** What a running sandbox writes so that `tbm keys create --data-dir D` can find it. */
export interface RuntimeInfo {
  url: string;
  pid: number;
  started_at: number;
}

/** Reads a secret file, creating it (mode 0600, owner only) on first use. */
export function ensureSecretFile(dir: string, name: string, bytes: number): string {
  const path = join(dir, name);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = randomBytes(bytes).toString('hex');
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

export function readRuntimeInfo(dir: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(join(dir, dataFiles.runtime), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data folder for this process: two sandboxes appending to one journal would corrupt
 * it. A lock left by a process that is gone is taken over. Returns a release function.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, dataFiles.lock);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (
        Number.isInteger(holder) &&
        holder > 0 &&
        holder !== process.pid &&
        processAlive(holder)
      ) {
        throw new Error(
          `another sandbox (process ${holder}) is using the data folder ${dir}; stop it, or pass a different --data-dir`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock the data folder ${dir}`);
}
