// Ending code-server with everything it started. Killing the server alone leaves its ptyHost
// child alive for about 30 s (and shells in terminals longer), holding the temp folder open; so
// the whole tree is found through /proc and ended by process id.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Process ids of every descendant of `rootPid`, read from /proc (Linux). */
export function descendantPids(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    // The command name (field 2) is in parentheses and may hold spaces; fields after it are not.
    const parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const siblings = children.get(parentPid) ?? [];
    siblings.push(Number(entry));
    children.set(parentPid, siblings);
  }
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** True while `pid` runs (a zombie, ended but not yet reaped, counts as gone). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isProcessAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alive = alive.filter(isProcessAlive);
  }
  return alive;
}

/**
 * Sends SIGTERM to `child` and all its descendants, waits up to `graceMs` for them to go, then
 * SIGKILLs the rest. Resolves when none is left.
 */
export async function stopProcessTree(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const tree = [pid, ...descendantPids(pid)];
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((done) => child.once('exit', () => done()));
  for (const member of tree) signal(member, 'SIGTERM');
  let survivors = await waitUntilGone(tree, graceMs);
  if (survivors.length > 0) {
    for (const member of survivors) signal(member, 'SIGKILL');
    survivors = await waitUntilGone(survivors, 2_000);
  }
  await exited;
  if (survivors.length > 0) {
    throw new Error(`processes ${survivors.join(', ')} outlived SIGKILL; end them by hand`);
  }
}
