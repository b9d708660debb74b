// Zip archives in memory (torch.save's format): each entry's bytes, as a view into the
// archive for STORED entries (torch stores its tensor records uncompressed), inflated otherwise.
//
// yauzl reads the central directory: it handles zip64 (torch switches to it past 4 GiB),
// validates offsets, sizes and file names against the archive, and is small, dependency-light
// and long maintained; fflate would inflate faster but checks less of the structure.
import * as yauzl from 'yauzl';

/** An entry's bytes and where they lie in the archive (`offset` only for STORED entries). */
export interface ZipRecord { name: string; bytes: Uint8Array; offset: number | null }

/** At most this many entries (a torch file has one per storage plus a handful). */
const MAX_ENTRIES = 1 << 20;

/**
 * Every file entry of the zip in `archive`, by name. STORED entries are views into `archive`
 * (no copy); deflated ones are inflated with their sizes checked.
 * ```ts
 * const recs = await readZip(fs.readFileSync('model.pt'), (m) => { throw new Error(m); });
 * ```
 */
export async function readZip(archive: Buffer, failWith: (msg: string) => never): Promise<Map<string, ZipRecord>> {
  // errors thrown by our own checks pass through as they are; yauzl's and zlib's get the zip context
  const own = new WeakSet<object>();
  const fail = (msg: string): never => {
    try { return failWith(msg); } catch (e) { if (e !== null && typeof e === 'object') own.add(e); throw e; }
  };
  const out = new Map<string, ZipRecord>();
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true });
  } catch (e) {
    return fail(`not a valid zip archive: ${(e as Error).message}`);
  }
  try {
    for await (const entry of zip.eachEntry()) {
      if (out.size >= MAX_ENTRIES) fail(`zip has more than ${MAX_ENTRIES} entries`);
      if (entry.fileName.endsWith('/')) continue;
      if (out.has(entry.fileName)) fail(`zip holds '${entry.fileName}' twice`);
      if (entry.isEncrypted()) fail(`zip entry '${entry.fileName}' is encrypted`);
      if (entry.compressionMethod === 0) {
        if (entry.compressedSize !== entry.uncompressedSize)
          fail(`zip entry '${entry.fileName}' is stored with sizes ${entry.compressedSize} and ${entry.uncompressedSize}`);
        const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
        const end = fileDataStart + entry.compressedSize;
        if (end > archive.length) fail(`zip entry '${entry.fileName}' runs past the end of the archive (${end} > ${archive.length})`);
        out.set(entry.fileName, { name: entry.fileName, bytes: archive.subarray(fileDataStart, end), offset: fileDataStart });
      } else if (entry.compressionMethod === 8) {
        const stream = await zip.openReadStreamPromise(entry);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        out.set(entry.fileName, { name: entry.fileName, bytes: Buffer.concat(chunks), offset: null });
      } else {
        fail(`zip entry '${entry.fileName}' uses compression method ${entry.compressionMethod} (only stored and deflate)`);
      }
    }
  } catch (e) {
    if (e !== null && typeof e === 'object' && own.has(e)) throw e;
    return fail(`bad zip archive: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}
