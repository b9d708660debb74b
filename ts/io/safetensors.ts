// safetensors (huggingface/safetensors' format): an 8-byte little-endian header length, a JSON
// header of { name: { dtype, shape, data_offsets } } (plus "__metadata__": string map), then
// the tensors' bytes, back to back. Every rule of the format is checked before a byte is
// read, in the style of ../data/idx.ts; a loaded file's tensors view one buffer without copies.
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { Tensor } from '../tensor';
import { fromBuffer, tensor } from '../creation';
import { type DType, DTYPES } from '../dtype';
import { deviceArg, deviceName, type Device, type DeviceName } from '../device';
import { showValue } from '../args';

/** The format's dtype names and myelin's, with the element size. */
const CODES: Record<string, { dtype: DType; size: number }> = {
  F64: { dtype: 'float64', size: 8 }, F32: { dtype: 'float32', size: 4 }, F16: { dtype: 'float16', size: 2 },
  BF16: { dtype: 'bfloat16', size: 2 }, I64: { dtype: 'int64', size: 8 }, I32: { dtype: 'int32', size: 4 },
  I8: { dtype: 'int8', size: 1 }, U8: { dtype: 'uint8', size: 1 }, BOOL: { dtype: 'bool', size: 1 },
};
const CODE_OF = Object.fromEntries(Object.entries(CODES).map(([c, { dtype }]) => [dtype, c])) as Record<DType, string>;
// The reference writer's order (its Dtype enum, descending, then name): sizes never grow
// along it, so every tensor is aligned, and our files equal its files byte for byte.
const WRITE_ORDER = ['I64', 'F64', 'F32', 'I32', 'BF16', 'F16', 'I8', 'U8', 'BOOL'];
/** Names the format defines that myelin has no dtype for: a named refusal rather than "unknown". */
const FOREIGN = new Set(['I16', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);
// The reference implementation's limit: a header past 100 MB is an attack, not a model.
const MAX_HEADER = 100_000_000;

/** What {@link readSafetensors} returns: the tensors by name, and the header's string metadata. */
export interface SafetensorsFile { tensors: Record<string, Tensor>; metadata: Record<string, string> }
export interface LoadSafetensorsOptions { device?: Device | DeviceName }
type Tensors = Record<string, Tensor> | Map<string, Tensor>;

interface Entry { name: string; code: string; dtype: DType; size: number; shape: number[]; begin: number; end: number }

/** Checks one header entry; returns it typed. */
function entry(name: string, v: unknown, fail: (m: string) => never): Entry {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`tensor "${name}": expected { dtype, shape, data_offsets }, got ${showValue(v)}`);
  const { dtype: code, shape, data_offsets: offs } = v as Record<string, unknown>;
  if (typeof code !== 'string') fail(`tensor "${name}": dtype must be a string, got ${showValue(code)}`);
  const c = CODES[code];
  if (!c) fail(FOREIGN.has(code) ? `tensor "${name}": dtype ${code} has no myelin dtype (myelin reads ${Object.keys(CODES).join(', ')})`
    : `tensor "${name}": unknown dtype ${JSON.stringify(code)} (expected one of ${Object.keys(CODES).join(', ')})`);
  const uint = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!Array.isArray(shape) || !shape.every(uint)) fail(`tensor "${name}": shape must be an array of non-negative integers, got ${showValue(shape)}`);
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(uint)) fail(`tensor "${name}": data_offsets must be [begin, end] non-negative integers, got ${showValue(offs)}`);
  const [begin, end] = offs as number[];
  if (end < begin) fail(`tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
  // product in BigInt: dims can multiply past 2^53 while each is a safe integer
  const bytes = (shape as number[]).reduce((a, d) => a * BigInt(d), BigInt(c.size));
  if (bytes !== BigInt(end - begin))
    fail(`tensor "${name}": shape [${(shape as number[]).join(', ')}] of ${code} is ${bytes} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  return { name, code, ...c, shape: shape as number[], begin, end };
}

/** Parses and checks the header; returns the entries (in file order), the metadata and where the data starts. */
function parseHeader(bytes: Uint8Array, fail: (m: string) => never) {
  if (bytes.byteLength < 8) fail(`truncated: a file starts with an 8-byte header length, this one has ${bytes.byteLength} bytes`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} is past the format's limit of ${MAX_HEADER} bytes`);
  if (8n + n > BigInt(bytes.byteLength)) fail(`header length ${n} runs past the end of the file (${bytes.byteLength} bytes)`);
  const start = 8 + Number(n);
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, start)); } catch { return fail('the header is not valid UTF-8'); }
  if (!text.startsWith('{')) fail(`the header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`);
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { return fail(`the header is not valid JSON: ${(e as Error).message}`); }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('the header must be a JSON object');
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (k === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`__metadata__ must be an object of strings, got ${showValue(v)}`);
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== 'string') fail(`__metadata__["${mk}"] must be a string, got ${showValue(mv)}`);
        metadata[mk] = mv;
      }
    } else entries.push(entry(k, v, fail));
  }
  // the byte ranges, in offset order, must tile the data exactly: no gap, no overlap, no tail
  const data = bytes.byteLength - start;
  let at = 0;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.begin !== at) fail(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] ${e.begin < at ? 'overlap the tensor before' : `leave a gap after byte ${at}`}`);
    at = e.end;
  }
  if (at !== data) fail(at > data ? `the tensors need ${at} data bytes, the file has ${data} (truncated)` : `the file has ${data - at} bytes after the last tensor`);
  return { entries, metadata, start };
}

/** The tensor over bytes [begin, end) of `buf` (whose data start at `start`): a view when aligned, else a copy. */
function view(buf: ArrayBuffer, start: number, e: Entry, fail: (m: string) => never): Tensor {
  const off = start + e.begin;
  if (e.dtype === 'bool') {
    const b = new Uint8Array(buf, off, e.end - e.begin);
    const bad = b.findIndex((x) => x > 1);
    if (bad >= 0) fail(`tensor "${e.name}": BOOL byte ${bad} is ${b[bad]}, not 0 or 1`);
    return tensor(b, { dtype: 'bool', shape: e.shape });
  }
  if (off % e.size === 0) return fromBuffer(buf, { dtype: e.dtype, shape: e.shape, byteOffset: off });
  // a writer that did not align (the reference sorts by dtype size) costs one copy
  return fromBuffer(buf.slice(off, start + e.end), { dtype: e.dtype, shape: e.shape });
}

/**
 * Reads a safetensors file (a path, or its bytes) into tensors and metadata. Tensors view
 * one buffer holding the file (no per-tensor copies). Every malformed file throws an Error
 * naming the file and the rule it breaks.
 * ```ts
 * const { tensors, metadata } = io.readSafetensors('model.safetensors');
 * ```
 */
export function readSafetensors(source: string | Uint8Array, opts: LoadSafetensorsOptions = {}): SafetensorsFile {
  const label = typeof source === 'string' ? path.basename(source) : '<bytes>';
  const fail = (m: string): never => { throw new Error(`loadSafetensors: ${label}: ${m}`); };
  if (opts === null || typeof opts !== 'object') fail(`options must be an object, got ${showValue(opts)}`);
  const device = opts.device === undefined ? undefined : deviceArg('loadSafetensors', opts.device);
  let buf: ArrayBuffer;
  if (typeof source === 'string') buf = readFile(source, fail);
  // one copy: the tensors must not alias the caller's bytes (and a Buffer's slice() is no copy)
  else if (source instanceof Uint8Array) buf = Uint8Array.prototype.slice.call(source).buffer as ArrayBuffer;
  else return fail(`expected a path or a Uint8Array, got ${showValue(source)}`);
  const { entries, metadata, start } = parseHeader(new Uint8Array(buf), fail);
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const t = view(buf, start, e, fail);
    if (device && device.type !== 'cpu') { tensors[e.name] = t.to(deviceName(device)); t.dispose(); } else tensors[e.name] = t;
  }
  return { tensors, metadata };
}

/** A whole file into a fresh ArrayBuffer (its own, so tensors can view it), with named errors. */
function readFile(file: string, fail: (m: string) => never): ArrayBuffer {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(`cannot open ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) fail(`${file} is a directory, not a safetensors file`);
    if (!st.isFile()) fail(`${file} is not a regular file`);
    const buf = new ArrayBuffer(st.size);
    const u8 = new Uint8Array(buf);
    for (let at = 0; at < st.size;) {
      const n = fs.readSync(fd, u8, at, st.size - at, at);
      if (n === 0) fail(`the file shrank while it was read (${at} of ${st.size} bytes)`);
      at += n;
    }
    return buf;
  } finally { fs.closeSync(fd); }
}

/**
 * Loads a safetensors file's tensors by name (PyTorch's `safetensors.torch.load_file`).
 * ```ts
 * model.loadStateDict(io.loadSafetensors('model.safetensors'));
 * ```
 */
export function loadSafetensors(source: string | Uint8Array, opts: LoadSafetensorsOptions = {}): Record<string, Tensor> {
  return readSafetensors(source, opts).tensors;
}

/**
 * The bytes of a safetensors file holding `tensors` (any dtype, 0-d and empty included) and
 * string `metadata`, laid out as the reference writer lays them out (the same bytes).
 */
export function serializeSafetensors(tensors: Tensors, metadata?: Record<string, string>): Uint8Array {
  const op = 'saveSafetensors';
  if (tensors === null || typeof tensors !== 'object') throw new Error(`${op}: expected an object or Map of tensors, got ${showValue(tensors)}`);
  const list = [...(tensors instanceof Map ? tensors : Object.entries(tensors))];
  for (const [k, t] of list) {
    if (typeof k !== 'string' || k === '__metadata__') throw new Error(`${op}: ${JSON.stringify(k)} cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new Error(`${op}: tensors["${k}"] must be a Tensor, got ${showValue(t)}`);
    if (t.isDisposed) throw new Error(`${op}: tensors["${k}"] is a disposed tensor`);
    if (!DTYPES.includes(t.dtype)) throw new Error(`${op}: tensors["${k}"] has dtype ${t.dtype}, which safetensors cannot hold`);
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new Error(`${op}: metadata must be an object of strings, got ${showValue(metadata)}`);
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new Error(`${op}: metadata["${k}"] must be a string, got ${showValue(v)}`);
  }
  const rank = (t: Tensor) => WRITE_ORDER.indexOf(CODE_OF[t.dtype]);
  list.sort(([a, x], [b, y]) => rank(x) - rank(y) || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = metadata && Object.keys(metadata).length ? { __metadata__: metadata } : {};
  const datas: Uint8Array[] = [];
  let at = 0;
  for (const [k, t] of list) {
    const d = t.data() as ArrayBufferView;  // contiguous, host, the dtype's bytes (bool as 0/1 bytes)
    const b = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    header[k] = { dtype: CODE_OF[t.dtype], shape: [...t.shape], data_offsets: [at, at + b.byteLength] };
    datas.push(b);
    at += b.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);  // the data start 8-byte aligned
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.byteLength + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let p = 8 + head.byteLength;
  for (const b of datas) { out.set(b, p); p += b.byteLength; }
  return out;
}

/**
 * Writes `tensors` and string `metadata` to a safetensors file that PyTorch's
 * `safetensors.torch.load_file` reads. The write is atomic (a temporary file, fsync, rename):
 * a crash leaves the old file or the new one.
 * ```ts
 * io.saveSafetensors(model.stateDict(), 'model.safetensors', { epoch: '3' });
 * ```
 */
export function saveSafetensors(tensors: Tensors, file: string, metadata?: Record<string, string>): void {
  if (typeof file !== 'string' || file === '') throw new Error(`saveSafetensors: path must be a non-empty string, got ${showValue(file)}`);
  const bytes = serializeSafetensors(tensors, metadata);
  try { writeFileAtomic.sync(file, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { fsync: true }); } catch (e) {
    throw new Error(`saveSafetensors: cannot write ${file}: ${(e as Error).message}`);
  }
}
