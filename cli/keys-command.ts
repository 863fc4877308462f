import { parseArgs } from 'node:util';
import type { AdminKey } from '../api/admin';
import { Scope } from '../api/auth';
import type { LocalSandbox } from '../runner/local-sandbox';
import { localSandboxAt, SandboxRefusal } from '../runner/local-sandbox';
import { defaultDataDir } from '../sandbox/service/data-dir';
import { readRuntimeInfo } from '../sandbox/service/runtime-info';
import { UsageError } from './usage';

export const keysHelp = `Usage: tbm keys create --scope read|trade [options]
       tbm keys list [options]
       tbm keys revoke KEY_ID [options]

Manages the API keys of a running local sandbox. create prints the new key's secret once;
list shows every key (never a secret), revoked ones with when; revoke stops a key at once:
it gets no more tokens, its tokens are refused and its stream connections are closed.

Options:
  --scope S        create: read (market data, account, orders) or trade (read plus placing orders)
  --account A      create: default (the paper account), new (a fresh account) or an account id
  --label L        create: a note to recognise the key by
  --url U          the sandbox's URL (default: the one running on --data-dir)
  --data-dir D     the sandbox's data folder (default: ${defaultDataDir()})
  --json           print JSON: the key (create, revoke) or {"keys":[...]} (list)
  -h, --help       this help`;

type KeysRequest =
  | { action: 'create'; scope: Scope; account?: string; label?: string }
  | { action: 'list' }
  | { action: 'revoke'; keyId: string };

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
  const request = keysRequest(positionals, values);
  const sandbox = runningSandbox(values['data-dir'], values.url);
  switch (request.action) {
    case 'create': {
      const key = await sandbox.createKey(request.scope, request.account, request.label ?? null);
      if (values.json) console.log(JSON.stringify(key));
      else {
        console.log(
          `key_id      ${key.key_id}\nsecret      ${key.secret}\nscope       ${key.scope}\naccount_id  ${key.account_id}`,
        );
        console.error(
          'The secret is shown only now; keep it somewhere safe (Timber Studio keeps it in SecretStorage).',
        );
      }
      return 0;
    }
    case 'list': {
      const keys = await sandbox.listKeys();
      if (values.json) console.log(JSON.stringify({ keys }));
      else console.log(keyTable(keys));
      return 0;
    }
    case 'revoke': {
      const key = await revoke(sandbox, request.keyId);
      if (values.json) console.log(JSON.stringify(key));
      else
        console.log(
          `key ${key.key_id} is revoked (since ${isoOrDash(key.revoked_at)}): it gets no token, and its tokens and streams no longer work`,
        );
      return 0;
    }
    default:
      return request satisfies never;
  }
}

/** What was asked, or a UsageError saying what is wrong with it. */
function keysRequest(
  positionals: string[],
  options: { scope?: string; account?: string; label?: string },
): KeysRequest {
  const [action, ...rest] = positionals;
  const extra = () =>
    new UsageError(`tbm keys ${action} takes no other argument, got "${rest.join(' ')}"`);
  const createOnly = () => {
    for (const name of ['scope', 'account', 'label'] as const)
      if (options[name] !== undefined)
        throw new UsageError(`--${name} is for tbm keys create, not tbm keys ${action}`);
  };
  switch (action) {
    case 'create': {
      if (rest.length > 0) throw extra();
      const scope = Scope.safeParse(options.scope);
      if (!scope.success) throw new UsageError('--scope must be "read" or "trade"');
      return {
        action,
        scope: scope.data,
        ...(options.account !== undefined && { account: options.account }),
        ...(options.label !== undefined && { label: options.label }),
      };
    }
    case 'list':
      if (rest.length > 0) throw extra();
      createOnly();
      return { action };
    case 'revoke':
      if (rest.length !== 1)
        throw new UsageError('tbm keys revoke takes one key id ("tbm keys list" shows them)');
      createOnly();
      return { action, keyId: rest[0] };
    default:
      throw new UsageError(
        `expected "tbm keys create", "tbm keys list" or "tbm keys revoke KEY_ID", got "tbm keys ${positionals.join(' ')}"`,
      );
  }
}

async function revoke(sandbox: LocalSandbox, keyId: string): Promise<AdminKey> {
  try {
    return await sandbox.revokeKey(keyId);
  } catch (error) {
    if (error instanceof SandboxRefusal && error.code === 'not_found')
      throw new Error(
        `the sandbox at ${sandbox.url} has no key ${keyId}; "tbm keys list" shows its keys`,
        { cause: error },
      );
    throw error;
  }
}

/** The sandbox running on the data folder (or at --url), with its admin token from the folder. */
function runningSandbox(dataDirOption: string | undefined, urlOption: string | undefined) {
  const dataDir = dataDirOption ?? defaultDataDir();
  const url = urlOption ?? readRuntimeInfo(dataDir)?.url;
  if (!url) {
    throw new Error(
      `no sandbox is running on ${dataDir}; start one with "tbm sandbox", or pass --url`,
    );
  }
  const sandbox: LocalSandbox = localSandboxAt({
    url: url.replace(/\/+$/, ''),
    dataDir,
    embedded: false,
    close: () => Promise.resolve(),
  });
  return sandbox;
}

function isoOrDash(t: number | null): string {
  return t === null ? '-' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The keys as an aligned table, oldest first; times in UTC on the sandbox's market clock. */
export function keyTable(keys: readonly AdminKey[]): string {
  if (keys.length === 0) return 'no keys (tbm keys create --scope trade makes one)';
  const rows = [
    ['key_id', 'scope', 'account_id', 'created_at', 'revoked_at', 'label'],
    ...keys.map((key) => [
      key.key_id,
      key.scope,
      key.account_id,
      isoOrDash(key.created_at),
      isoOrDash(key.revoked_at),
      key.label ?? '',
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
