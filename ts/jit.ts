// Traced graphs: jit.trace(moduleOrFn, exampleInputs) runs the function once, under noGrad,
// with a recorder active in ts/call.ts, and keeps the native op sequence it ran as a Graph:
// a plain op list over numbered slots (the example inputs, the tensors each op produced, and
// constants: parameters and any other tensor the function read). graph.run(...inputs)
// replays that list on new inputs of the same shapes and dtypes.
//
// As torch.jit.trace: what is traced is the one path the example took. Data-dependent
// control flow (an `if` on a tensor's value, a loop over a tensor's size) is frozen at the
// example's choice, and JS values computed from tensors (item(), data()) become constants.
// A graph is specialized to its inputs' shapes and dtypes: other ones throw; trace again.
// Dropout and other random ops refuse to be traced (trace modules in eval mode), as do
// in-place writes into inputs or constants.
//
// The replay is native (graph_new / graph_run / graph_run_async in native/core/graph.cpp):
// no JS runs per op, and runAsync runs the whole list on a libuv worker thread.
import { native, type Handle } from './binding';
import { Tensor } from './tensor';
import { setRecorder, type Recorder } from './call';
import { noGrad } from './autograd/engine';
import { keep } from './memory';
import { Module } from './nn/module';
import { badArg, showValue } from './args';
import type { DType } from './dtype';

/** A tensor argument of a step: the slot it reads. */
export interface SlotRef { readonly slot: number }
/** One recorded native call: its op id, its native argument list with tensors as slot refs, and the slots its outputs fill (-1: a null output). An in-place step fills none: it writes into a slot of its arguments. */
export interface GraphStep { readonly id: string; readonly args: readonly unknown[]; readonly outs: readonly number[]; readonly inPlace: boolean }

type StepTuple = [string, unknown[], number[]];
/** The native graph API (native/binding; helper S's executor). */
interface Executor {
  graph_new(numSlots: number, constants: [number, Handle][], steps: StepTuple[], inputSlots: number[], outputSlots: number[], inputMeta: [DType, number[]][]): unknown;
  graph_run(g: unknown, inputs: Handle[]): Handle[];
  graph_run_async(g: unknown, inputs: Handle[]): Promise<Handle[]>;
  graph_dispose(g: unknown): void;
}

const isSlot = (a: unknown): a is SlotRef => a !== null && typeof a === 'object' && !Array.isArray(a) && typeof (a as SlotRef).slot === 'number';

/** The native graph API (core/graph.cpp): graph_run replays the steps in C++, graph_run_async on a libuv worker. */
function executor(): Executor {
  return native as unknown as Executor;
}

/** The recorder call() feeds while a trace runs: tensors to slots, each call to a step. */
class TraceRecorder implements Recorder {
  readonly slots = new Map<Tensor, number>();
  readonly kinds: ('input' | 'const' | 'op')[] = [];
  readonly constants: [number, Tensor][] = [];
  readonly steps: GraphStep[] = [];
  constructor(inputs: Tensor[]) {
    inputs.forEach((t, i) => {
      if (this.slots.has(t)) throw new Error(`jit.trace: exampleInputs[${i}] is the same tensor as an earlier input; pass distinct tensors`);
      this.newSlot(t, 'input');
    });
  }
  private newSlot(t: Tensor, kind: 'input' | 'const' | 'op'): number {
    const s = this.kinds.length;
    this.kinds.push(kind);
    this.slots.set(t, s);
    return s;
  }
  /** A tensor's slot: one the trace knows, or a new constant (a parameter, a tensor made outside call()). */
  slotOf(t: Tensor): number {
    const s = this.slots.get(t);
    if (s !== undefined) return s;
    // the graph holds its own view, so disposing the original (or leaving a tidy scope)
    // does not free it; in-place updates of the parameter (training) are seen by the graph
    const c = keep(new Tensor(t._viewHandle()));
    const k = this.newSlot(t, 'const');
    this.constants.push([k, c]);
    return k;
  }
  private arg(a: unknown): unknown {
    if (a instanceof Tensor) return { slot: this.slotOf(a) };
    if (Array.isArray(a)) return a.length > 0 && a[0] instanceof Tensor ? a.map((t: Tensor) => ({ slot: this.slotOf(t) })) : a.slice();
    if (ArrayBuffer.isView(a)) return (a as unknown as { slice(): unknown }).slice();  // from_array's data, copied
    return a;
  }
  step(id: string, args: readonly unknown[], outs: Tensor | (Tensor | null)[], inPlace: Tensor | null): void {
    if (inPlace) {
      // a write replays only into a tensor the graph itself made: an input or a constant
      // would be changed by every run
      const root = inPlace._base ?? inPlace, s = this.slots.get(root);
      const what = s === undefined || this.kinds[s] === 'const' ? 'a constant (a tensor the traced function did not compute)' : this.kinds[s] === 'input' ? 'an input' : null;
      if (what) throw new Error(`jit.trace: ${id.endsWith('_') ? id : `${id}_`} writes in place into ${what}; it is not traceable (use the out-of-place form)`);
      if (!this.slots.has(inPlace)) throw new Error(`jit.trace: ${id}_ writes into a tensor the trace did not record`);
    }
    const a = args.map((v) => this.arg(v));
    const o = inPlace ? [] : Array.isArray(outs) ? outs.map((t) => (t === null ? -1 : this.newSlot(t, 'op'))) : [this.newSlot(outs, 'op')];
    this.steps.push({ id, args: a, outs: o, inPlace: inPlace !== null });
  }
}

const showShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** A traced op list: run it on new inputs of the traced shapes and dtypes. See {@link trace}. */
export class Graph {
  /** The recorded steps, in order. */
  readonly ops: readonly GraphStep[];
  readonly numSlots: number;
  readonly inputSlots: readonly number[];
  readonly outputSlots: readonly number[];
  /** [dtype, shape] of each input, as traced. */
  readonly inputMeta: readonly [DType, readonly number[]][];
  /** [slot, tensor] of each constant the graph holds (parameters and other tensors it read); ONNX export writes them as initializers. */
  readonly constants: readonly [number, Tensor][];
  private readonly single: boolean;
  private readonly g: unknown;
  private readonly exec: Executor;
  private disposed = false;

  /** @internal Use jit.trace. */
  constructor(rec: TraceRecorder, inputs: Tensor[], outputs: Tensor[], single: boolean) {
    this.ops = rec.steps;
    this.numSlots = rec.kinds.length;
    this.inputSlots = inputs.map((t) => rec.slots.get(t)!);
    this.outputSlots = outputs.map((t) => rec.slotOf(t));
    this.numSlots = rec.kinds.length;  // an output the function did not compute is a constant
    this.inputMeta = inputs.map((t) => [t.dtype, [...t.shape]]);
    this.constants = rec.constants;
    this.single = single;
    this.exec = executor();
    const steps: StepTuple[] = this.ops.map((s) => [s.id, s.args as unknown[], s.outs as number[]]);
    this.g = this.exec.graph_new(this.numSlots, this.constants.map(([s, t]) => [s, t._h]), steps, [...this.inputSlots],
      [...this.outputSlots], this.inputMeta.map(([d, s]) => [d, [...s]]));
  }

  /** The inputs' handles, checked in TS (the JS replay and the native one refuse alike).
   * Plain loops: this runs once per replay, and a batch-1 replay is a few microseconds. */
  private handles(op: string, inputs: unknown[]): Handle[] {
    if (this.disposed) throw new Error(`${op}: the graph was disposed`);
    if (inputs.length !== this.inputSlots.length)
      throw new Error(`${op}: expected ${this.inputSlots.length} input${this.inputSlots.length === 1 ? '' : 's'} (as traced), got ${inputs.length}`);
    const hs: Handle[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i];
      if (!(t instanceof Tensor)) throw new Error(`${op}: input ${i} must be a Tensor, got ${showValue(t)}`);
      if (t.isDisposed) throw new Error(`${op}: input ${i} is a disposed tensor`);
      const [dtype, shape] = this.inputMeta[i];
      if (t.dtype !== dtype) throw new Error(`${op}: input ${i} has dtype ${t.dtype}, but the graph was traced with ${dtype} (trace again for another dtype)`);
      const ts = t.shape;
      let same = ts.length === shape.length;
      for (let k = 0; same && k < ts.length; k++) same = ts[k] === shape[k];
      if (!same)
        throw new Error(`${op}: input ${i} has shape ${showShape(ts)}, but the graph was traced with ${showShape(shape)} (a traced graph is specialized to its example's shapes; trace again for another)`);
      hs[i] = t._h;
    }
    return hs;
  }
  private wrap(hs: Handle[]): Tensor | Tensor[] {
    if (this.single) return new Tensor(hs[0]);
    const ts: Tensor[] = new Array(hs.length);
    for (let i = 0; i < hs.length; i++) ts[i] = new Tensor(hs[i]);
    return ts;
  }
  /** Replays the graph on `inputs` (the traced shapes and dtypes); the results require no grad. */
  run(...inputs: Tensor[]): Tensor | Tensor[] {
    return this.wrap(this.exec.graph_run(this.g, this.handles('graph.run', inputs)));
  }
  /** run(), off the JS thread with the native executor (the JS replay runs on this thread). */
  async runAsync(...inputs: Tensor[]): Promise<Tensor | Tensor[]> {
    const hs = this.handles('graph.runAsync', inputs);
    return this.wrap(await this.exec.graph_run_async(this.g, hs));
  }
  /** Releases the constants the graph holds (its views of the parameters); later runs throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.exec.graph_dispose(this.g);  // the native graph's references to the constants
    for (const [, t] of this.constants) t.dispose();
  }
  get isDisposed(): boolean { return this.disposed; }
  private name(s: number): string { return this.constants.some(([k]) => k === s) ? `%c${s}` : `%${s}`; }
  private show(a: unknown): string {
    if (isSlot(a)) return this.name(a.slot);
    if (Array.isArray(a)) return `[${a.map((v) => this.show(v)).join(', ')}]`;
    if (ArrayBuffer.isView(a)) return `<${a.constructor.name} of ${(a as unknown as ArrayLike<unknown>).length}>`;
    return typeof a === 'string' ? `'${a}'` : String(a);
  }
  /** The op list, one line per op: `%3 = matmul(%0, %c1)`. */
  toString(): string {
    const lines = [`graph(${this.inputSlots.map((s, i) => `%${s}: ${this.inputMeta[i][0]}${showShape(this.inputMeta[i][1])}`).join(', ')}) {`];
    for (const [s, t] of this.constants) lines.push(`  %c${s} = constant ${t.dtype}${showShape(t.shape)}`);
    for (const st of this.ops) {
      const call = `${st.id}(${st.args.map((a) => this.show(a)).join(', ')})`;
      lines.push(st.inPlace ? `  ${call}  # in place` : `  ${st.outs.map((o) => (o < 0 ? '_' : `%${o}`)).join(', ')} = ${call}`);
    }
    lines.push(`  return ${this.outputSlots.map((s) => this.name(s)).join(', ')}`, '}');
    return lines.join('\n');
  }
}

/**
 * Records the native ops `moduleOrFn` runs on `exampleInputs` (a Tensor or an array of
 * them; run once under noGrad) into a {@link Graph}. Parameters and other tensors it reads
 * become constants the graph holds (it sees later in-place updates of them). The graph is
 * specialized to the example's shapes and dtypes, and to the control flow the example took
 * (as torch.jit.trace). Random ops (dropout in training mode) and in-place writes into
 * inputs or constants throw here.
 * ```ts
 * const g = jit.trace(model.eval(), randn(1, 784));
 * const y = g.run(x);   // x: float32 [1, 784]
 * ```
 */
export function trace(moduleOrFn: Module | ((...xs: Tensor[]) => Tensor | Tensor[]), exampleInputs: Tensor | Tensor[]): Graph {
  const fn = moduleOrFn instanceof Module ? (...xs: Tensor[]) => moduleOrFn.forward(...xs) as Tensor | Tensor[]
    : typeof moduleOrFn === 'function' ? moduleOrFn : badArg('jit.trace', 'moduleOrFn', 'a Module or a function', moduleOrFn);
  const inputs = Array.isArray(exampleInputs) ? exampleInputs : [exampleInputs];
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) badArg('jit.trace', `exampleInputs[${i}]`, 'a Tensor', t);
    if (t.isDisposed) throw new Error(`jit.trace: exampleInputs[${i}] is a disposed tensor`);
  });
  const rec = new TraceRecorder(inputs);
  const prev = setRecorder(rec);
  let out: unknown;
  try { out = noGrad(() => fn(...inputs)); } finally { setRecorder(prev); }
  const single = out instanceof Tensor;
  const outs = single ? [out as Tensor] : Array.isArray(out) && out.length > 0 && out.every((t) => t instanceof Tensor) ? (out as Tensor[]) : null;
  if (!outs) throw new Error(`jit.trace: the traced function must return a Tensor or a non-empty array of Tensors, got ${showValue(out)}`);
  const g = new Graph(rec, inputs, outs, single);
  // the example run's intermediates are not needed: the graph holds slots, not tensors
  for (const [t, s] of rec.slots) if (rec.kinds[s] === 'op' && !t.isDisposed) t.dispose();
  return g;
}
