// The entries of a zip file (a .vsix is one), read from its central directory: names and sizes,
// without unpacking anything. Enough for packages under 4 GB (no ZIP64).
import { readFileSync } from 'node:fs';

export interface ZipEntry {
  name: string;
  /** Bytes in the archive. */
  compressedSize: number;
  /** Bytes once unpacked. */
  size: number;
}

const endOfCentralDirectory = 0x06054b50;
const centralDirectoryHeader = 0x02014b50;

export function readZipListing(path: string): ZipEntry[] {
  return zipListing(readFileSync(path), path);
}

export function zipListing(zip: Buffer, name = 'the archive'): ZipEntry[] {
  // The end record is 22 bytes plus a comment of at most 64 KiB, at the very end.
  const earliest = Math.max(0, zip.length - 22 - 0xffff);
  let end = -1;
  for (let offset = zip.length - 22; offset >= earliest; offset--) {
    if (zip.readUInt32LE(offset) === endOfCentralDirectory) {
      end = offset;
      break;
    }
  }
  if (end < 0) throw new Error(`${name} is not a zip file (no end of central directory)`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== centralDirectoryHeader)
      throw new Error(`${name} has a damaged central directory (entry ${index})`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
