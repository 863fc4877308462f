// THIRD-PARTY-NOTICES.txt: the license of every package whose code the .vsix carries, found from
// esbuild's metafiles (what went into each bundle) plus the packages copied whole (esbuild-wasm).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const PackageJson = z.object({
  name: z.string(),
  version: z.string(),
  license: z.string().optional(),
});

const Metafile = z.object({ inputs: z.record(z.string(), z.unknown()) });

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
  /** The package's license file, word for word; empty when it ships none. */
  licenseText: string;
}

/** The package folders (under some node_modules/) that the metafiles' inputs come from. */
export function packageFoldersOf(metafileTexts: readonly string[], cwd: string): string[] {
  const folders = new Set<string>();
  for (const text of metafileTexts) {
    for (const input of Object.keys(Metafile.parse(JSON.parse(text)).inputs)) {
      const at = input.lastIndexOf('node_modules/');
      if (at < 0) continue;
      const rest = input.slice(at + 'node_modules/'.length).split('/');
      const name = rest[0].startsWith('@') ? rest.slice(0, 2).join('/') : rest[0];
      folders.add(resolve(cwd, input.slice(0, at), 'node_modules', name));
    }
  }
  return [...folders].sort();
}

export function readBundledPackage(folder: string): BundledPackage {
  const manifest = PackageJson.parse(
    JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')),
  );
  const licenseFile = readdirSync(folder).find((name) => /^(licen[cs]e|copying)/i.test(name));
  return {
    name: manifest.name,
    version: manifest.version,
    license: manifest.license ?? 'see its license file',
    licenseText: licenseFile === undefined ? '' : readFileSync(join(folder, licenseFile), 'utf8'),
  };
}

export function noticesText(packages: readonly BundledPackage[]): string {
  const sorted = [...packages].sort((a, b) => a.name.localeCompare(b.name));
  const header =
    'Timber Studio includes the following third-party software, bundled into its files.\n\n' +
    sorted.map((p) => `- ${p.name} ${p.version} (${p.license})`).join('\n') +
    '\n';
  const texts = sorted
    .filter((p) => p.licenseText.trim() !== '')
    .map(
      (p) =>
        `${'='.repeat(72)}\n${p.name} ${p.version}\n${'='.repeat(72)}\n\n${p.licenseText.trim()}\n`,
    );
  return [header, ...texts].join('\n');
}

/** The notices for what `dist/` holds, from the metafiles `scripts/build.mjs` wrote. */
export function distNotices(root: string, copiedPackages: readonly string[]): string {
  const metaDir = join(root, 'dist', 'meta');
  if (!existsSync(metaDir))
    throw new Error(`${metaDir} is missing: run node scripts/build.mjs first`);
  const texts = readdirSync(metaDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => readFileSync(join(metaDir, name), 'utf8'));
  const folders = new Set(packageFoldersOf(texts, root));
  for (const name of copiedPackages) folders.add(join(root, 'node_modules', name));
  return noticesText([...folders].map(readBundledPackage));
}
