// Before it opens anything, the sandbox checks that its data folder is the user's alone. The
// secrets in it are secret only if no one else can read them, and are the sandbox's own only if
// no one else could have put them there: another user who planted the token-signing key could
// mint access tokens for any account, and one who read the admin token could create keys. Once
// the data folder and store/ belong to the user and no one else can write to them, no one else
// can add, replace or remove anything in them, so what this check finds holds for the whole run.
import * as fs from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { privateDirMode, privateFileMode } from '../store/durable-fs';
import { dataFiles } from './data-dir';

const writableByOthers = 0o022;
const readableByOthers = 0o044;
const anyAccessByOthers = 0o077;

export type UnsafeReason = 'not-owner' | 'writable-by-others' | 'readable-by-others';

/** A path that stops the sandbox from starting until the user fixes it. */
export interface UnsafeEntry {
  path: string;
  kind: 'folder' | 'secret' | 'store file';
  /** Permission bits (mode & 0o777). */
  mode: number;
  owner: number;
  reasons: UnsafeReason[];
}

/** A store folder or file others can read or write, which the sandbox may tighten itself. */
export interface LooseStoreEntry {
  path: string;
  kind: 'folder' | 'file';
  mode: number;
}

export interface DataDirCheck {
  unsafe: UnsafeEntry[];
  loose: LooseStoreEntry[];
}

/** Looks at the data folder, its store/ folder and files, and the secret files; changes nothing. */
export function checkDataDir(dataDir: string, uid: number): DataDirCheck {
  const unsafe: UnsafeEntry[] = [];
  const loose: LooseStoreEntry[] = [];
  const storeDir = join(dataDir, dataFiles.store);
  for (const dir of [dataDir, storeDir]) {
    const stat = statIfPresent(dir, fs.statSync);
    if (!stat?.isDirectory()) continue;
    const reasons = ownerAndModeReasons(stat, uid, writableByOthers);
    if (reasons.length > 0) unsafe.push(entry(dir, 'folder', stat, reasons));
    else if (dir === storeDir && (stat.mode & anyAccessByOthers) !== 0)
      loose.push({ path: dir, kind: 'folder', mode: stat.mode & 0o777 });
  }
  for (const name of [dataFiles.adminToken, dataFiles.signingKey]) {
    const path = join(dataDir, name);
    // Followed if a link: what matters is the file the secret is read from.
    const stat = statIfPresent(path, fs.statSync);
    if (!stat?.isFile()) continue;
    const reasons = ownerAndModeReasons(stat, uid, writableByOthers | readableByOthers);
    if (reasons.length > 0) unsafe.push(entry(path, 'secret', stat, reasons));
  }
  if (statIfPresent(storeDir, fs.statSync)?.isDirectory()) {
    for (const name of fs.readdirSync(storeDir).sort()) {
      const path = join(storeDir, name);
      // Not followed: the store never makes links, and a chmod through one could reach anything.
      const stat = statIfPresent(path, fs.lstatSync);
      if (!stat?.isFile()) continue;
      if (stat.uid !== uid) unsafe.push(entry(path, 'store file', stat, ['not-owner']));
      // The journal segments, snapshots and lock file are the sandbox's own, made readable by
      // older versions (0644, or 0664 under a umask of 0002): with the folders already safe, no
      // one else can have put them there, so tightening them loses nothing and needs no one.
      else if ((stat.mode & anyAccessByOthers) !== 0)
        loose.push({ path, kind: 'file', mode: stat.mode & 0o777 });
    }
  }
  return { unsafe, loose };
}

/** Refusal of a data folder that is not the user's alone; `entries` says which paths and why. */
export class UnsafeDataDirError extends Error {
  constructor(
    readonly dataDir: string,
    readonly entries: readonly UnsafeEntry[],
    uid: number,
  ) {
    super(describeUnsafe(dataDir, entries, uid));
    this.name = 'UnsafeDataDirError';
  }
}

export interface SecureDataDirOptions {
  log: (line: string) => void;
  platform?: NodeJS.Platform;
  uid?: number;
}

/**
 * Refuses (UnsafeDataDirError) a data folder others could change or secrets others could read;
 * otherwise makes the store's own files owner-only, with a log line. Nothing on Windows, where
 * these modes mean nothing (access there is by ACL, and the folder is under the user's profile).
 */
export function secureDataDir(dataDir: string, options: SecureDataDirOptions): void {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return;
  const uid = options.uid ?? process.getuid!();
  const { unsafe, loose } = checkDataDir(dataDir, uid);
  if (unsafe.length > 0) throw new UnsafeDataDirError(dataDir, unsafe, uid);
  if (loose.length === 0) return;
  for (const item of loose)
    fs.chmodSync(item.path, item.kind === 'folder' ? privateDirMode : privateFileMode);
  const modes = [...new Set(loose.map((item) => octal(item.mode)))].join(', ');
  options.log(
    `[sandbox] made ${loose.length} journal or snapshot entries in "${join(dataDir, dataFiles.store)}" ` +
      `owner-only (folder 0700, files 0600): they were open to others (mode ${modes})`,
  );
}

/** How many entries the refusal describes one by one before it sums up the rest. */
const describedEntries = 6;

function describeUnsafe(dataDir: string, entries: readonly UnsafeEntry[], uid: number): string {
  const lines = entries.slice(0, describedEntries).map((item) => {
    const owner = item.owner === uid ? '(you)' : `(you are uid ${uid})`;
    const label = item.kind === 'secret' ? 'secret file' : item.kind;
    const what = `"${item.path}" (${label}, mode ${octal(item.mode)}, owner uid ${item.owner} ${owner})`;
    return `  ${what}: ${item.reasons.map((reason) => reasonText(item, reason, uid)).join('; ')}.\n    Fix: ${fixFor(item)}`;
  });
  if (entries.length > describedEntries)
    lines.push(`  ...and ${entries.length - describedEntries} more like these.`);
  return (
    `The sandbox data folder "${dataDir}" is not safe to use, so the sandbox did not start:\n` +
    `${lines.join('\n')}\n` +
    'Run the commands above (or choose another data folder), then start the sandbox again.'
  );
}

function reasonText(item: UnsafeEntry, reason: UnsafeReason, uid: number): string {
  switch (reason) {
    case 'not-owner':
      return item.kind === 'secret'
        ? `it belongs to another user (uid ${item.owner}), who may know it`
        : `it belongs to another user (uid ${item.owner}), not to you (uid ${uid})`;
    case 'writable-by-others':
      return item.kind === 'folder'
        ? 'others can write to it, so they could plant or replace files in it'
        : 'others can write to it, so they could have replaced it';
    case 'readable-by-others':
      return 'others can read it';
    default:
      return reason satisfies never;
  }
}

function fixFor(item: UnsafeEntry): string {
  const path = shellQuote(item.path);
  if (item.reasons.includes('not-owner')) {
    // A secret someone else made is theirs to know: replace it rather than take it over.
    if (item.kind === 'secret') return `rm ${path}   (a new one is made at the next start)`;
    const chown = `sudo chown ${item.kind === 'folder' ? '-R ' : ''}${userName()} ${path}`;
    return item.reasons.includes('writable-by-others') ? `${chown} && chmod 700 ${path}` : chown;
  }
  if (item.kind === 'folder') return `chmod 700 ${path}`;
  return (
    `chmod 600 ${path}` +
    (item.kind === 'secret'
      ? `   (or, as others may have read it, rm ${path} to have a new one made at the next start)`
      : '')
  );
}

function ownerAndModeReasons(stat: fs.Stats, uid: number, othersMask: number): UnsafeReason[] {
  const reasons: UnsafeReason[] = [];
  if (stat.uid !== uid) reasons.push('not-owner');
  if ((stat.mode & othersMask & writableByOthers) !== 0) reasons.push('writable-by-others');
  if ((stat.mode & othersMask & readableByOthers) !== 0) reasons.push('readable-by-others');
  return reasons;
}

function entry(
  path: string,
  kind: UnsafeEntry['kind'],
  stat: fs.Stats,
  reasons: UnsafeReason[],
): UnsafeEntry {
  return { path, kind, mode: stat.mode & 0o777, owner: stat.uid, reasons };
}

function statIfPresent(path: string, stat: typeof fs.statSync): fs.Stats | null {
  try {
    return stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/** The current user's name for a chown command, or the uid where there is no name to be had. */
function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '$(id -u)');
  }
}

/** A path as one shell word: bare when it is plain, else single-quoted. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}
