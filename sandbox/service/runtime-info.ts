// `sandbox.json`: where a running sandbox says it listens, for `tbm keys create`, `tbm run` and
// the editor. They send the admin token to that URL, so it is trusted only from a data folder
// nobody else can write, and only on this machine's loopback (the admin endpoint answers
// nothing else anyway).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dataFiles, type RuntimeInfo } from './data-dir';
import { checkDataDir, UnsafeDataDirError } from './data-dir-check';

const RuntimeFile = z.object({
  url: z.string(),
  pid: z.number().int().positive(),
  started_at: z.number(),
});

const loopbackHost = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
/** A sandbox bound to every interface is reached on this machine at 127.0.0.1. */
const everyInterface = /^(0\.0\.0\.0|\[::\])$/;

/**
 * The running sandbox's runtime file, or null when there is none, it is not one, or its URL is
 * not on loopback. Throws UnsafeDataDirError when others could have written it.
 */
export function readRuntimeInfo(dataDir: string): RuntimeInfo | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, dataFiles.runtime), 'utf8');
  } catch {
    return null;
  }
  if (process.platform !== 'win32') {
    const uid = process.getuid!();
    const { unsafe } = checkDataDir(dataDir, uid);
    if (unsafe.length > 0) throw new UnsafeDataDirError(dataDir, unsafe, uid);
  }
  let parsed: z.infer<typeof RuntimeFile>;
  let url: URL;
  try {
    parsed = RuntimeFile.parse(JSON.parse(text));
    url = new URL(parsed.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' || url.username !== '' || url.password !== '') return null;
  if (everyInterface.test(url.hostname)) url.hostname = '127.0.0.1';
  else if (!loopbackHost.test(url.hostname)) return null;
  return { ...parsed, url: url.origin };
}
