// SGD, Adam, AdamW, RMSprop and Adagrad, each following torch/optim's single-tensor
// implementation line by line (the order of operations matters for float32 agreement).
import type { Tensor } from '../tensor';
import { Optimizer, type Params, type Hyper } from './optimizer';
import { adamStep_, sgdStep_, rmspropStep_, adagradStep_ } from '../functional';
import { showValue, optionsArg } from '../args';

type S = Record<string, Tensor | number>;
const T = (s: S, k: string): Tensor => s[k] as Tensor;
const n = (g: Hyper, k: string): number => g[k] as number;

export interface SGDOptions { lr?: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; maximize?: boolean }
/** Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay. */
export class SGD extends Optimizer {
  constructor(params: Params, o: SGDOptions = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...optionsArg(new.target.name, o) } as Hyper);
  }
  protected validate(g: Hyper): void {
    super.validate(g);
    this.checkHyper(g, 'momentum', 'momentum value');
    this.checkHyper(g, 'dampening', 'dampening value', -Infinity);
    if (g.nesterov && (n(g, 'momentum') <= 0 || n(g, 'dampening') !== 0)) throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
  }
  protected update(p: Tensor, grad: Tensor, s: S, g: Hyper): void {
    let d = g.maximize ? grad.neg() : grad;
    if (n(g, 'weightDecay') !== 0 && !p.isContiguous()) d = d.add(p.mul(n(g, 'weightDecay')));
    const mom = n(g, 'momentum');
    if (p.isContiguous()) {  // the fused native step (the in-place ops below are its reference)
      const first = mom !== 0 && !s.momentumBuffer;
      // a new buffer joins the state only once the step succeeded: a refused first step must
      // leave the next one first (buf = grad, not momentum * zeros + (1 - dampening) * grad)
      const buf = first ? this.buf(p) : mom !== 0 ? T(s, 'momentumBuffer') : null;
      try {
        sgdStep_(p, grad.contiguous(), buf, { lr: n(g, 'lr'), momentum: mom,
          dampening: n(g, 'dampening'), weightDecay: n(g, 'weightDecay'), nesterov: !!g.nesterov, maximize: !!g.maximize, first });
      } catch (e) { if (first) buf!.dispose(); throw e; }
      if (first) s.momentumBuffer = buf!;
      return;
    }
    if (mom !== 0) {
      if (!s.momentumBuffer) s.momentumBuffer = this.buf(p).copy_(d);
      else T(s, 'momentumBuffer').mul_(mom).add_(d.mul(1 - n(g, 'dampening')));
      d = g.nesterov ? d.add(T(s, 'momentumBuffer').mul(mom)) : T(s, 'momentumBuffer');
    }
    p.sub_(d.mul(n(g, 'lr')));
  }
}

export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number; amsgrad?: boolean; maximize?: boolean }
/** Adam (L2 weight decay added to the gradient); AdamW decouples it. */
export class Adam extends Optimizer {
  protected decoupled = false;
  constructor(params: Params, o: AdamOptions = {}, defaultDecay = 0) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: defaultDecay, amsgrad: false, maximize: false, ...optionsArg(new.target.name, o) } as Hyper);
  }
  protected validate(g: Hyper): void {
    super.validate(g);
    const betas = g.betas as number[];
    if (!Array.isArray(betas) || betas.length !== 2) throw new Error(`${this.constructor.name}: betas must be a pair of numbers, got ${showValue(betas)}`);
    this.checkHyper(g, 'betas', 'beta parameter at index 0', 0, 1, betas[0]);
    this.checkHyper(g, 'betas', 'beta parameter at index 1', 0, 1, betas[1]);
  }
  protected update(p: Tensor, grad: Tensor, s: S, g: Hyper): void {
    const [b1, b2] = g.betas as number[];
    const lr = n(g, 'lr'), wd = n(g, 'weightDecay');
    let d = g.maximize ? grad.neg() : grad;
    if (s.step === undefined) { s.step = 0; s.expAvg = this.buf(p); s.expAvgSq = this.buf(p); if (g.amsgrad) s.maxExpAvgSq = this.buf(p); }
    // NOTE: the step count moves only after the update succeeded: counted before a step that
    // throws, it would skew every later bias correction
    const step = (s.step as number) + 1;
    if (p.isContiguous()) {  // the fused native step (the in-place ops below are its reference)
      adamStep_(p, grad.contiguous(), T(s, 'expAvg'), T(s, 'expAvgSq'), g.amsgrad ? T(s, 'maxExpAvgSq') : null,
        { lr, beta1: b1, beta2: b2, eps: n(g, 'eps'), weightDecay: wd, step, decoupled: this.decoupled, maximize: !!g.maximize });
      s.step = step;
      return;
    }
    if (wd !== 0) { if (this.decoupled) p.mul_(1 - lr * wd); else d = d.add(p.mul(wd)); }
    T(s, 'expAvg').mul_(b1).add_(d.mul(1 - b1));           // torch: lerp_(grad, 1 - beta1)
    T(s, 'expAvgSq').mul_(b2).add_(d.mul(d).mul(1 - b2));
    const bc1 = 1 - b1 ** step, bc2 = 1 - b2 ** step;
    let v = T(s, 'expAvgSq');
    if (g.amsgrad) { T(s, 'maxExpAvgSq').copy_(T(s, 'maxExpAvgSq').maximum(v)); v = T(s, 'maxExpAvgSq'); }
    const denom = v.sqrt().div(Math.sqrt(bc2)).add(n(g, 'eps'));
    p.sub_(T(s, 'expAvg').div(denom).mul(lr / bc1));
    s.step = step;
  }
}
/** Adam with decoupled weight decay (default 1e-2). */
export class AdamW extends Adam {
  constructor(params: Params, o: AdamOptions = {}) { super(params, o, 1e-2); this.decoupled = true; }
}

export interface RMSpropOptions { lr?: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean; maximize?: boolean }
export class RMSprop extends Optimizer {
  constructor(params: Params, o: RMSpropOptions = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...optionsArg(new.target.name, o) } as Hyper);
  }
  protected validate(g: Hyper): void {
    super.validate(g);
    this.checkHyper(g, 'momentum', 'momentum value');
    this.checkHyper(g, 'alpha', 'alpha value');
  }
  protected update(p: Tensor, grad: Tensor, s: S, g: Hyper): void {
    const a = n(g, 'alpha'), mom = n(g, 'momentum');
    let d = g.maximize ? grad.neg() : grad;
    if (s.step === undefined) { s.step = 0; s.squareAvg = this.buf(p); if (mom > 0) s.momentumBuffer = this.buf(p); if (g.centered) s.gradAvg = this.buf(p); }
    const step = (s.step as number) + 1;  // committed after the update, as Adam's
    if (p.isContiguous()) {  // the fused native step (the in-place ops below are its reference)
      rmspropStep_(p, grad.contiguous(), T(s, 'squareAvg'), g.centered ? T(s, 'gradAvg') : null, mom > 0 ? T(s, 'momentumBuffer') : null,
        { lr: n(g, 'lr'), alpha: a, eps: n(g, 'eps'), weightDecay: n(g, 'weightDecay'), momentum: mom, maximize: !!g.maximize });
      s.step = step;
      return;
    }
    if (n(g, 'weightDecay') !== 0) d = d.add(p.mul(n(g, 'weightDecay')));
    T(s, 'squareAvg').mul_(a).add_(d.mul(d).mul(1 - a));
    let avg: Tensor;
    if (g.centered) {
      T(s, 'gradAvg').mul_(a).add_(d.mul(1 - a));         // torch: lerp_(grad, 1 - alpha)
      avg = T(s, 'squareAvg').sub(T(s, 'gradAvg').square()).sqrt().add(n(g, 'eps'));
    } else avg = T(s, 'squareAvg').sqrt().add(n(g, 'eps'));
    if (mom > 0) {
      T(s, 'momentumBuffer').mul_(mom).add_(d.div(avg));
      p.sub_(T(s, 'momentumBuffer').mul(n(g, 'lr')));
    } else p.sub_(d.div(avg).mul(n(g, 'lr')));
    s.step = step;
  }
}

export interface AdagradOptions { lr?: number; lrDecay?: number; weightDecay?: number; initialAccumulatorValue?: number; eps?: number; maximize?: boolean }
export class Adagrad extends Optimizer {
  constructor(params: Params, o: AdagradOptions = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...optionsArg(new.target.name, o) } as Hyper);
  }
  protected validate(g: Hyper): void {
    super.validate(g);
    this.checkHyper(g, 'lrDecay', 'lr_decay value');
    this.checkHyper(g, 'initialAccumulatorValue', 'initial_accumulator_value value');
  }
  protected update(p: Tensor, grad: Tensor, s: S, g: Hyper): void {
    let d = g.maximize ? grad.neg() : grad;
    if (s.step === undefined) { s.step = 0; s.sum = this.buf(p, n(g, 'initialAccumulatorValue')); }
    const step = (s.step as number) + 1;  // committed after the update, as Adam's
    if (p.isContiguous()) {  // the fused native step (the in-place ops below are its reference)
      adagradStep_(p, grad.contiguous(), T(s, 'sum'), { lr: n(g, 'lr'), lrDecay: n(g, 'lrDecay'), eps: n(g, 'eps'),
        weightDecay: n(g, 'weightDecay'), step, maximize: !!g.maximize });
      s.step = step;
      return;
    }
    if (n(g, 'weightDecay') !== 0) d = d.add(p.mul(n(g, 'weightDecay')));
    const clr = n(g, 'lr') / (1 + (step - 1) * n(g, 'lrDecay'));
    T(s, 'sum').add_(d.mul(d));
    p.sub_(d.div(T(s, 'sum').sqrt().add(n(g, 'eps'))).mul(clr));
    s.step = step;
  }
}
