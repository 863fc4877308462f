import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreatedKey } from '../api/admin';
import { Scope } from '../api/auth';
import { dataFiles, defaultDataDir } from '../sandbox/service/data-dir';
import { readRuntimeInfo } from '../sandbox/service/runtime-info';
import { UsageError } from './usage';

export const keysHelp = `Usage: tbm keys create --scope read|trade [options]

Creates an API key on a running local sandbox and prints its secret once.

Options:
  --scope S        read (market data, account, orders) or trade (read plus placing orders)
  --account A      default (the paper account), new (a fresh account) or an account id
  --label L        a note to recognise the key by
  --url U          the sandbox's URL (default: the one running on --data-dir)
  --data-dir D     the sandbox's data folder (default: ${defaultDataDir()})
  --json           print {"key_id","secret","scope","account_id"} as JSON
  -h, --help       this help`;

export async function keysCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      scope: { type: 'string' },
      account: { type: 'string' },
      label: { type: 'string' },
      url: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(keysHelp);
    return 0;
  }
  if (positionals[0] !== 'create' || positionals.length > 1) {
    throw new UsageError(`expected "tbm keys create", got "tbm keys ${positionals.join(' ')}"`);
  }
  const scope = Scope.safeParse(values.scope);
  if (!scope.success) throw new UsageError('--scope must be "read" or "trade"');
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const url = values.url ?? readRuntimeInfo(dataDir)?.url;
  if (!url) {
    throw new Error(
      `no sandbox is running on ${dataDir}; start one with "tbm sandbox", or pass --url`,
    );
  }
  let adminToken: string;
  try {
    adminToken = readFileSync(join(dataDir, dataFiles.adminToken), 'utf8').trim();
  } catch {
    throw new Error(
      `cannot read the admin token in ${dataDir}; pass the --data-dir the sandbox was started with`,
    );
  }
  let response: Response;
  try {
    response = await fetch(new URL('/admin/keys', url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        scope: scope.data,
        ...(values.account && { account: values.account }),
        ...(values.label && { label: values.label }),
      }),
    });
  } catch (error) {
    throw new Error(
      `cannot reach the sandbox at ${url}: ${(error as Error).message}; is it running?`,
      { cause: error },
    );
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message =
      (body as { error?: { message?: string } } | null)?.error?.message ?? response.statusText;
    throw new Error(`the sandbox refused to create the key (${response.status}): ${message}`);
  }
  const key = CreatedKey.parse(body);
  if (values.json) {
    console.log(JSON.stringify(key));
  } else {
    console.log(
      `key_id      ${key.key_id}\nsecret      ${key.secret}\nscope       ${key.scope}\naccount_id  ${key.account_id}`,
    );
    console.error(
      'The secret is shown only now; keep it somewhere safe (Timber Studio keeps it in SecretStorage).',
    );
  }
  return 0;
}
