// The one call path from TypeScript to the native ops. `call(id, args)` takes an op id (the
// native export's name, native/ops.def) and the export's own argument list with Tensors where
// it takes handles, and does, in order: the liveness and device checks of every tensor
// argument, the native call, wrapping the handles it returns as Tensors (which tidy scopes
// track), autograd recording from the derivatives table (ts/autograd/derivatives.ts, keyed by
// the same id, reading the same argument list), and the jit recorder (ts/jit.ts).
// Public methods only normalize their arguments into that list: a composite op (written
// from other ops) reaches here once per part and has no rule of its own.
//
// Hot path: one Map lookup for the op's entry; no closure or array is made per call unless
// autograd records (grad on and an input requires grad) or a trace is active.
import { native, type Handle } from './binding';
import { Tensor } from './tensor';
import { DERIVATIVES, FRESH_IN_PLACE, type Derivative } from './autograd/derivatives';
import { Node, isGradEnabled, setGradEnabled, noGrad, checkVersion } from './autograd/engine';
import { isFloating } from './dtype';

/** How an op's outputs relate to its first argument's storage: 1 a view always, 2 a view when it can be (reshape, flatten). */
const VIEWS: Record<string, 1 | 2> = {
  as_strided: 1, view: 1, permute: 1, transpose: 1, slice: 1, select: 1, narrow: 1, expand: 1, squeeze: 1, unsqueeze: 1,
  reshape: 2, flatten: 2,
};

interface Entry {
  readonly id: string;
  readonly fn: (...a: unknown[]) => unknown;
  readonly d: Derivative | null;
  readonly view: 0 | 1 | 2;
}
const ENTRIES = new Map<string, Entry>();
function entryOf(id: string): Entry {
  const fn = (native as unknown as Record<string, unknown>)[id];
  if (typeof fn !== 'function') throw new Error(`call: unknown op id '${id}' (no native export of that name)`);
  const e: Entry = { id, fn: fn as Entry['fn'], d: DERIVATIVES[id] ?? null, view: VIEWS[id] ?? 0 };
  ENTRIES.set(id, e);
  return e;
}

/** One traced call, as ts/jit.ts receives it (args hold the Tensors, outs the results). */
export interface Recorder {
  step(id: string, args: readonly unknown[], outs: Tensor | (Tensor | null)[], inPlace: Tensor | null): void;
}
let recorder: Recorder | null = null;
/** @internal Sets (or clears, with null) the active trace recorder; returns the previous one. */
export function setRecorder(r: Recorder | null): Recorder | null { const p = recorder; recorder = r; return p; }
/** @internal Whether a jit trace is recording (composites that have a fused op keep their traced, exportable form then). */
export const isTracing = (): boolean => recorder !== null;
/** @internal For entries that bypass call() (random creation functions): refuse inside a trace. */
export function notTraceable(op: string, why: string): void {
  if (recorder !== null) throw new Error(`jit.trace: ${op} is not traceable (${why})`);
}

// The state of the call being checked, module-level so the checks allocate nothing.
let curId = '';
let curDevice: string | null = null;
function handleOf(a: unknown, i: number): unknown {
  if (a instanceof Tensor) {
    if (a._disposed) throw new Error(`${curId}: argument ${i} is a disposed tensor`);
    checkDevice(a, i);
    return a._h;
  }
  // a tensor list (cat): the native export names the entry
  if (Array.isArray(a) && a.length > 0 && a[0] instanceof Tensor) {
    const hs: unknown[] = new Array(a.length);
    for (let k = 0; k < a.length; k++) {
      const t = a[k];
      if (!(t instanceof Tensor)) hs[k] = t;  // the native export names the bad entry
      else if (t._disposed) throw new Error(`${curId}: entry ${k} of argument ${i} is a disposed tensor`);
      else { checkDevice(t, i); hs[k] = t._h; }
    }
    return hs;
  }
  return a;
}
function checkDevice(t: Tensor, i: number): void {
  const d = t.device;
  if (curDevice === null) curDevice = d;
  else if (d !== curDevice)
    throw new Error(`${curId}: expected all tensors on one device, but argument ${i} is on ${d} and an earlier one on ${curDevice}`);
}

function invoke(e: Entry, a: readonly unknown[]): unknown {
  curId = e.id;
  curDevice = null;
  const f = e.fn;
  switch (a.length) {  // positional calls: no spread, no mapped array
    case 0: return f();
    case 1: return f(handleOf(a[0], 0));
    case 2: return f(handleOf(a[0], 0), handleOf(a[1], 1));
    case 3: return f(handleOf(a[0], 0), handleOf(a[1], 1), handleOf(a[2], 2));
    case 4: return f(handleOf(a[0], 0), handleOf(a[1], 1), handleOf(a[2], 2), handleOf(a[3], 3));
    default: return f(...a.map(handleOf));
  }
}

/** Whether any tensor argument (or list entry) requires grad: checked on every call, so it allocates nothing. */
function anyRequiresGrad(a: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v instanceof Tensor) { if (v.requiresGrad) return true; }
    else if (Array.isArray(v)) for (const t of v) if (t instanceof Tensor && t.requiresGrad) return true;
  }
  return false;
}

/**
 * Runs native op `id` on `args` (its export's argument list, Tensors for handles, Tensor[]
 * for a tensor list) and returns its result as a Tensor, or an array of Tensors (null where
 * the op returned none) for ops with several outputs. Records autograd and traces.
 */
export function call<R extends Tensor | (Tensor | null)[] = Tensor>(id: string, args: readonly unknown[]): R {
  const e = ENTRIES.get(id) ?? entryOf(id);
  const r = invoke(e, args);
  let out: Tensor | (Tensor | null)[];
  if (Array.isArray(r)) {
    const ts: (Tensor | null)[] = new Array(r.length);
    for (let k = 0; k < r.length; k++) ts[k] = r[k] === null ? null : new Tensor(r[k] as Handle);
    out = ts;
  } else {
    out = new Tensor(r as Handle);
    if (e.view !== 0) {
      const x = args[0] as Tensor;
      if (e.view === 1 || native.same_storage(r as Handle, x._h)) out._base = x._base ?? x;
    }
  }
  if (e.d !== null && isGradEnabled() && anyRequiresGrad(args)) attachDerivative(e.id, e.d, args, out, null);
  if (recorder !== null) recorder.step(id, args, out, null);
  return out as R;
}

/**
 * Runs native op `id` as an in-place write into `self` (args hold self where the export
 * takes its output, e.g. add(self, other, self)). `write`, when given, replaces the plain
 * native call (masked_fill_ is two native calls). Checks as call() does, refuses in-place
 * ops that autograd cannot record (leaves that require grad, views of them), bumps the
 * version only once the write succeeded, and records the op against a snapshot of self's
 * old value (torch's in-place semantics; on a view, the base's graph is rewritten too).
 */
export function callInPlace<T extends Tensor>(id: string, self: T, args: readonly unknown[], write?: () => void): T {
  const e = ENTRIES.get(id) ?? entryOf(id);
  const name = id.endsWith('_') ? id : `${id}_`;
  if (self._disposed) throw new Error(`${name}: argument 0 is a disposed tensor`);
  if (recorder !== null) {  // refuses in-place writes it cannot replay, before the write
    if (write) notTraceable(name, 'it runs as two native calls; use the out-of-place form');
    recorder.step(id, args, self, self);
  }
  const grad = e.d !== null && isGradEnabled() && (self.requiresGrad || anyRequiresGrad(args));
  if (!grad) {
    self._checkInPlace(name);
    if (write) write(); else invoke(e, args);
    native.bump_version(self._h);
    return self;
  }
  if (self.isLeaf && self.requiresGrad) self._checkInPlace(name);  // throws torch's leaf error
  const base = self._base && !self._base.isDisposed ? self._base : null;  // a disposed base has no one to tell
  if (base) checkViewInPlace(name, base, self);
  const fresh = FRESH_IN_PLACE.has(id);
  // the old value, for rules that read it (the snapshot carries the old graph)
  const old = fresh ? null : noGrad(() => self.clone());
  if (old) old.gradFn = self.gradFn;
  // versions before the op: an argument that aliases self (y.mul_(y.detach())) is changed by it,
  // and a rule that reads that argument must throw
  // the row reads the op's inputs: the output argument (self again, last) is dropped
  const ins = args.length > 1 && args[args.length - 1] === self ? args.slice(0, -1) : args;
  const saved = ins.map((a) => (a === self ? old : a));
  const versions = saved.map(versionOf);
  noGrad(() => { if (write) write(); else invoke(e, args); });
  native.bump_version(self._h);
  attachDerivative(name, e.d!, saved, self, versions);
  if (base) rebaseView(base, self);
  return self;
}

function checkViewInPlace(op: string, base: Tensor, v: Tensor): void {
  if (base.isLeaf && base.requiresGrad) throw new Error(`${op}: a view of a leaf tensor that requires grad is being used in an in-place operation`);
  if (!base.isContiguous()) throw new Error(`${op}: in-place operation on a view of a non-contiguous tensor is not supported under autograd; clone() the view or use the out-of-place form`);
  if (v.stride().some((st, i) => st === 0 && v.shape[i] > 1))
    throw new Error(`${op}: in-place operation on an expanded view (several elements share one memory location) is not supported under autograd`);
}

/**
 * After an in-place op on view v, the base's value is its old value with v's region replaced
 * (torch's CopySlices): the base gets a Node whose gradient goes to v's region for v's new
 * node and to the rest for the base's old graph. v's region of the (contiguous) base is
 * v's shape and strides at v's offset from the base.
 */
function rebaseView(base: Tensor, v: Tensor): void {
  const shape = [...v.shape], strides = v.stride(), offset = v.storageOffset() - base.storageOffset();
  const baseOld = base.detach();
  baseOld.gradFn = base.gradFn;
  attachNode('copy_slices', [baseOld, v], base, (dy) => {
    if (isGradEnabled()) throw new Error('backward: createGraph through an in-place operation on a view is not supported');
    const region = (t: Tensor): Tensor => t.asStrided(shape, strides, t.storageOffset() + offset);
    const mask = noGrad(() => call('full', [[...base.shape], 1, dy.dtype]));
    region(mask).zero_();
    const g = dy.contiguous();
    return [dy.mul(mask), region(g)];
  });
}

const versionOf = (a: unknown): unknown =>
  a instanceof Tensor ? a._version : Array.isArray(a) && a[0] instanceof Tensor ? a.map((t: Tensor) => t._version) : undefined;

/** Attaches a Node to y (its new gradFn) whose backward returns one gradient per input (null where none). */
export function attachNode(name: string, inputs: Tensor[], y: Tensor, backward: (dy: Tensor) => (Tensor | null | undefined)[]): Tensor {
  if (!isFloating(y.dtype)) return y;  // integer/bool results are not differentiable (as torch)
  y.gradFn = new Node(name, inputs.map((t) => (t.requiresGrad ? t : null)), (dy) => {
    const prev = isGradEnabled();
    try { return backward(dy).map((g) => g ?? null); } finally { setGradEnabled(prev); }
  });
  return y;
}

/**
 * What a derivative row reads, each through a version check: a(i) is argument i (a tensor
 * argument is checked against the version it had when recorded, so a row that needs
 * overwritten values throws torch's error), m(i) is tensor argument i for its shape, dtype
 * and requiresGrad only (unchecked: in-place ops change none of them), y is output 0
 * (checked), out(i) another output (unchecked: indices), dy the incoming gradient.
 * test/gradcheck.test.ts changes every rule's inputs in place before backward.
 */
export class Saved {
  dy!: Tensor;
  constructor(private readonly op: string, private readonly args0: readonly unknown[], private readonly versions: readonly unknown[],
    private readonly outs: Tensor | (Tensor | null)[], private readonly yVersion: number) {}
  a(i: number): unknown {
    const v = this.args0[i];
    if (v instanceof Tensor) checkVersion(this.op, `input ${i}`, v, this.versions[i] as number);
    else if (Array.isArray(v) && v[0] instanceof Tensor) v.forEach((t: Tensor, k) => checkVersion(this.op, `input ${i}`, t, (this.versions[i] as number[])[k]));
    return v;
  }
  /** Tensor argument i, version-checked. */
  t(i: number): Tensor { return this.a(i) as Tensor; }
  /** Tensor argument i for its metadata only (not checked). */
  m(i: number): Tensor { return this.args0[i] as Tensor; }
  /** Argument i when it is a tensor that needs a gradient (unchecked), else null. */
  g(i: number): Tensor | null { const v = this.args0[i]; return v instanceof Tensor && v.requiresGrad ? v : null; }
  /** A non-tensor argument (sizes, dims, flags). */
  p<T = number>(i: number): T { return this.args0[i] as T; }
  get y(): Tensor {
    const y = (Array.isArray(this.outs) ? this.outs[0] : this.outs) as Tensor;
    checkVersion(this.op, 'output 0', y, this.yVersion);
    return y;
  }
  out(i: number): Tensor { return (Array.isArray(this.outs) ? this.outs[i] : this.outs) as Tensor; }
}

/** Records op `name` on its output 0 from derivative row d: the inputs are the tensor arguments (list entries flattened). */
function attachDerivative(name: string, d: Derivative, args: readonly unknown[], outs: Tensor | (Tensor | null)[], versions0: unknown[] | null): void {
  const y = (Array.isArray(outs) ? outs[0] : outs) as Tensor;
  if (!isFloating(y.dtype)) return;
  const inputs: Tensor[] = [];
  for (const a of args) {
    if (a instanceof Tensor) inputs.push(a);
    else if (Array.isArray(a) && a[0] instanceof Tensor) for (const t of a) inputs.push(t as Tensor);
  }
  const saved = new Saved(name, args, versions0 ?? args.map(versionOf), outs, y._version);
  attachNode(name, inputs, y, (dy) => {
    saved.dy = dy;
    const gs = d(saved);
    // one gradient per argument (an array for a tensor list) → one per flattened input
    const flat: (Tensor | null | undefined)[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof Tensor) flat.push(gs[i] as Tensor | null | undefined);
      else if (Array.isArray(a) && a[0] instanceof Tensor) flat.push(...((gs[i] as (Tensor | null)[] | null | undefined) ?? a.map(() => null)));
    }
    return flat;
  });
}
