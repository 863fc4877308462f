import * as vscode from 'vscode';
import { z } from 'zod';
import { hostedUrls } from '../../runner/connections';
import type { LocalSandbox } from '../../runner/local-sandbox';
import type { Connector } from '../connect';
import { currentEnvironment } from '../connect';
import type { ActiveRun } from '../runs/run-manager';
import type { EnvironmentItem } from '../views/environments-view';
import { checkKey } from './check-key';
import { describeKeyAge, keyAge, remindersDue } from './key-age';
import type { KeyEnvironment, KeyStore } from './key-store';
import { keyEnvironments } from './key-store';
import type { NewKey, Revocation, RotationOutcome, RotationSteps } from './rotate-key';
import { localRotation, rotateKey } from './rotate-key';

// The key commands: add (asked for, or given as arguments), rotate and remove, and the reminder
// to rotate from day 25. What a key is shown as never includes its secret; what is logged is
// key ids only.

export interface KeyServices {
  keys: KeyStore;
  connector: Connector;
  running: () => readonly ActiveRun[];
  log: (line: string) => void;
  refreshKeys: () => void;
}

/** A key given to `timber.keys.add` by a caller that has one (a test, another extension). */
const GivenKey = z.object({ key_id: z.string().trim().min(1), secret: z.string().min(1) });
type GivenKey = z.infer<typeof GivenKey>;

/** Which environment a command is about: given, from a view item, or picked. */
type Target = KeyEnvironment | EnvironmentItem | undefined;

const titles: Record<KeyEnvironment, string> = {
  local: 'local sandbox',
  sandbox: 'hosted sandbox',
  live: 'live API',
};

/** The hosted API gives a client no way to make or revoke keys (API.md): the user does. */
const byHand = (keyId: string) =>
  `revoke the old key ${keyId} in the Timber Bondmere console: the API gives clients no way to revoke a key, and it works until you do`;

export function registerKeyCommands(services: KeyServices): vscode.Disposable[] {
  const { keys } = services;
  return [
    vscode.commands.registerCommand(
      'timber.keys.add',
      async (target?: Target, given?: unknown): Promise<boolean> => {
        const key = given === undefined ? undefined : GivenKey.safeParse(given);
        if (key?.success === false) {
          void vscode.window.showErrorMessage(
            'Timber: timber.keys.add takes an environment and {key_id, secret}; the key was not stored.',
          );
          return false;
        }
        const env =
          environmentOf(target) ?? (await pickEnvironment('Add a key for which environment?'));
        if (env === undefined) return false;
        const stored = await addKey(env, services, key?.data);
        services.refreshKeys();
        return stored;
      },
    ),
    vscode.commands.registerCommand(
      'timber.keys.rotate',
      async (target?: Target): Promise<RotationOutcome | undefined> => {
        const env =
          environmentOf(target) ?? (await pickKey(keys, 'Rotate the key of which environment?'));
        if (env === undefined) return undefined;
        const outcome = await rotate(env, services);
        services.refreshKeys();
        return outcome;
      },
    ),
    vscode.commands.registerCommand(
      'timber.keys.remove',
      async (target?: Target, options?: { confirmed?: boolean }): Promise<boolean> => {
        const env =
          environmentOf(target) ?? (await pickKey(keys, 'Remove the key of which environment?'));
        if (env === undefined) return false;
        const key = await keys.get(env);
        if (key === undefined) return false;
        if (options?.confirmed !== true) {
          const remove = 'Remove';
          const answer = await vscode.window.showWarningMessage(
            `Remove the ${env} key ${key.key_id} from this machine's secret storage?`,
            {
              modal: true,
              detail:
                env === 'local'
                  ? 'A new local key is made on the next run.'
                  : 'The key still works on the platform: revoke it in the Timber Bondmere console if you no longer need it.',
            },
            remove,
          );
          if (answer !== remove) return false;
        }
        await keys.remove(env);
        services.log(`removed the ${env} key ${key.key_id} from the secret storage`);
        services.refreshKeys();
        return true;
      },
    ),
  ];
}

function environmentOf(target: Target): KeyEnvironment | undefined {
  if (typeof target === 'string') return keyEnvironments.includes(target) ? target : undefined;
  if (target?.kind === 'key') return target.key.env;
  if (target?.kind === 'environment' || target?.kind === 'no-key') return target.env;
  return undefined;
}

async function pickEnvironment(placeHolder: string): Promise<KeyEnvironment | undefined> {
  const picked = await vscode.window.showQuickPick(
    keyEnvironments.map((env) => ({ label: env, description: titles[env] })),
    { placeHolder },
  );
  return picked?.label;
}

/** The environments with their keys (id, scope, age; never a secret) to pick one from. */
async function pickKey(keys: KeyStore, placeHolder: string): Promise<KeyEnvironment | undefined> {
  const listed = await keys.list();
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(
    keyEnvironments.map((env) => {
      const key = listed.find((each) => each.env === env);
      return {
        label: env,
        description:
          key === undefined
            ? `${titles[env]} · no key`
            : `${key.key_id} · ${key.scope} · ${describeKeyAge(keyAge(key.added_at, now))}`,
        env,
      };
    }),
    { placeHolder },
  );
  return picked?.env;
}

/** Asks for a key (or takes the one given), checks it with a token exchange, and only then stores it. */
async function addKey(
  env: KeyEnvironment,
  services: KeyServices,
  given: GivenKey | undefined,
): Promise<boolean> {
  const key = given ?? (await askForKey(env, 'API key'));
  if (key === undefined) return false;
  const baseUrl = await baseUrlOf(env, services.connector);
  const check = await checkKey(baseUrl, key.key_id, key.secret);
  if (!check.ok) {
    void vscode.window.showErrorMessage(`Timber: the key was not stored: ${check.problem}`);
    return false;
  }
  await services.keys.put(env, { ...key, scope: check.scope, added_at: Date.now() });
  services.log(`stored the ${env} ${check.scope} key ${key.key_id} in the secret storage`);
  void vscode.window.showInformationMessage(
    `Timber: the ${check.scope} key ${key.key_id} is stored for ${env}.`,
  );
  return true;
}

async function askForKey(env: KeyEnvironment, what: string): Promise<NewKey | undefined> {
  const keyId = await vscode.window.showInputBox({
    title: `Timber: ${titles[env]} ${what}`,
    prompt: 'The key id (not secret)',
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? 'a key id is required' : undefined),
  });
  if (keyId === undefined) return undefined;
  const secret = await vscode.window.showInputBox({
    title: `Timber: ${titles[env]} ${what} ${keyId.trim()}`,
    prompt: 'Its secret: kept in the secret storage of this machine, nowhere else',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (value === '' ? 'the secret is required' : undefined),
  });
  return secret === undefined ? undefined : { key_id: keyId.trim(), secret };
}

async function baseUrlOf(env: KeyEnvironment, connector: Connector): Promise<string> {
  return env === 'local' ? (await connector.localSandbox()).url : hostedUrls[env].baseUrl;
}

/** One rotation, from the confirmation (when runs use the key) to the words of its outcome. */
async function rotate(
  env: KeyEnvironment,
  services: KeyServices,
): Promise<RotationOutcome | undefined> {
  const old = await services.keys.get(env);
  if (old === undefined && env !== 'local') {
    const add = 'Add API Key';
    const answer = await vscode.window.showWarningMessage(
      `Timber: there is no ${titles[env]} key to rotate yet.`,
      add,
    );
    if (answer === add) await vscode.commands.executeCommand('timber.keys.add', env);
    return undefined;
  }
  const running = services.running().length;
  if (old !== undefined && running > 0 && env === currentEnvironment()) {
    const proceed = 'Rotate';
    const answer = await vscode.window.showWarningMessage(
      `${running === 1 ? 'A run uses' : `${running} runs use`} the ${env} key ${old.key_id}.`,
      {
        modal: true,
        detail: 'Once it is revoked, their requests and streams are refused: run them again after.',
      },
      proceed,
    );
    if (answer !== proceed) return undefined;
  }
  const common: Pick<RotationSteps, 'current' | 'store' | 'now'> = {
    current: () => services.keys.get(env),
    store: (key) => services.keys.put(env, key),
    now: Date.now,
  };
  let steps: RotationSteps;
  if (env === 'local') {
    let sandbox: LocalSandbox;
    try {
      sandbox = await services.connector.localSandbox();
    } catch (error) {
      const outcome: RotationOutcome = {
        kind: 'not-rotated',
        problem: `the local sandbox did not start: ${(error as Error).message}`,
        kept: old?.key_id ?? null,
      };
      report(env, outcome, services.log);
      return outcome;
    }
    steps = {
      ...common,
      ...localRotation(sandbox),
      check: (key) => checkKey(sandbox.url, key.key_id, key.secret),
    };
  } else {
    steps = {
      ...common,
      obtain: () => askForKey(env, 'new API key (made in the Timber Bondmere console)'),
      check: (key) => checkKey(hostedUrls[env].baseUrl, key.key_id, key.secret),
      revoke: (oldKeyId) => Promise.resolve<Revocation>({ kind: 'by-hand', how: byHand(oldKeyId) }),
      // Nothing to undo: the user made the key, and keeps it.
      discard: () => Promise.resolve(),
    };
  }
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Rotating the ${env} key` },
    () => rotateKey(steps),
  );
  report(env, outcome, services.log);
  return outcome;
}

function report(env: KeyEnvironment, outcome: RotationOutcome, log: (line: string) => void): void {
  switch (outcome.kind) {
    case 'cancelled':
      return;
    case 'not-rotated': {
      log(`the ${env} key was not rotated: ${outcome.problem}`);
      const kept =
        outcome.kept === null ? '' : ` The key ${outcome.kept} is still stored and still works.`;
      void vscode.window.showErrorMessage(
        `Timber: the ${env} key was not rotated: ${outcome.problem}.${kept}`,
      );
      return;
    }
    case 'rotated': {
      const { key, previous, revocation } = outcome;
      const stored = `Timber: the ${env} key is rotated: ${key.key_id} (${key.scope}) is checked and stored.`;
      const scope =
        previous !== null && previous.scope !== key.scope
          ? ` Its scope is ${key.scope}; the old key's was ${previous.scope}.`
          : '';
      log(
        `rotated the ${env} key: stored ${key.key_id} (${key.scope})` +
          (previous === null ? '' : `, old key ${previous.key_id}: ${revocation?.kind}`),
      );
      if (previous === null || revocation === null) {
        void vscode.window.showInformationMessage(`${stored}${scope}`);
        return;
      }
      const old = previous.key_id;
      switch (revocation.kind) {
        case 'revoked':
          void vscode.window.showInformationMessage(
            `${stored} The old key ${old} is revoked.${scope}`,
          );
          return;
        case 'already-gone':
          void vscode.window.showInformationMessage(
            `${stored} The old key ${old} was no longer known to the sandbox.${scope}`,
          );
          return;
        case 'by-hand':
          void vscode.window.showWarningMessage(`${stored} Now ${revocation.how}.${scope}`);
          return;
        case 'failed':
          void vscode.window.showWarningMessage(
            `${stored} The old key ${old} could not be revoked (${revocation.problem}) and still works: revoke it with "tbm keys revoke ${old}".${scope}`,
          );
          return;
        default:
          revocation satisfies never;
      }
      return;
    }
    default:
      outcome satisfies never;
  }
}

const reminderEveryMs = 6 * 3600_000;

/**
 * From day 25 of a key's 30 days, a notification with a Rotate button, once per key and session;
 * looked at a little after start (nothing at activation itself) and every 6 hours after.
 */
export function remindToRotate(keys: KeyStore): vscode.Disposable {
  const reminded = new Set<string>();
  const look = async () => {
    for (const { key, message } of remindersDue(await keys.list(), Date.now(), reminded)) {
      const rotateNow = 'Rotate';
      void vscode.window
        .showWarningMessage(`Timber: ${message}`, rotateNow)
        .then((answer) =>
          answer === rotateNow
            ? vscode.commands.executeCommand('timber.keys.rotate', key.env)
            : undefined,
        );
    }
  };
  const first = setTimeout(() => void look(), 5_000);
  const timer = setInterval(() => void look(), reminderEveryMs);
  return { dispose: () => (clearTimeout(first), clearInterval(timer)) };
}
