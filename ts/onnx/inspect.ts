// inspectOnnx: one line per graph input, output and initializer of an ONNX file (name, dtype,
// shape), for `myelin inspect`. Reads the protobuf only: no tensor is built.
import { showValue } from '../args';
import { readModelFile, decodeModel, dtypeFromOnnx, int64, type TensorProto, type ValueInfoProto } from './proto';

const dtypeName = (t: number | undefined): string => {
  try { return dtypeFromOnnx('inspectOnnx', '', t); } catch { return `onnx-type-${t ?? 0}`; }
};
const valueLine = (kind: string, v: ValueInfoProto): string => {
  const tt = v.type?.tensorType;
  if (!tt) return `${kind} ${v.name ?? '(unnamed)'} (not a tensor)`;
  const dims = (tt.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? String(int64(d.dimValue)) : '?'));
  return `${kind} ${v.name ?? '(unnamed)'} ${dtypeName(tt.elemType)} [${dims.join(', ')}]`;
};
const initLine = (t: TensorProto): string => `initializer ${t.name ?? '(unnamed)'} ${dtypeName(t.dataType)} [${(t.dims ?? []).map((d) => int64(d)).join(', ')}]`;

/**
 * Describes an ONNX file: the opset, then `input NAME DTYPE [SHAPE]` for each graph input
 * (symbolic dims by name), `output ...` for each output and `initializer ...` for each
 * initializer. A file that is not an ONNX model throws a named Error.
 * ```ts
 * onnx.inspectOnnx('model.onnx').forEach((l) => console.log(l));
 * // opset 17, 2 nodes
 * // input input_0 float32 [batch, 784]
 * ```
 */
export function inspectOnnx(path: string): string[] {
  if (typeof path !== 'string' || path === '') throw new Error(`inspectOnnx: path must be a non-empty string, got ${showValue(path)}`);
  const b = readModelFile('inspectOnnx', path);
  if (b.length === 0) throw new Error(`inspectOnnx: ${path}: the file is empty`);
  const m = decodeModel('inspectOnnx', path, b);
  const g = m.graph;
  if (!g) throw new Error(`inspectOnnx: ${path}: the model has no graph`);
  const inits = g.initializer ?? [];
  const names = new Set(inits.map((t) => t.name));
  const opset = (m.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  return [
    `opset ${opset ? int64(opset.version) : 'none'}, ${(g.node ?? []).length} nodes`,
    ...(g.input ?? []).filter((v) => !names.has(v.name)).map((v) => valueLine('input', v)),
    ...(g.output ?? []).map((v) => valueLine('output', v)),
    ...inits.map(initLine),
  ];
}
