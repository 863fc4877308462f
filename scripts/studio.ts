// `npm start`: Timber Studio in the browser, on a machine without VS Code. Builds the .vsix,
// installs code-server into its cache folder on first use (1-2 minutes, once), installs the .vsix
// into the studio's own extensions folder, and starts code-server on loopback with examples/ as
// the workspace; the extension starts the sandbox when a strategy runs. Ctrl-C stops it all.
// The studio's settings, extensions and the sandbox's data are kept from one start to the next
// in ~/.cache/timber-studio/studio (TIMBER_STUDIO_DIR).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { installCodeServer } from './code-server/install';
import { startCodeServer } from './code-server/server';
import type { CodeServer } from './code-server/server';
import { packageVsix } from './vsix/package-vsix';

const root = resolve(import.meta.dirname, '..');
const usage = `usage: npm start [-- [--port N] [--vsix FILE]]
  --port N     the loopback port to serve on (default: a free one)
  --vsix FILE  install this package instead of building one`;

function studioStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TIMBER_STUDIO_DIR ?? join(homedir(), '.cache', 'timber-studio', 'studio');
}

/** The workbench's address with the folder it opens. */
function studioUrl(server: CodeServer, folder: string): string {
  return `${server.url}/?${new URLSearchParams({ folder }).toString()}`;
}

function parseOptions(argv: string[]): { port: number; vsix: string | undefined } {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, vsix: { type: 'string' } },
  });
  const port = Number(values.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number (1-65535), got "${values.port}"\n${usage}`);
  return { port, vsix: values.vsix === undefined ? undefined : resolve(values.vsix) };
}

async function main(): Promise<number> {
  const say = (line: string) => console.log(`studio: ${line}`);
  const { port, vsix } = parseOptions(process.argv.slice(2));
  const extension = vsix ?? (await packageVsix(root, { log: say })).path;
  const install = await installCodeServer({ log: say });
  const stateDir = studioStateDir();
  say(`starting code-server ${install.dir} (state: ${stateDir})`);
  const server = await startCodeServer({
    installDir: install.dir,
    stateDir,
    extensions: [extension],
    port,
  });
  let stopping = false;
  const stopped = new Promise<number>((done) => {
    const stop = () => {
      stopping = true;
      say('stopping');
      void server.stop().then(
        () => {
          say('stopped');
          done(0);
        },
        (error: unknown) => {
          console.error(error instanceof Error ? error.message : error);
          done(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const died = new Promise<number>(
    (done) =>
      void server.exited.then(() => {
        if (stopping) return;
        console.error(`studio: code-server stopped by itself. It printed:\n${server.output()}`);
        done(1);
      }),
  );
  console.log(`\nTimber Studio is ready: ${studioUrl(server, join(root, 'examples'))}`);
  console.log('Open it in a browser; Ctrl-C stops it.\n');
  return Promise.race([stopped, died]);
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`studio: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
