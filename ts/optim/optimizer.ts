// Optimizers: PyTorch's single-tensor update rules, written as in-place Tensor ops run
// without recording. State tensors are kept out of tidy() scopes.
import { Tensor } from '../tensor';
import { zerosLike, fullLike } from '../creation';
import { noGrad } from '../autograd/engine';
import { tidy, keep } from '../memory';
import { showValue } from '../args';

export type Hyper = Record<string, number | boolean | number[]>;
export interface ParamGroup { params: Tensor[]; [option: string]: unknown }
export type Params = Iterable<Tensor> | ParamGroup[];
type State = Record<string, Tensor | number>;

/** Base class: parameter groups, per-parameter state, zeroGrad, state dicts. */
export abstract class Optimizer {
  readonly paramGroups: (ParamGroup & Hyper)[] = [];
  readonly state = new Map<Tensor, State>();
  constructor(params: Params, readonly defaults: Hyper) {
    // torch: "params argument given to the optimizer should be an iterable of Tensors or dicts"
    // (a single Tensor too: iterating it would optimize its rows, views that are not leaves)
    if (params === null || typeof params !== 'object' || params instanceof Tensor || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function')
      throw new Error(`${this.constructor.name}: params must be an iterable of Tensors or of parameter groups, got ${showValue(params)}`);
    const list = [...(params as Iterable<Tensor | ParamGroup>)];
    if (!list.length) throw new Error(`${this.constructor.name}: optimizer got an empty parameter list`);
    const groups = list.every((p) => p !== null && typeof p === 'object' && 'params' in p && !(p instanceof Tensor))
      ? (list as ParamGroup[]) : [{ params: list as Tensor[] }];
    for (const g of groups) this.addParamGroup(g);
  }
  addParamGroup(g: ParamGroup): void {
    const name = this.constructor.name;
    if (g === null || typeof g !== 'object' || !g.params || typeof (g.params as Iterable<Tensor>)[Symbol.iterator] !== 'function')
      throw new Error(`${name}: a parameter group must be { params: Tensor[], ... }, got ${showValue(g)}`);
    const group = { ...this.defaults, ...g, params: [...g.params] } as ParamGroup & Hyper;
    const seen = new Set(this.paramGroups.flatMap((pg) => pg.params));
    for (const p of group.params) {
      if (!(p instanceof Tensor)) throw new Error(`${name}: optimizer can only optimize Tensors, but one of the params is ${p === null ? 'null' : typeof p}`);
      if (!p.isFloatingPoint()) throw new Error(`${name}: can only optimize floating point tensors, got ${p.dtype}`);
      if (!p.isLeaf) throw new Error(`${name}: can't optimize a non-leaf Tensor`);
      // torch refuses these: a parameter in two groups (or twice in one) is updated twice per step
      if (seen.has(p)) throw new Error(`${name}: some parameters appear in more than one parameter group`);
      seen.add(p);
    }
    this.validate(group);
    this.paramGroups.push(group);
  }
  /**
   * Checks a group's hyperparameters as torch's constructors do (ValueError 'Invalid learning
   * rate' and so on), and also refuses NaN and Infinity, which torch lets through to NaN weights.
   * Run at construction and again before every step (a group's lr may have been set since).
   */
  protected validate(g: Hyper): void {
    this.checkHyper(g, 'lr', 'learning rate');
    if ('eps' in g) this.checkHyper(g, 'eps', 'epsilon value');
    if ('weightDecay' in g) this.checkHyper(g, 'weightDecay', 'weightDecay value');
  }
  /** A finite number >= lo (and < hi when given). */
  protected checkHyper(g: Hyper, key: string, what: string, lo = 0, hi?: number, v: unknown = g[key]): void {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || (hi !== undefined && v >= hi))
      throw new Error(`${this.constructor.name}: invalid ${what}: ${showValue(v)} (expected a finite number >= ${lo}${hi !== undefined ? ` and < ${hi}` : ''})`);
  }
  /** Drops every .grad. NOTE: the old gradient tensors are disposed, so loops stay flat without GC. */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) { if (p.grad && !p.grad.isDisposed) p.grad.dispose(); p.grad = null; }
  }
  /** One update of every parameter that has a gradient. */
  step(closure?: () => number): number | undefined {
    const loss = closure?.();
    // everything that can refuse is checked before any state or parameter changes, so a
    // refused step leaves the optimizer as it was (update() commits its state last, too)
    for (const g of this.paramGroups) this.validate(g);
    this.paramGroups.forEach((g, gi) => g.params.forEach((p, pi) => {
      const d: unknown = p.grad;
      if (d === null || d === undefined) return;   // no gradient: the parameter is skipped (torch)
      // a disposed gradient is not "no gradient": skipping it would silently not train the parameter
      if (!(d instanceof Tensor) || d.isDisposed)
        throw new Error(`${this.constructor.name}: the gradient of parameter ${pi} in group ${gi} must be a live Tensor or null, got ${showValue(d)}`);
      if (d.dtype !== p.dtype || d.shape.join(',') !== p.shape.join(','))
        throw new Error(`${this.constructor.name}: the gradient of parameter ${pi} in group ${gi} is ${d.dtype} [${d.shape.join(', ')}], the parameter ${p.dtype} [${p.shape.join(', ')}]`);
    }));
    noGrad(() => {
      for (const g of this.paramGroups) for (const p of g.params) {
        if (!p.grad) continue;
        let s = this.state.get(p);
        if (!s) { s = {}; this.state.set(p, s); }
        const st = s;
        tidy(() => this.update(p, p.grad!, st, g));
      }
    });
    return loss;
  }
  protected abstract update(p: Tensor, grad: Tensor, state: State, group: Hyper): void;
  /** Zeros (or a fill) like p, kept alive across tidy() scopes. */
  protected buf(p: Tensor, fill = 0): Tensor { return keep(fill === 0 ? zerosLike(p) : fullLike(p, fill)); }

  /** { state: {index: {...}}, paramGroups: [{...hyper, params: [indices]}] } with cloned tensors. */
  stateDict(): { state: Record<number, State>; paramGroups: Record<string, unknown>[] } {
    let i = 0;
    const state: Record<number, State> = {};
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...h } = g;
      return { ...h, params: params.map((p) => {
        const s = this.state.get(p);
        if (s) state[i] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : keep(v.clone())]));
        return i++;
      }) };
    });
    return { state, paramGroups };
  }
  loadStateDict(sd: { state: Record<number, State>; paramGroups: Record<string, unknown>[] }): void {
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object')
      throw new Error(`loadStateDict: expected { state, paramGroups } from an optimizer's stateDict(), got ${showValue(sd)}`);
    if (sd.paramGroups.length !== this.paramGroups.length) throw new Error('loadStateDict: loaded state dict has a different number of parameter groups');
    // every group is checked before any is loaded, so a refused load changes nothing
    sd.paramGroups.forEach((sg, gi) => {
      if ((sg.params as number[]).length !== this.paramGroups[gi].params.length)
        throw new Error("loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      this.validate({ ...this.paramGroups[gi], ...sg } as Hyper);
    });
    let i = 0;
    sd.paramGroups.forEach((sg, gi) => {
      const g = this.paramGroups[gi];
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') (g as Record<string, unknown>)[k] = v;
      for (const p of g.params) {
        const s = sd.state[i++];
        if (s) this.state.set(p, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : keep(v.clone())])));
      }
    });
  }
}
