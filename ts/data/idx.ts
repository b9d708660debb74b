// IDX file reader (the MNIST format): validated header, exact size check, big-endian decode.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
export interface IdxData { type: IdxType; shape: number[]; data: IdxArray }

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'uint8', size: 1 }, 0x09: { type: 'int8', size: 1 }, 0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 }, 0x0d: { type: 'float32', size: 4 }, 0x0e: { type: 'float64', size: 8 },
};

/** Parses the magic and dims from the first bytes; returns the header length and expected data bytes. */
function parseHeader(head: Uint8Array, total: number, fail: (msg: string) => never) {
  if (total < 4) fail(`truncated header: need at least 4 bytes for the magic, file has ${total}`);
  if (head[0] !== 0 || head[1] !== 0)
    fail(`bad magic: first two bytes must be 0x00 0x00, got 0x${hex(head[0])} 0x${hex(head[1])}`);
  const t = TYPES[head[2]];
  if (!t) fail(`bad magic: unknown type code 0x${hex(head[2])} (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)`);
  const ndim = head[3];
  if (ndim < 1 || ndim > 4) fail(`bad magic: number of dims must be 1..4, got ${ndim}`);
  const headerBytes = 4 + 4 * ndim;
  if (total < headerBytes) fail(`truncated header: ${ndim} dims need ${headerBytes} header bytes, file has ${total}`);
  const dv = new DataView(head.buffer, head.byteOffset, headerBytes);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) {
    const d = dv.getUint32(4 + 4 * i, false);
    if (d === 0) fail(`dim ${i} is 0`);
    shape.push(d);
  }
  // Product in BigInt: 4 dims of 65536 overflow 2^53 (and any sane file size).
  let bytes = BigInt(t.size);
  for (const d of shape) bytes *= BigInt(d);
  const have = BigInt(total - headerBytes);
  const desc = `${shape.join('x')} ${t.type} = ${bytes} bytes`;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) fail(`dims overflow: header says ${desc}, file has ${have}`);
  if (have < bytes) fail(`truncated: header says ${desc}, file has ${have}`);
  if (have > bytes) fail(`trailing bytes: header says ${desc}, file has ${have} (${have - bytes} extra)`);
  return { ...t, shape, headerBytes, dataBytes: Number(bytes) };
}

const hex = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, '0').toUpperCase();

/** Decodes big-endian elements into a native-endian typed array of the IDX type. */
function decode(type: IdxType, n: number, src: Uint8Array): IdxArray {
  if (type === 'uint8') return new Uint8Array(src); // copy: callers own it
  if (type === 'int8') return new Int8Array(src.buffer.slice(src.byteOffset, src.byteOffset + n));
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  switch (type) {
    case 'int16': { const a = new Int16Array(n); for (let i = 0; i < n; i++) a[i] = dv.getInt16(2 * i, false); return a; }
    case 'int32': { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = dv.getInt32(4 * i, false); return a; }
    case 'float32': { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = dv.getFloat32(4 * i, false); return a; }
    default: { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = dv.getFloat64(8 * i, false); return a; }
  }
}

/**
 * Reads an IDX file (or buffer). Every malformed input throws an Error naming the file.
 * ```ts
 * const { shape, data } = readIdx('/data/train-labels-idx1-ubyte'); // shape [60000], Uint8Array
 * ```
 */
export function readIdx(source: string | Uint8Array, name?: string): IdxData {
  const label = name ?? (typeof source === 'string' ? path.basename(source) : '<buffer>');
  const fail = (msg: string): never => { throw new Error(`idx: ${label}: ${msg}`); };
  if (typeof source !== 'string') {
    if (!(source instanceof Uint8Array)) fail(`expected a path or a Uint8Array, got ${typeof source}`);
    const h = parseHeader(source, source.byteLength, fail);
    const n = h.dataBytes / h.size;
    return { type: h.type, shape: h.shape, data: decode(h.type, n, source.subarray(h.headerBytes)) };
  }
  let st: fs.Stats;
  try { st = fs.statSync(source); } catch (e) {
    return fail(`cannot open ${source}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (st.isDirectory()) fail(`${source} is a directory, not an IDX file`);
  if (!st.isFile()) fail(`${source} is not a regular file`);
  const fd = fs.openSync(source, 'r');
  try {
    // Validate the header against the size from stat before reading the (possibly huge) body.
    const head = new Uint8Array(Math.min(st.size, 20));
    fs.readSync(fd, head, 0, head.length, 0);
    const h = parseHeader(head, st.size, fail);
    const body = new Uint8Array(h.dataBytes);
    let off = 0;
    while (off < body.length) {
      const r = fs.readSync(fd, body, off, body.length - off, h.headerBytes + off);
      if (r === 0) fail(`truncated: file shrank while reading (${off} of ${body.length} data bytes)`);
      off += r;
    }
    const data = h.type === 'uint8' ? body : decode(h.type, h.dataBytes / h.size, body);
    return { type: h.type, shape: h.shape, data };
  } finally {
    fs.closeSync(fd);
  }
}
