// Makes the universal .vsix: dist/ built (with its third-party notices), `vsce package` with
// no dependency scan (everything the extension runs is bundled into dist/, and .vscodeignore is
// an allow-list), and the archive checked against contents.ts.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { checkExtensionFiles } from './contents';
import type { ZipEntry } from './zip-listing';
import { readZipListing } from './zip-listing';

const Manifest = z.object({ name: z.string(), version: z.string() });

export interface PackageOptions {
  /** Where the .vsix goes; `<root>/<name>-<version>.vsix` by default. */
  out?: string;
  /**
   * Runs scripts/build.mjs first (default). Without it, packaging only reads dist/: the e2e
   * tests package what `npm test` built.
   */
  build?: boolean;
  /** Progress lines; vsce's own output is kept and shown only when it fails. */
  log?: (line: string) => void;
}

export interface PackagedVsix {
  path: string;
  /** The archive's size in bytes. */
  bytes: number;
  entries: ZipEntry[];
}

/** The .vsix `npm run package` makes, named as VS Code users expect: `timber-studio-0.1.0.vsix`. */
export function defaultVsixPath(root: string): string {
  const manifest = Manifest.parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));
  return join(root, `${manifest.name}-${manifest.version}.vsix`);
}

export async function packageVsix(
  root: string,
  options: PackageOptions = {},
): Promise<PackagedVsix> {
  const log = options.log ?? (() => {});
  const out = options.out ?? defaultVsixPath(root);
  if (options.build ?? true) {
    log('building dist/');
    await run(process.execPath, [join(root, 'scripts', 'build.mjs')], root);
  }
  log(`packaging ${out}`);
  await run(
    process.execPath,
    [
      vsceBin(),
      'package',
      '--no-dependencies',
      // The studio is not published to a marketplace: no repository to link, no license file
      // (the package is UNLICENSED; THIRD-PARTY-NOTICES.txt carries what others' licenses ask).
      '--allow-missing-repository',
      '--skip-license',
      '--no-rewrite-relative-links',
      '--out',
      out,
    ],
    root,
  );
  const entries = readZipListing(out);
  const problems = checkExtensionFiles(extensionFiles(entries));
  if (problems.length > 0)
    throw new Error(
      `${out} is not what the studio must ship; fix .vscodeignore or the build:\n- ${problems.join('\n- ')}`,
    );
  return { path: out, bytes: statSync(out).size, entries };
}

/** The archive's files under `extension/`, as paths relative to the extension's folder. */
export function extensionFiles(entries: readonly ZipEntry[]): string[] {
  return entries
    .filter((entry) => entry.name.startsWith('extension/'))
    .map((entry) => entry.name.slice('extension/'.length));
}

/** The repository's own vsce (a devDependency), whichever folder is packaged. */
function vsceBin(): string {
  const manifestPath = createRequire(import.meta.url).resolve('@vscode/vsce/package.json');
  const { bin } = z
    .object({ bin: z.object({ vsce: z.string() }) })
    .parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  return join(dirname(manifestPath), bin.vsce);
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', fail);
    child.once('close', (code) =>
      code === 0
        ? done()
        : fail(new Error(`${args.slice(0, 2).join(' ')} failed (exit ${code}):\n${output.trim()}`)),
    );
  });
}
