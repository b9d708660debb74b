// `myelin inspect FILE`: what a model file holds (name, dtype, shape per tensor, and totals).
// Formats are rows of one table, picked by the file's magic bytes, then by its extension.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tensor } from '../tensor';
import { readSafetensors } from './safetensors';
import { loadTorch } from './torch';
import { inspectOnnx } from '../onnx/inspect';

/**
 * A format `inspect` reads. Columns:
 *   name        what the listing calls it
 *   extensions  file name endings (lower case, with the dot) that select it
 *   magic       recognizes the first 16 bytes (checked before extensions: a renamed file still works)
 *   inspect     the listing's lines for the file (tensors in file order, then the totals)
 */
export interface InspectFormat {
  name: string;
  extensions: string[];
  magic?: (head: Uint8Array) => boolean;
  inspect: (file: string) => Promise<string[]> | string[];
}

// safetensors: an 8-byte little-endian header length, then the JSON header's '{'
const safetensorsMagic = (h: Uint8Array) => h.length >= 9 && h[8] === 0x7b && h[6] === 0 && h[7] === 0;
// torch.save: a zip (local file header 'PK\x03\x04')
const zipMagic = (h: Uint8Array) => h.length >= 4 && h[0] === 0x50 && h[1] === 0x4b && h[2] === 0x03 && h[3] === 0x04;

/** The formats `inspect` knows. ONNX joins as one more row (a function of ts/onnx/inspect.ts):
 *  `{ name: 'onnx', extensions: ['.onnx'], inspect: (f) => inspectOnnx(f) }`. */
export const INSPECT_FORMATS: InspectFormat[] = [
  { name: 'safetensors', extensions: ['.safetensors'], magic: safetensorsMagic,
    inspect: (f) => listTensors(Object.entries(readSafetensors(f).tensors)) },
  { name: 'torch', extensions: ['.pt', '.pth', '.ckpt'], magic: zipMagic,
    inspect: async (f) => listTensors(tensorsIn(await loadTorch(f))) },
  // protobuf has no magic bytes: by extension only
  { name: 'onnx', extensions: ['.onnx'], inspect: (f) => inspectOnnx(f) },
];

/**
 * The listing of a model file: one line per tensor (name, dtype, shape) and a total line.
 * ```ts
 * for (const line of await io.inspectFile('resnet18.pth')) console.log(line);
 * // conv1.weight  float32  [64, 3, 7, 7]  ...  total: 122 tensors, 11,699,132 elements
 * ```
 */
export async function inspectFile(file: string): Promise<string[]> {
  if (typeof file !== 'string' || file === '') throw new Error(`inspect: expected a file path, got ${typeof file === 'string' ? "''" : typeof file}`);
  let head: Uint8Array;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      if (!fs.fstatSync(fd).isFile()) throw new Error('not a regular file');
      head = new Uint8Array(16);
      head = head.subarray(0, fs.readSync(fd, head, 0, 16, 0));
    } finally { fs.closeSync(fd); }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`inspect: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
  }
  const ext = path.extname(file).toLowerCase();
  const format = INSPECT_FORMATS.find((f) => f.magic?.(head)) ?? INSPECT_FORMATS.find((f) => f.extensions.includes(ext));
  if (!format) throw new Error(`inspect: ${path.basename(file)}: unknown format (known: ${INSPECT_FORMATS.map((f) => `${f.name} ${f.extensions.join('/')}`).join(', ')})`);
  return format.inspect(file);
}

/** Aligned lines `name  dtype  [shape]`, then `total: N tensors, M elements`. */
export function listTensors(entries: [string, Tensor][]): string[] {
  const w = Math.max(4, ...entries.map(([n]) => n.length));
  let total = 0;
  const lines = entries.map(([n, t]) => {
    total += t.numel();
    return `${n.padEnd(w)}  ${t.dtype.padEnd(8)}  [${t.shape.join(', ')}]`;
  });
  lines.push(`total: ${entries.length} tensors, ${total.toLocaleString('en-US')} elements`);
  return lines;
}

/** Every tensor in a loaded value, named by its dotted path (optimizer.state.0.exp_avg), in order.
 *  Iterative, and each container visited once: a pickle's memo can make cycles. */
export function tensorsIn(value: unknown): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  const seen = new Set<object>();
  const pending: [string, unknown][] = [['', value]];
  while (pending.length) {
    const [name, v] = pending.pop()!;
    if (v instanceof Tensor) { out.push([name || '<tensor>', v]); continue; }
    if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v)) continue;
    seen.add(v);
    const kids: [string, unknown][] = v instanceof Set ? [...v].map((x, i) => [String(i), x])
      : Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    for (let i = kids.length - 1; i >= 0; i--) pending.push([name ? `${name}.${kids[i][0]}` : kids[i][0], kids[i][1]]);
  }
  return out;
}
