// ONNX export: jit.trace the model, replay the traced steps once to learn every value's shape
// and dtype, and write each step through its row of the export table (ts/onnx/emit.ts).
// Parameters become initializers (named by their module paths); creation steps (full,
// arange, tensor()) are folded into initializers. A dynamic axis is found by tracing a second
// time with that input dim one larger: the dims that change are symbolic.
import writeFileAtomic from 'write-file-atomic';
import { Tensor } from '../tensor';
import { cat } from '../functional';
import { full } from '../creation';
import { call } from '../call';
import { tidy } from '../memory';
import { noGrad } from '../autograd/engine';
import { Module } from '../nn/module';
import { trace, Graph, type GraphStep, type SlotRef } from '../jit';
import { showValue } from '../args';
import type { DType } from '../dtype';
import { EMITTERS, type Emit, type Val, type Attr } from './emit';
import { ATTR, ONNX_DTYPE, encodeModel, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto, type ModelProto } from './proto';

/** Options of {@link exportModel}. */
export interface ExportOptions {
  /** ONNX opset to import (17 or later; default 17). */
  opsetVersion?: number;
  /** Names of the graph inputs (default input_0, input_1, ...). */
  inputNames?: string[];
  /** Names of the graph outputs (default output_0, ...). */
  outputNames?: string[];
  /** Symbolic dims by input or output name, as torch.onnx: `{ input_0: { 0: 'batch' } }`. */
  dynamicAxes?: Record<string, Record<number, string>>;
}

const OP = 'onnx.exportModel';
/** Ops whose values are computed at export time and stored (no tensor inputs). */
const CREATION = new Set(['from_array', 'full', 'arange', 'linspace', 'eye']);
/** Ops whose emitter reads shapes, not its shape arguments, so those may vary with a dynamic axis. */
const DYN_AWARE = new Set(['reshape', 'view', 'flatten', 'expand', 'slice', 'narrow']);

const isSlot = (a: unknown): a is SlotRef => a !== null && typeof a === 'object' && !Array.isArray(a) && typeof (a as SlotRef).slot === 'number';
const slotsIn = (a: unknown): SlotRef[] => (isSlot(a) ? [a] : Array.isArray(a) && a.length > 0 && isSlot(a[0]) ? (a as SlotRef[]) : []);

/** The graph's parameters: jit keeps them private; export needs their values for initializers. */

/** The one value every element of a dynamically sized constant holds (the same in both traces); else a named error. */
function uniformValue(op: string, t: Tensor, u: Tensor): number {
  const a = t.contiguous().data(), b = u.contiguous().data();
  const v = Number(a[0]);
  const same = (x: ArrayLike<number | bigint>) => Array.prototype.every.call(x, (e: number | bigint) => Object.is(Number(e), v));
  if (a.length === 0 || !same(a) || !same(b))
    throw new Error(`${op}: a constant of the model [${t.shape.join(', ')}] changes shape with the dynamic axes and its elements differ (only a constant filled with one value, such as an RNN's zero initial state, exports)`);
  return v;
}

/** Runs the steps once with call() (the same native ops the graph runs) to learn each slot's shape and dtype. */
function replay(g: Graph, inputs: Tensor[]): Tensor[] {
  const slots: Tensor[] = new Array(g.numSlots);
  g.inputSlots.forEach((s, i) => { slots[s] = inputs[i]; });
  for (const [s, t] of g.constants) slots[s] = t;
  const arg = (a: unknown): unknown => (isSlot(a) ? slots[a.slot] : Array.isArray(a) && a.length > 0 && isSlot(a[0]) ? (a as SlotRef[]).map((r) => slots[r.slot]) : a);
  for (const st of g.ops) {
    const r = call<Tensor | (Tensor | null)[]>(st.id, st.args.map(arg));
    const outs = Array.isArray(r) ? r : [r];
    st.outs.forEach((s, k) => { if (s >= 0 && outs[k]) slots[s] = outs[k]!; });
  }
  return slots;
}

/** An input one larger along each dynamic dim (its first slice appended), for the second trace. */
function grown(x: Tensor, dims: number[]): Tensor {
  let y = x;
  for (const d of dims) y = cat([y, y.narrow(d, 0, 1)], d);
  return y;
}

function tensorProto(name: string, t: Tensor): TensorProto {
  const d = t.contiguous().data();
  const raw = new Uint8Array(d.byteLength);
  raw.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  return { name, dims: [...t.shape], dataType: ONNX_DTYPE[t.dtype], rawData: raw };
}

function attribute(name: string, v: Attr): AttributeProto {
  if (typeof v === 'number') return { name, type: ATTR.INT, i: v };
  if (typeof v === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: ATTR.INTS, ints: v };
  return { name, type: ATTR.FLOAT, f: v.f };
}

const IR_VERSION = (opset: number): number => (opset <= 18 ? 8 : opset <= 20 ? 9 : opset <= 22 ? 10 : 11);

/** Checks the arguments; returns the inputs as an array and the options filled in. */
function checkArgs(op: string, moduleOrGraph: unknown, exampleInputs: unknown, o: unknown) {
  if (!(moduleOrGraph instanceof Module) && !(moduleOrGraph instanceof Graph) && typeof moduleOrGraph !== 'function')
    throw new Error(`${op}: moduleOrGraph must be a Module, a function or a jit Graph, got ${showValue(moduleOrGraph)}`);
  const inputs = Array.isArray(exampleInputs) ? exampleInputs : [exampleInputs];
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: exampleInputs[${i}] must be a Tensor, got ${showValue(t)}`);
    if (t.isDisposed) throw new Error(`${op}: exampleInputs[${i}] is a disposed tensor`);
  });
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error(`${op}: options must be an object, got ${showValue(o)}`);
  const opts = o as ExportOptions;
  const opset = opts.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < 17 || opset > 23) throw new Error(`${op}: opsetVersion must be an integer from 17 to 23, got ${showValue(opts.opsetVersion)}`);
  const names = (what: string, v: unknown): string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) throw new Error(`${op}: ${what} must be an array of non-empty strings, got ${showValue(v)}`);
    return v as string[];
  };
  const inputNames = names('inputNames', opts.inputNames), outputNames = names('outputNames', opts.outputNames);
  if (inputNames && inputNames.length !== inputs.length) throw new Error(`${op}: inputNames has ${inputNames.length} names for ${inputs.length} inputs`);
  const dyn = opts.dynamicAxes ?? {};
  if (dyn === null || typeof dyn !== 'object' || Array.isArray(dyn)) throw new Error(`${op}: dynamicAxes must be an object, got ${showValue(dyn)}`);
  for (const [k, axes] of Object.entries(dyn)) {
    if (axes === null || typeof axes !== 'object' || Array.isArray(axes)) throw new Error(`${op}: dynamicAxes['${k}'] must map dims to names, got ${showValue(axes)}`);
    for (const [d, n] of Object.entries(axes)) if (!/^\d+$/.test(d) || typeof n !== 'string' || n === '') throw new Error(`${op}: dynamicAxes['${k}'] must map dims to names, got ${d}: ${showValue(n)}`);
  }
  return { inputs: inputs as Tensor[], opset, inputNames, outputNames, dyn };
}

/**
 * The ONNX ModelProto bytes of `moduleOrGraph` run on `exampleInputs` (see {@link exportModel}).
 * ```ts
 * const bytes = onnx.exportBytes(model, randn(1, 784));
 * ```
 */
export function exportBytes(moduleOrGraph: Module | Graph | ((...xs: Tensor[]) => Tensor | Tensor[]), exampleInputs: Tensor | Tensor[], options: ExportOptions = {}): Uint8Array {
  return encodeModel(buildModel(OP, moduleOrGraph, exampleInputs, options));
}

/**
 * Writes `moduleOrGraph` (a Module, put in eval mode for the export and restored after; a
 * function; or a jit Graph) as an ONNX model to `path`, traced on `exampleInputs`. Parameters
 * become initializers named by their module paths. `dynamicAxes` marks dims symbolic (the
 * model is traced twice to see which values vary; not with a Graph). Ops without an ONNX
 * mapping throw, listing all of them. nn.LSTM / nn.GRU / nn.RNN unroll into one set of nodes
 * per time step: the batch axis may be dynamic, the time axis is fixed by the trace.
 * ```ts
 * onnx.exportModel(models.resnet18(), randn(1, 3, 224, 224), 'resnet18.onnx',
 *   { inputNames: ['image'], outputNames: ['logits'], dynamicAxes: { image: { 0: 'batch' } } });
 * ```
 */
export function exportModel(moduleOrGraph: Module | Graph | ((...xs: Tensor[]) => Tensor | Tensor[]), exampleInputs: Tensor | Tensor[], path: string, options: ExportOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw new Error(`${OP}: path must be a non-empty string, got ${showValue(path)}`);
  const bytes = exportBytes(moduleOrGraph, exampleInputs, options);
  try { writeFileAtomic.sync(path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)); }
  catch (e) { throw new Error(`${OP}: cannot write ${path}: ${(e as Error).message}`); }
}

function buildModel(op: string, moduleOrGraph: unknown, exampleInputs: unknown, options: unknown): ModelProto {
  const { inputs, opset, inputNames, outputNames, dyn } = checkArgs(op, moduleOrGraph, exampleInputs, options);
  const inNames = inputNames ?? inputs.map((_, i) => `input_${i}`);
  const dynIn = inNames.map((n, i) => Object.keys(dyn[n] ?? {}).map(Number).map((d) => {
    if (d >= inputs[i].ndim) throw new Error(`${op}: dynamicAxes['${n}'] names dim ${d}, but the input has ${inputs[i].ndim} dims`);
    return d;
  }));
  const known = new Set([...inNames, ...(outputNames ?? [])]);
  for (const k of Object.keys(dyn)) if (!known.has(k) && !/^output_\d+$/.test(k)) throw new Error(`${op}: dynamicAxes names '${k}', which is neither an input nor an output name (${[...known].join(', ')})`);
  const wantDyn = dynIn.some((d) => d.length > 0);
  if (wantDyn && moduleOrGraph instanceof Graph) throw new Error(`${op}: dynamicAxes needs the Module or function (it traces twice); a Graph is fixed to its shapes`);

  // eval mode for the export (Dropout off, BatchNorm on running stats), each module's flag restored after
  const mods = moduleOrGraph instanceof Module ? moduleOrGraph.modules() : [];
  const flags = mods.map((m) => m.training);
  const graphs: Graph[] = [];
  try {
    mods.forEach((m) => { m.training = false; });
    const traceOf = (xs: Tensor[]): Graph => trace(moduleOrGraph as Module, xs);
    const g = moduleOrGraph instanceof Graph ? moduleOrGraph : traceOf(inputs);
    if (!(moduleOrGraph instanceof Graph)) graphs.push(g);
    const meta = g.inputMeta;
    if (meta.length !== inputs.length) throw new Error(`${op}: the graph takes ${meta.length} inputs, got ${inputs.length} exampleInputs`);
    // refuse unmapped ops before any work, naming them all
    const missing = [...new Set(g.ops.filter((s) => s.inPlace || (!CREATION.has(s.id) && !EMITTERS[s.id])).map((s) => (s.inPlace ? `${s.id} (in place)` : s.id)))];
    if (missing.length) throw new Error(`${op}: no ONNX mapping for op '${missing[0]}' (ops without one: ${missing.join(', ')})`);
    return tidy(() => noGrad(() => {
      const slots = replay(g, inputs);
      let other: { g: Graph; slots: Tensor[] } | null = null;
      if (wantDyn) {
        const g2 = traceOf(inputs.map((x, i) => grown(x, dynIn[i])));
        graphs.push(g2);
        if (g2.ops.length !== g.ops.length || g2.ops.some((s, i) => s.id !== g.ops[i].id))
          throw new Error(`${op}: the model runs different ops when the dynamic axes change size, so it cannot be exported with dynamicAxes (trace with a fixed size; an RNN's time axis is one: the trace unrolls one set of ops per step)`);
        other = { g: g2, slots: replay(g2, inputs.map((x, i) => grown(x, dynIn[i]))) };
      }
      return emitModel(op, g, slots, other, { opset, inNames, outputNames, dyn, mods: moduleOrGraph instanceof Module ? moduleOrGraph : null });
    }));
  } finally {
    mods.forEach((m, i) => { m.training = flags[i]; });
    for (const gr of graphs) gr.dispose();
  }
}

interface EmitOpts { opset: number; inNames: string[]; outputNames?: string[]; dyn: Record<string, Record<number, string>>; mods: Module | null }

function emitModel(op: string, g: Graph, slots: Tensor[], other: { g: Graph; slots: Tensor[] } | null, o: EmitOpts): ModelProto {
  const nodes: NodeProto[] = [], inits: TensorProto[] = [], used = new Set<string>();
  const names: string[] = new Array(g.numSlots);
  const uniq = (n: string): string => { let m = n, k = 1; while (used.has(m)) m = `${n}_${k++}`; used.add(m); return m; };
  const dynOf = (s: number): boolean[] => {
    const t = slots[s], u = other?.slots[s];
    return t.shape.map((d, i) => !!u && u.shape[i] !== d);
  };
  const val = (s: number): Val => ({ name: names[s], shape: slots[s].shape, dtype: slots[s].dtype, dyn: dynOf(s), shape2: other ? other.slots[s].shape : null });

  g.inputSlots.forEach((s, i) => { names[s] = uniq(o.inNames[i]); });
  const dynConstants: number[] = [];
  /** The shape of constant `s` as a run-time 1-D int64 value: each dim that varies is the input dim it tracks in both traces. */
  const runtimeShape = (s: number): string => {
    const t = slots[s], u = other!.slots[s];
    const parts = t.shape.map((d, j) => {
      if (u.shape[j] === d) return ints([d]);
      const from = g.inputSlots.flatMap((is, i) => slots[is].shape.map((n, k) => ({ i, k, n, n2: other!.slots[is].shape[k] })))
        .filter((c) => c.n !== c.n2 && c.n === d && c.n2 === u.shape[j]);
      if (from.length !== 1) throw new Error(`${op}: a constant of the model [${t.shape.join(', ')}] changes shape with the dynamic axes, and its dim ${j} ${from.length ? 'matches several dynamic input dims' : 'is no dynamic input dim'} (only a constant sized by an input dim, such as an RNN's zero initial state, exports)`);
      return node('Gather', [shapeOf(g.inputSlots[from[0].i]), ints([from[0].k])])[0];
    });
    return parts.length === 1 ? parts[0] : node('Concat', parts, { axis: 0 })[0];
  };
  const shapes = new Map<number, string>();
  const shapeOf = (s: number): string => { let n = shapes.get(s); if (!n) { n = node('Shape', [names[s]])[0]; shapes.set(s, n); } return n; };
  // initializers named by module path when a parameter or buffer shares the constant's memory
  const owned = o.mods ? [...o.mods.namedParameters(), ...o.mods.namedBuffers()] as [string, Tensor][] : [];
  for (const [s, t] of g.constants) {
    const hit = owned.find(([, p]) => p.sharesStorageWith(t) && p.storageOffset() === t.storageOffset() && p.shape.length === t.shape.length && p.shape.every((d, i) => d === t.shape[i]));
    names[s] = uniq(hit ? hit[0] : `const_${s}`);
    if (other && dynOf(s).some((d) => d)) { dynConstants.push(s); continue; }
    inits.push(tensorProto(names[s], t));
  }
  // outputs take their names at the op that makes them; a repeated output, an input or a constant gets an Identity
  const outNames = g.outputSlots.map((_, k) => o.outputNames?.[k] ?? `output_${k}`);
  const outAt = new Map<number, string>();
  g.outputSlots.forEach((s, k) => { if (names[s] === undefined && !outAt.has(s)) outAt.set(s, outNames[k]); });
  const useCount = new Map<number, number>();
  for (const st of g.ops) for (const a of st.args) for (const r of slotsIn(a)) useCount.set(r.slot, (useCount.get(r.slot) ?? 0) + 1);
  for (const s of g.outputSlots) useCount.set(s, (useCount.get(s) ?? 0) + 1);

  const intCache = new Map<string, string>(), castCache = new Map<string, string>();
  const init = (hint: string, t: TensorProto): string => { const n = uniq(hint); inits.push({ ...t, name: n }); return n; };
  const ints = (values: readonly number[]): string => {
    const key = `i64:${values.join(',')}`;
    let n = intCache.get(key);
    if (!n) { n = init('shape', { dims: [values.length], dataType: ONNX_DTYPE.int64, rawData: new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer) }); intCache.set(key, n); }
    return n;
  };
  const constant = (value: number, dtype: DType): string => {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    let n = intCache.get(key);
    if (!n) { const t = full([], value, { dtype }); n = init('scalar', tensorProto('', t)); t.dispose(); intCache.set(key, n); }
    return n;
  };
  let counter = 0;
  const node = (opType: string, inputs: string[], attrs?: Record<string, Attr>, outs?: string[]): string[] => {
    const output = outs ?? [uniq(`${opType.toLowerCase()}_t${counter}`)];
    nodes.push({ opType, name: `${opType}_${counter++}`, input: inputs, output, attribute: Object.entries(attrs ?? {}).map(([k, v]) => attribute(k, v)) });
    return output;
  };
  const cast = (name: string, from: DType, to: DType): string => {
    if (from === to) return name;
    const key = `${name}->${to}`;
    let n = castCache.get(key);
    if (!n) { n = node('Cast', [name], { to: ONNX_DTYPE[to] })[0]; castCache.set(key, n); }
    return n;
  };

  // a constant sized by the batch (an RNN's zero initial state) is built at run time from the input's shape
  for (const s of dynConstants) node('Expand', [constant(uniformValue(op, slots[s], other!.slots[s]), slots[s].dtype), runtimeShape(s)], undefined, [names[s]]);

  g.ops.forEach((st: GraphStep, k: number) => {
    for (const s of st.outs) if (s >= 0) names[s] = outAt.get(s) ?? uniq(`${st.id}_${s}`);
    if (CREATION.has(st.id)) {
      const s = st.outs[0];
      if (other && dynOf(s).some((d) => d)) throw new Error(`${op}: step ${k} (${st.id}) makes a tensor whose shape depends on the dynamic axes; it cannot be exported with dynamicAxes`);
      inits.push(tensorProto(names[s], slots[s]));
      return;
    }
    const fail = (why: string): never => { throw new Error(`${op}: op '${st.id}' (step ${k}) cannot be exported: ${why}`); };
    if (other && !DYN_AWARE.has(st.id)) {
      const a2 = other.g.ops[k].args;
      st.args.forEach((a, i) => { if (slotsIn(a).length === 0 && JSON.stringify(a) !== JSON.stringify(a2[i])) fail('an argument depends on the dynamic axes'); });
    }
    const e: Emit = {
      id: st.id, args: st.args, args2: other ? other.g.ops[k].args : null, opset: o.opset,
      has: (i) => isSlot(st.args[i]),
      x: (i) => { const a = st.args[i]; if (!isSlot(a)) fail(`argument ${i} is not a tensor`); return val((a as SlotRef).slot); },
      xs: (i) => slotsIn(st.args[i]).map((r) => val(r.slot)),
      out: (j = 0) => val(st.outs[j]),
      used: (j) => st.outs[j] >= 0 && (useCount.get(st.outs[j]) ?? 0) > 0,
      scalar: (i, dtype) => {
        const a = st.args[i];
        if (isSlot(a)) { const v = val(a.slot); return cast(v.name, v.dtype, dtype); }
        if (typeof a === 'number' || typeof a === 'boolean') return constant(Number(a), dtype);
        return fail(`argument ${i} is ${showValue(a)}, not a tensor or a number`);
      },
      node, ints, constant, cast, fail,
    };
    EMITTERS[st.id](e);
  });

  const outputs: ValueInfoProto[] = [];
  g.outputSlots.forEach((s, k) => {
    if (names[s] !== outNames[k]) node('Identity', [names[s]], undefined, [uniq(outNames[k])]);
    outputs.push(valueInfo(outNames[k], slots[s], dynOf(s), o.dyn[outNames[k]], o.dyn));
  });
  const graphInputs = g.inputSlots.map((s, i) => valueInfo(o.inNames[i], slots[s], dynOf(s), o.dyn[o.inNames[i]], o.dyn));
  return {
    irVersion: IR_VERSION(o.opset), producerName: 'myelin', producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: o.opset }],
    graph: { name: 'myelin', node: nodes, initializer: inits, input: graphInputs, output: outputs },
  };
}

/** A graph input or output: dtype and shape, each dynamic dim a dim_param (its given name, else the one name in use, else one made up). */
function valueInfo(name: string, t: Tensor, dyn: boolean[], given: Record<number, string> | undefined, all: Record<string, Record<number, string>>): ValueInfoProto {
  const allNames = [...new Set(Object.values(all).flatMap((a) => Object.values(a)))];
  return {
    name,
    type: { tensorType: { elemType: ONNX_DTYPE[t.dtype], shape: { dim: t.shape.map((d, i) => {
      const p = given?.[i] ?? (dyn[i] ? (allNames.length === 1 ? allNames[0] : `${name}_dim${i}`) : undefined);
      return p ? { dimParam: p } : { dimValue: d };
    }) } } },
  };
}
