import type { ReadStream } from 'node:fs';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Order } from '../api/orders';
import { Order as OrderSchema } from '../api/orders';
import type { RunFill } from '../api/run-events';
import { RunEvent, RunFill as RunFillSchema } from '../api/run-events';
import { RunRecord } from './record-schema';
import { runFiles } from './records';

// Reading run folders back: the history view, `tbm runs`, run comparison.

export interface RunListing {
  runs: RunRecord[];
  /** Folders whose run.json is missing or unreadable, with why. */
  unreadable: { id: string; problem: string }[];
}

/** Every run in a folder, newest first. */
export async function listRuns(runsDir: string): Promise<RunListing> {
  let entries;
  try {
    entries = await readdir(runsDir, { withFileTypes: true });
  } catch {
    return { runs: [], unreadable: [] };
  }
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const results = await Promise.all(folders.map((id) => readRun(runsDir, id)));
  const runs: RunRecord[] = [];
  const unreadable: RunListing['unreadable'] = [];
  results.forEach((result, index) => {
    if ('record' in result) runs.push(result.record);
    else unreadable.push({ id: folders[index], problem: result.problem });
  });
  runs.sort((a, b) => b.started_at - a.started_at || b.id.localeCompare(a.id));
  return { runs, unreadable };
}

export async function readRun(
  runsDir: string,
  id: string,
): Promise<{ record: RunRecord; dir: string } | { problem: string }> {
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || id.startsWith('.')) return { problem: 'not a run id' };
  const dir = join(runsDir, id);
  let text: string;
  try {
    text = await readFile(join(dir, runFiles.record), 'utf8');
  } catch {
    return { problem: `no ${runFiles.record} in ${dir}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `${runFiles.record} is not valid JSON` };
  }
  const parsed = RunRecord.safeParse(json);
  if (!parsed.success)
    return {
      problem: `${runFiles.record} does not match this version: ${parsed.error.issues[0]?.message}`,
    };
  return { record: parsed.data, dir };
}

export interface RunTrading {
  /** The first `limit` orders the run saw, each as it last stood; oldest first. */
  orders: Order[];
  /** The first `limit` fills. */
  fills: RunFill[];
  /** Lines of `events.ndjson` that were not run events (a torn last line after a crash). */
  skipped: number;
}

const LegacyTrading = z.object({
  orders: z.array(OrderSchema).catch([]),
  fills: z.array(RunFillSchema).catch([]),
});

/**
 * A run's orders and fills, read from its `events.ndjson` line by line (a day-long run holds
 * millions: only the first `limit` of each are kept), or from `run.json` for records written
 * before there were events.
 */
export async function readRunTrading(dir: string, limit = 1_000): Promise<RunTrading> {
  const orders = new Map<string, Order>();
  const fills: RunFill[] = [];
  let skipped = 0;
  const stream: ReadStream = createReadStream(join(dir, runFiles.events), { encoding: 'utf8' });
  try {
    await new Promise<void>((ready, fail) => {
      stream.once('open', () => ready());
      stream.once('error', fail);
    });
  } catch {
    return { ...(await legacyTrading(dir, limit)), skipped: 0 };
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const parsed = parseEvent(line);
    if (parsed === undefined) skipped++;
    else if (parsed.type === 'order') {
      const known = orders.has(parsed.order.id);
      if (known || orders.size < limit) orders.set(parsed.order.id, parsed.order);
    } else if (parsed.type === 'fill' && fills.length < limit) fills.push(parsed.fill);
  }
  return { orders: [...orders.values()], fills, skipped };
}

function parseEvent(line: string): RunEvent | undefined {
  try {
    const parsed = RunEvent.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function legacyTrading(dir: string, limit: number) {
  try {
    const json: unknown = JSON.parse(await readFile(join(dir, runFiles.record), 'utf8'));
    const legacy = LegacyTrading.parse(json);
    return { orders: legacy.orders.slice(0, limit), fills: legacy.fills.slice(0, limit) };
  } catch {
    return { orders: [], fills: [] };
  }
}
