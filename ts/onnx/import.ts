// ONNX import: onnx.load(path | bytes) decodes a ModelProto, checks it whole (initializers
// against their dims, every value defined once and before use, no cycles, every op known),
// and returns a model that runs the nodes in order with myelin's public ops (the interpreter
// table in ts/onnx/interpret.ts). For inference: nothing records gradients.
import { Tensor } from '../tensor';
import { tensor } from '../creation';
import { tidy, keep } from '../memory';
import { noGrad } from '../autograd/engine';
import { showValue } from '../args';
import type { DType } from '../dtype';
import { readModelFile, decodeModel, dtypeFromOnnx, int64, ATTR, type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto';
import { INTERPRETERS, type NodeRun } from './interpret';

/** A loaded ONNX model. `run` takes the graph inputs (by name, or in order) and returns every graph output by name. */
export interface OnnxModel {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The declared dtype and shape of each input (a string for a symbolic dim). */
  readonly inputInfo: readonly { name: string; dtype: DType; shape: (number | string)[] }[];
  readonly opsetVersion: number;
  run(inputs: Record<string, Tensor> | Tensor[] | Tensor): Record<string, Tensor>;
  /** Frees the initializers; later runs throw. */
  dispose(): void;
}

const OP = 'onnx.load';
const BYTES: Record<DType, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1, uint8: 1, int32: 4, int64: 8, bool: 1 };
/** Elements an initializer may hold: a bad file must not make myelin allocate without bound. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** A TensorProto as a myelin tensor: dims checked, data from raw_data or the typed fields, lengths checked. */
export function tensorFromProto(op: string, what: string, t: TensorProto): Tensor {
  const name = t.name ? `'${t.name}'` : '(unnamed)';
  const where = `${what} ${name}`;
  if ((t.dataLocation ?? 0) !== 0 || (t.externalData?.length ?? 0) > 0) throw new Error(`${op}: ${where} keeps its data in an external file, which onnx.load does not read`);
  if (t.segment) throw new Error(`${op}: ${where} is segmented, which onnx.load does not read`);
  const dtype = dtypeFromOnnx(op, where, t.dataType);
  const dims = (t.dims ?? []).map((d) => int64(d));
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${op}: ${where} has dims [${dims.join(', ')}]: dim ${d} is not a non-negative integer`);
    n *= d;
    if (n > MAX_ELEMENTS) throw new Error(`${op}: ${where} has dims [${dims.join(', ')}]: more than ${MAX_ELEMENTS} elements`);
  }
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const want = n * BYTES[dtype];
    if (raw.length !== want) throw new Error(`${op}: ${where} has dims [${dims.join(', ')}] (${n} ${dtype} elements, ${want} bytes) but ${raw.length} bytes of raw_data`);
    // an aligned copy: raw_data may sit at any offset of the file's buffer (protobufjs gives Buffer views, whose slice() does not copy)
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    const buf = copy.buffer;
    const arr = dtype === 'float32' ? new Float32Array(buf) : dtype === 'float64' ? new Float64Array(buf) : dtype === 'int32' ? new Int32Array(buf)
      : dtype === 'int64' ? new BigInt64Array(buf) : dtype === 'int8' ? new Int8Array(buf) : dtype === 'float16' || dtype === 'bfloat16' ? new Uint16Array(buf) : new Uint8Array(buf);
    if (dtype === 'bool' && (arr as Uint8Array).some((v) => v > 1)) throw new Error(`${op}: ${where} is bool but holds bytes other than 0 and 1`);
    return tensor(arr, { dtype, shape: dims });
  }
  // the typed fields: float_data (float32), int32_data (int32, int8, uint8, bool, and float16/bfloat16 bits), int64_data, double_data
  const field = dtype === 'float32' ? t.floatData : dtype === 'float64' ? t.doubleData : dtype === 'int64' ? t.int64Data : t.int32Data;
  const vals = field ?? [];
  if (vals.length !== n) throw new Error(`${op}: ${where} has dims [${dims.join(', ')}] (${n} elements) but ${vals.length} values${raw ? '' : ' and no raw_data'}`);
  let arr: ArrayBufferView;
  switch (dtype) {
    case 'float32': arr = Float32Array.from(vals as number[]); break;
    case 'float64': arr = Float64Array.from(vals as number[]); break;
    case 'int64': arr = BigInt64Array.from((vals as Parameters<typeof int64>[0][]).map((v) => BigInt(int64(v)))); break;
    case 'int32': arr = Int32Array.from(vals as number[]); break;
    case 'int8': arr = Int8Array.from(vals as number[]); break;
    case 'float16': case 'bfloat16': arr = Uint16Array.from(vals as number[]); break;
    default:
      if (dtype === 'bool' && (vals as number[]).some((v) => v !== 0 && v !== 1)) throw new Error(`${op}: ${where} is bool but holds values other than 0 and 1`);
      if (dtype === 'uint8' && (vals as number[]).some((v) => v < 0 || v > 255)) throw new Error(`${op}: ${where} is uint8 but holds values beyond 0..255`);
      arr = Uint8Array.from(vals as number[]);
  }
  return tensor(arr, { dtype, shape: dims });
}

/** A validated node: its inputs and outputs by name, and its interpreter. */
interface Step { node: NodeProto; label: string; run: (n: NodeRun) => (Tensor | null)[] }

function readBytes(pathOrBytes: unknown): { bytes: Uint8Array; what: string } {
  if (typeof pathOrBytes === 'string') {
    if (pathOrBytes === '') throw new Error(`${OP}: path must be a non-empty string`);
    return { bytes: readModelFile(OP, pathOrBytes), what: pathOrBytes };
  }
  if (pathOrBytes instanceof Uint8Array) return { bytes: pathOrBytes, what: '<bytes>' };
  throw new Error(`${OP}: expected a path or a Uint8Array, got ${showValue(pathOrBytes)}`);
}

function valueType(op: string, v: ValueInfoProto): { dtype: DType; shape: (number | string)[] } | null {
  const tt = v.type?.tensorType;
  if (!tt) return null;
  const dtype = dtypeFromOnnx(op, `graph input '${v.name}'`, tt.elemType);
  const shape = (tt.shape?.dim ?? []).map((d, i) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? int64(d.dimValue) : `?${i}`));
  return { dtype, shape };
}

/**
 * Loads an ONNX model (a file path or its bytes) to run with myelin. Supports the ops
 * exportModel writes and common torch.onnx.export output (Gemm, Conv, pools, BatchNormalization,
 * shape ops, ...); any other op, external data, a cyclic graph, an undefined value, or an
 * initializer whose data does not match its dims throws a named Error.
 * ```ts
 * const m = onnx.load('resnet18.onnx');
 * const { logits } = m.run({ image: randn(1, 3, 224, 224) });
 * ```
 */
export function load(pathOrBytes: string | Uint8Array): OnnxModel {
  const { bytes, what } = readBytes(pathOrBytes);
  const P = `${OP}: ${what}`;
  if (bytes.length === 0) throw new Error(`${P}: the file is empty`);
  const model = decodeModel(OP, what, bytes);
  const g: GraphProto | undefined = model.graph;
  if (!g) throw new Error(`${P}: the model has no graph`);
  const imports = model.opsetImport ?? [];
  const std = imports.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (!std) throw new Error(`${P}: the model imports no ai.onnx opset (imports: ${imports.map((o) => `${o.domain}:${int64(o.version)}`).join(', ') || 'none'})`);
  const opset = int64(std.version);
  if (opset < 7 || opset > 23) throw new Error(`${P}: opset ${opset} is outside what onnx.load reads (7 to 23)`);
  if ((g.sparseInitializer?.length ?? 0) > 0) throw new Error(`${P}: sparse initializers are not supported`);

  const inits = new Map<string, Tensor>();
  const defined = new Set<string>();
  const disposeAll = () => { for (const t of inits.values()) t.dispose(); };
  try {
    for (const t of g.initializer ?? []) {
      if (!t.name) throw new Error(`${P}: an initializer has no name`);
      if (inits.has(t.name)) throw new Error(`${P}: initializer '${t.name}' is defined twice`);
      inits.set(t.name, keep(tensorFromProto(OP, `${what}: initializer`, t)));
      defined.add(t.name);
    }
    const inputInfo: { name: string; dtype: DType; shape: (number | string)[] }[] = [];
    for (const v of g.input ?? []) {
      if (!v.name) throw new Error(`${P}: a graph input has no name`);
      if (inits.has(v.name)) continue;  // an initializer listed as an input (older exporters): a constant
      if (defined.has(v.name)) throw new Error(`${P}: graph input '${v.name}' is listed twice`);
      const ty = valueType(OP, v);
      if (!ty) throw new Error(`${P}: graph input '${v.name}' is not a tensor`);
      inputInfo.push({ name: v.name, ...ty });
      defined.add(v.name);
    }
    const nodes = g.node ?? [];
    // op types first, so a model with several unsupported ops names them all
    const unknown = [...new Set(nodes.filter((n) => !((n.domain ?? '') === '' || n.domain === 'ai.onnx') || !INTERPRETERS[n.opType ?? ''])
      .map((n) => ((n.domain ?? '') === '' || n.domain === 'ai.onnx' ? String(n.opType) : `${n.domain}.${n.opType}`)))];
    if (unknown.length) throw new Error(`${P}: unsupported op type '${unknown[0]}' (unsupported here: ${unknown.join(', ')})`);
    // tensor attributes (Constant's value) are checked here, so a bad one fails the load, not a run
    nodes.forEach((n, i) => {
      for (const a of n.attribute ?? []) if (a.t) tensorFromProto(OP, `${what}: node ${n.name ? `'${n.name}'` : `#${i}`} (${n.opType}) attribute '${a.name}'`, a.t).dispose();
    });
    const steps = order(P, nodes, defined);
    const outputNames = (g.output ?? []).map((o) => {
      if (!o.name) throw new Error(`${P}: a graph output has no name`);
      if (!defined.has(o.name)) throw new Error(`${P}: graph output '${o.name}' is not computed by any node`);
      return o.name;
    });
    if (outputNames.length === 0) throw new Error(`${P}: the graph has no outputs`);
    let disposed = false;
    return {
      inputNames: inputInfo.map((i) => i.name), outputNames, inputInfo, opsetVersion: opset,
      run: (inputs) => {
        if (disposed) throw new Error('onnx model.run: the model was disposed');
        return runGraph(what, opset, steps, inits, inputInfo, outputNames, inputs);
      },
      dispose: () => { if (!disposed) { disposed = true; disposeAll(); } },
    };
  } catch (e) {
    disposeAll();
    throw e;
  }
}

/** The nodes in an order where each reads only values defined before it (Kahn's sort); a cycle or an undefined value throws. */
function order(P: string, nodes: NodeProto[], defined: Set<string>): Step[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) {
      if (o === '') continue;
      if (defined.has(o) || producer.has(o)) throw new Error(`${P}: value '${o}' is defined twice (node '${n.name ?? i}' writes it again)`);
      producer.set(o, i);
    }
  });
  const label = (n: NodeProto, i: number) => `node ${n.name ? `'${n.name}'` : `#${i}`} (${n.opType})`;
  const deps: number[][] = nodes.map(() => []), waiting = nodes.map(() => 0);
  nodes.forEach((n, i) => {
    for (const x of n.input ?? []) {
      if (x === '' || defined.has(x)) continue;
      const p = producer.get(x);
      if (p === undefined) throw new Error(`${P}: ${label(n, i)} reads '${x}', which no initializer, graph input or node defines`);
      deps[p].push(i);
      waiting[i]++;
    }
  });
  const ready = nodes.map((_, i) => i).filter((i) => waiting[i] === 0), out: Step[] = [];
  while (ready.length) {
    const i = ready.shift()!;
    out.push({ node: nodes[i], label: label(nodes[i], i), run: INTERPRETERS[nodes[i].opType!] });
    for (const j of deps[i]) if (--waiting[j] === 0) ready.push(j);
  }
  if (out.length < nodes.length) {
    const stuck = nodes.map((n, i) => (waiting[i] > 0 ? label(n, i) : '')).filter(Boolean);
    throw new Error(`${P}: the graph has a cycle (nodes that wait on each other: ${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', ...' : ''})`);
  }
  for (const s of out) for (const o of s.node.output ?? []) if (o !== '') defined.add(o);
  return out;
}

function runGraph(what: string, opset: number, steps: Step[], inits: Map<string, Tensor>, info: { name: string; dtype: DType; shape: (number | string)[] }[],
  outputNames: string[], inputs: Record<string, Tensor> | Tensor[] | Tensor): Record<string, Tensor> {
  const R = 'onnx model.run';
  const given: Tensor[] = inputs instanceof Tensor ? [inputs] : Array.isArray(inputs) ? inputs : inputs !== null && typeof inputs === 'object'
    ? info.map((i) => {
      const t = (inputs as Record<string, Tensor>)[i.name];
      if (t === undefined) throw new Error(`${R}: missing input '${i.name}' (inputs: ${info.map((x) => x.name).join(', ')})`);
      return t;
    }) : (() => { throw new Error(`${R}: inputs must be a Tensor, an array of Tensors or an object of them by name, got ${showValue(inputs)}`); })();
  if (!Array.isArray(inputs) && !(inputs instanceof Tensor)) {
    for (const k of Object.keys(inputs)) if (!info.some((i) => i.name === k)) throw new Error(`${R}: '${k}' is not an input of the model (inputs: ${info.map((x) => x.name).join(', ')})`);
  }
  if (given.length !== info.length) throw new Error(`${R}: the model takes ${info.length} inputs (${info.map((x) => x.name).join(', ')}), got ${given.length}`);
  given.forEach((t, k) => {
    const i = info[k];
    if (!(t instanceof Tensor)) throw new Error(`${R}: input '${i.name}' must be a Tensor, got ${showValue(t)}`);
    if (t.isDisposed) throw new Error(`${R}: input '${i.name}' is a disposed tensor`);
    if (t.dtype !== i.dtype) throw new Error(`${R}: input '${i.name}' must be ${i.dtype}, got ${t.dtype}`);
    if (i.shape.length > 0 && (t.shape.length !== i.shape.length || i.shape.some((d, j) => typeof d === 'number' && d !== t.shape[j])))
      throw new Error(`${R}: input '${i.name}' must have shape [${i.shape.join(', ')}], got [${t.shape.join(', ')}]`);
  });
  return tidy(() => noGrad(() => {
    const env = new Map<string, Tensor>(inits);
    info.forEach((i, k) => env.set(i.name, given[k]));
    for (const s of steps) {
      const n = s.node;
      const ins = (n.input ?? []).map((x) => (x === '' ? null : env.get(x)!));
      let outs: (Tensor | null)[];
      try {
        outs = s.run(new NodeRunImpl(what, s.label, n, ins, opset));
      } catch (e) {
        const m = (e as Error).message;
        throw new Error(m.startsWith(`${R}: ${what}`) ? m : `${R}: ${what}: ${s.label}: ${m}`);
      }
      (n.output ?? []).forEach((o, k) => {
        if (o === '') return;
        const t = outs[k];
        if (!t) throw new Error(`${R}: ${what}: ${s.label} does not produce its output ${k} ('${o}')`);
        env.set(o, t);
      });
    }
    const res: Record<string, Tensor> = {};
    // an output that is an input or an initializer is copied, so the caller may dispose it freely
    for (const o of outputNames) { const t = env.get(o)!; res[o] = inits.get(o) === t || given.includes(t) ? t.clone() : t; }
    return res;
  }));
}

/** One node's view for its interpreter: inputs, attributes with defaults, and the model's opset. */
class NodeRunImpl implements NodeRun {
  private readonly attrs = new Map<string, AttributeProto>();
  constructor(private readonly what: string, readonly label: string, readonly node: NodeProto, readonly inputs: (Tensor | null)[], readonly opset: number) {
    for (const a of node.attribute ?? []) if (a.name) this.attrs.set(a.name, a);
  }
  get numOutputs(): number { return (this.node.output ?? []).length; }
  fail(why: string): never { throw new Error(`onnx model.run: ${this.what}: ${this.label}: ${why}`); }
  input(i: number): Tensor {
    const t = this.inputs[i];
    if (!t) this.fail(`input ${i} is missing`);
    return t!;
  }
  optInput(i: number): Tensor | null { return this.inputs[i] ?? null; }
  private attr(name: string, type: number): AttributeProto | undefined {
    const a = this.attrs.get(name);
    if (a && a.type !== type && a.type !== undefined && a.type !== 0) this.fail(`attribute '${name}' has type ${a.type}, expected ${type}`);
    return a;
  }
  has(name: string): boolean { return this.attrs.has(name); }
  int(name: string, dflt: number): number { const a = this.attr(name, ATTR.INT); return a ? int64(a.i) : dflt; }
  float(name: string, dflt: number): number { const a = this.attr(name, ATTR.FLOAT); return a ? (a.f ?? 0) : dflt; }
  ints(name: string, dflt: number[] | null): number[] | null { const a = this.attr(name, ATTR.INTS); return a ? (a.ints ?? []).map((v) => int64(v)) : dflt; }
  floats(name: string): number[] | null { const a = this.attr(name, ATTR.FLOATS); return a ? (a.floats ?? []) : null; }
  string(name: string, dflt: string): string { const a = this.attr(name, ATTR.STRING); return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : dflt; }
  tensor(name: string): Tensor | null { const a = this.attr(name, ATTR.TENSOR); return a?.t ? tensorFromProto('onnx model.run', `${this.what}: ${this.label}: attribute`, a.t) : null; }
}
