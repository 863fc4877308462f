import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { privateFileMode } from '../store/durable-fs';

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
  store: 'store',
  adminToken: 'admin-token',
  signingKey: 'token-signing-key',
  runtime: 'sandbox.json',
  /** How the market clock runs (`clock-state.ts`). */
  clock: 'clock.json',
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
  writeFileSync(path, `${value}\n`, { mode: privateFileMode, flag: 'wx' });
  return value;
}
