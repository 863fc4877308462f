// dist/THIRD-PARTY-NOTICES.txt: the license of every package whose code dist/ carries, found from
// esbuild's metafiles (what went into each bundle) plus the packages copied whole (esbuild-wasm).
// It ships in the .vsix beside what it describes.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The package folders (under some node_modules/) that the metafiles' inputs come from. */
function packageFoldersOf(metafiles, cwd) {
  const folders = new Set();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const at = input.lastIndexOf('node_modules/');
      if (at < 0) continue;
      const rest = input.slice(at + 'node_modules/'.length).split('/');
      const name = rest[0].startsWith('@') ? rest.slice(0, 2).join('/') : rest[0];
      folders.add(resolve(cwd, input.slice(0, at), 'node_modules', name));
    }
  }
  return [...folders];
}

function readBundledPackage(folder) {
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(folder).find((name) => /^(licen[cs]e|copying)/i.test(name));
  return {
    name: manifest.name,
    version: manifest.version,
    license: manifest.license ?? 'see its license file',
    licenseText: licenseFile === undefined ? '' : readFileSync(join(folder, licenseFile), 'utf8'),
  };
}

/** The notices' text for the bundles' metafiles and the packages copied whole, by folder. */
export function noticesText(metafiles, copiedFolders, cwd = process.cwd()) {
  const folders = new Set([...packageFoldersOf(metafiles, cwd), ...copiedFolders]);
  const packages = [...folders]
    .map(readBundledPackage)
    .sort((a, b) => a.name.localeCompare(b.name));
  const header =
    'Timber Studio includes the following third-party software, bundled into its files.\n\n' +
    packages.map((p) => `- ${p.name} ${p.version} (${p.license})`).join('\n') +
    '\n';
  const texts = packages
    .filter((p) => p.licenseText.trim() !== '')
    .map(
      (p) =>
        `${'='.repeat(72)}\n${p.name} ${p.version}\n${'='.repeat(72)}\n\n${p.licenseText.trim()}\n`,
    );
  return [header, ...texts].join('\n');
}
