// Module and Parameter: the building blocks of networks. Parameters, buffers and child
// modules are found from the instance's own properties, in definition order, and named
// with PyTorch's dotted keys (`0.weight`, `layer1.bn.running_mean`).
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { noGrad } from '../autograd/engine';
import { showValue, tensorArg } from '../args';
import { type DType, isFloating } from '../dtype';
import { type Device, type ToTarget, toTarget, deviceName } from '../device';
import { saveSafetensors } from '../io/safetensors';

// The argument checkers live in ../args; re-exported for the modules that import them from here.
export { showValue, tensorArg, intArg, numberArg } from '../args';

/**
 * A tensor that a Module owns and trains: it requires grad and is kept out of tidy() scopes.
 * It views the same storage as `data` (as torch.nn.Parameter does).
 * ```ts
 * const w = new Parameter(randn(10, 5));
 * ```
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(tensorArg('Parameter', 'data', data)._viewHandle());
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }
}

export type StateDict = Map<string, Tensor>;
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }

/**
 * Base class of every layer and network. Subclasses assign Parameters and Modules to
 * properties in the constructor and implement `forward`.
 * ```ts
 * class Net extends Module {
 *   fc = new Linear(4, 2);
 *   forward(x: Tensor) { return this.fc.forward(x).relu(); }
 * }
 * ```
 */
export abstract class Module {
  training = true;
  /** Set true (by a callback, or any code during train.fit) to end training after the current batch (Keras' stop_training). */
  stopTraining = false;
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();

  abstract forward(...args: unknown[]): unknown;

  registerParameter(name: string, p: Parameter | null): void { (this as unknown as Record<string, unknown>)[name] = p; }
  registerModule(name: string, m: Module | null): void { (this as unknown as Record<string, unknown>)[name] = m; }
  /** A tensor saved in the state dict (unless persistent: false) but not trained (BatchNorm's running stats). */
  registerBuffer(name: string, t: Tensor | null, opts: { persistent?: boolean } = {}): void {
    if (t) keep(t);
    this._buffers.set(name, t);
    if (opts.persistent === false) this._nonPersistent.add(name);
    Object.defineProperty(this, name, {
      get: () => this._buffers.get(name) ?? null,
      set: (v: Tensor | null) => { if (v) keep(v); this._buffers.set(name, v); },
      enumerable: false, configurable: true,
    });
  }

  private ownEntries<T>(cls: abstract new (...a: never[]) => T): [string, T][] {
    return Object.entries(this).filter((e): e is [string, T] => e[1] instanceof cls);
  }
  namedChildren(): [string, Module][] { return this.ownEntries(Module); }
  children(): Module[] { return this.namedChildren().map((e) => e[1]); }
  /** This module and every descendant, depth first, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }
  modules(): Module[] { return this.namedModules().map((e) => e[1]); }
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [mp, m] of this.namedModules())
      for (const [n, p] of m.ownEntries(Parameter)) {
        if (seen.has(p)) continue;  // shared (tied) parameters are listed once, as in torch
        seen.add(p);
        out.push([mp ? `${mp}.${n}` : n, p]);
      }
    return out;
  }
  parameters(): Parameter[] { return this.namedParameters().map((e) => e[1]); }
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [mp, m] of this.namedModules())
      for (const [n, b] of m._buffers) if (b) out.push([mp ? `${mp}.${n}` : n, b]);
    return out;
  }
  buffers(): Tensor[] { return this.namedBuffers().map((e) => e[1]); }

  /** Sets training mode here and in every descendant (Dropout and BatchNorm read it). */
  train(mode = true): this { for (const m of this.modules()) m.training = mode; return this; }
  eval(): this { return this.train(false); }
  /** Calls fn on every descendant and then on this module (as torch's apply). */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }
  /** Freezes (false) or unfreezes every parameter. */
  requiresGrad_(on = true): this { for (const p of this.parameters()) p.requiresGrad_(on); return this; }
  /** Drops every parameter's .grad. NOTE: the old gradient tensors are disposed, so loops stay flat without GC. */
  zeroGrad(): void {
    for (const p of this.parameters()) { if (p.grad && !p.grad.isDisposed) p.grad.dispose(); p.grad = null; }
  }

  /**
   * Moves and/or casts every parameter and buffer in place, as torch's Module.to, and returns
   * this module. A dtype applies to floating-point tensors only (BatchNorm's int64
   * num_batches_tracked stays int64); a device applies to all. Parameters and buffers stay the
   * same objects (their data is swapped, as torch's `p.data = ...`), so an optimizer made
   * before keeps working; gradients move with their parameters.
   * ```ts
   * const model = new nn.Linear(4, 2).to('float64');   // or .double()
   * ```
   */
  to(target: DType | Device | { device?: Device; dtype?: DType }): this {
    const t = toTarget('Module.to', target);
    if (t.dtype !== undefined && !isFloating(t.dtype))
      throw new Error(`Module.to: only floating-point dtypes are accepted (parameters are cast, integer buffers kept), got '${t.dtype}'`);
    // checked first: a bad target leaves the module as it was, not half converted
    noGrad(() => {
      for (const p of this.parameters()) {
        convert(p, t);
        if (p.grad && !p.grad.isDisposed) {
          const g = p.grad, ng = converted(g, t);
          if (ng !== g) { p.grad = keep(ng); g.dispose(); }
        }
      }
      for (const b of new Set(this.buffers())) convert(b, t);
    });
    return this;
  }
  /** Casts floating-point parameters and buffers to float64 (Module.to('float64')). */
  double(): this { return this.to('float64'); }
  /** Casts floating-point parameters and buffers to float32. */
  float(): this { return this.to('float32'); }
  /** Casts floating-point parameters and buffers to float16. */
  half(): this { return this.to('float16' as DType); }
  /** Casts floating-point parameters and buffers to bfloat16. */
  bfloat16(): this { return this.to('bfloat16' as DType); }

  /** Parameters and persistent buffers by dotted name: the tensors themselves, in torch's key order. */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    const visit = (m: Module, prefix: string) => {
      for (const [n, p] of m.ownEntries(Parameter)) sd.set(prefix + n, p);
      for (const [n, b] of m._buffers) if (b && !m._nonPersistent.has(n)) sd.set(prefix + n, b);
      for (const [n, c] of m.namedChildren()) visit(c, `${prefix}${n}.`);
    };
    visit(this, '');
    return sd;
  }
  /**
   * Writes the state dict to a safetensors file (atomically) that PyTorch's
   * `model.load_state_dict(safetensors.torch.load_file(path))` reads; load it back with
   * `model.loadStateDict(io.loadSafetensors(path))`.
   */
  save(path: string, metadata?: Record<string, string>): void { saveSafetensors(this.stateDict(), path, metadata); }
  /** Copies values in by name. Strict (default) throws on missing or unexpected keys; shapes must match. */
  loadStateDict(sd: StateDict | Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    if (sd === null || typeof sd !== 'object') throw new Error(`loadStateDict: expected a Map or an object of tensors, got ${showValue(sd)}`);
    const src = new Map(sd instanceof Map ? sd : Object.entries(sd));
    // a key whose value is undefined is missing, and a value that is no tensor is an error, not a skip
    for (const [k, v] of src) {
      if (v === undefined) src.delete(k);
      else tensorArg('loadStateDict', `state_dict["${k}"]`, v);
    }
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    for (const [k, t] of own) {
      const v = src.get(k);
      if (v && v.shape.join(',') !== t.shape.join(','))
        errors.push(`size mismatch for ${k}: copying a param with shape [${v.shape.join(', ')}], the shape in current model is [${t.shape.join(', ')}]`);
    }
    if (opts.strict !== false) {
      if (missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
      if (unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
    }
    if (errors.length) throw new Error(`loadStateDict: error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    noGrad(() => { for (const [k, t] of own) { const v = src.get(k); if (v) t.copy_(v); } });
    return { missingKeys, unexpectedKeys };
  }

  /** The part of toString() inside the parentheses (Linear: in_features=..., ...). */
  extraRepr(): string { return ''; }
  toString(): string {
    const kids = this.namedChildren();
    const name = this.constructor.name;
    if (!kids.length) return `${name}(${this.extraRepr()})`;
    const lines = kids.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    const extra = this.extraRepr();
    return `${name}(\n${extra ? `  ${extra}\n` : ''}${lines.join('\n')}\n)`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}

/** x on t's device and dtype, or x itself when nothing changes (dtypes apply to floating tensors only). */
function converted(x: Tensor, t: ToTarget): Tensor {
  const dtype = t.dtype !== undefined && isFloating(x.dtype) && x.dtype !== t.dtype ? t.dtype : undefined;
  const device = t.device !== undefined && deviceName(t.device) !== x.device ? deviceName(t.device) : undefined;
  if (dtype === undefined && device === undefined) return x;
  return x.to({ dtype, device });
}
/** Converts x in place: the same object then views the converted data. */
function convert(x: Tensor, t: ToTarget): void {
  const y = converted(x, t);
  if (y === x) return;
  x._setData(y);
  y.dispose();
}
