// Learning-rate schedules, computed as torch.optim.lr_scheduler computes them (the
// recursive forms where torch uses them, so the float sequences agree).
import type { Optimizer } from './optimizer';
import { showValue } from '../args';

// Option checks: torch raises ValueError for some of these and ZeroDivisionError or NaN lrs
// for the rest (tMax 0); here every one is a named Error at construction.
const finite = (op: string, what: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${op}: ${what} must be a finite number, got ${showValue(v)}`);
  return v;
};
const posInt = (op: string, what: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${op}: ${what} must be a positive integer, got ${showValue(v)}`);
  return v;
};
const nonNegInt = (op: string, what: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${op}: ${what} must be a non-negative integer, got ${showValue(v)}`);
  return v;
};
const oneOf = (op: string, what: string, v: unknown, allowed: string[]): void => {
  if (v !== undefined && !allowed.includes(v as string))
    throw new Error(`${op}: ${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${showValue(v)}`);
};
/** A scheduler's optimizer and options object, checked before either is read. */
const schedArgs = (op: string, opt: unknown, o: unknown): void => {
  if (opt === null || typeof opt !== 'object' || !Array.isArray((opt as Optimizer).paramGroups))
    throw new Error(`${op}: optimizer must be an Optimizer, got ${showValue(opt)}`);
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error(`${op}: options must be an object, got ${showValue(o)}`);
};
/** A metric passed to step(): a number (NaN and infinities are values: they never improve). */
export const metricArg = (op: string, v: unknown): number => {
  if (typeof v !== 'number') throw new Error(`${op}: metric must be a number (a loss tensor's .item()), got ${showValue(v)}`);
  return v;
};

/** Base: holds the optimizer, the epoch counter and the last lrs; step() advances one epoch. */
export abstract class LRScheduler {
  lastEpoch = 0;
  readonly baseLrs: number[];
  protected lastLr: number[];
  constructor(readonly optimizer: Optimizer) {
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr as number;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastLr = this.lrs();
  }
  protected get groups() { return this.optimizer.paramGroups; }
  /** The lrs for the current lastEpoch (torch's get_lr: may read the groups' current lr). */
  protected abstract compute(): number[];
  step(): void {
    this.lastEpoch++;
    let lrs: number[];
    try { lrs = this.compute(); } catch (e) { this.lastEpoch--; throw e; }  // a refused step (OneCycleLR past its end) counts no epoch
    this.groups.forEach((g, i) => { g.lr = lrs[i]; });
    this.lastLr = this.lrs();
  }
  getLastLr(): number[] { return [...this.lastLr]; }
  /** @internal Restarts at epoch 0 with the closed-form lrs there (torch's step(0), used by SequentialLR). */
  _restart(): void {
    this.lastEpoch = 0;
    const lrs = this.startLrs();
    this.groups.forEach((g, i) => { g.lr = lrs[i]; });
    this.lastLr = this.lrs();
  }
  protected startLrs(): number[] { return [...this.baseLrs]; }
  protected lrs(): number[] { return this.groups.map((g) => g.lr as number); }
  stateDict(): Record<string, unknown> { return { lastEpoch: this.lastEpoch, lastLr: [...this.lastLr] }; }
  loadStateDict(s: Record<string, unknown>): void {
    if (s === null || typeof s !== 'object' || !Number.isSafeInteger(s.lastEpoch) || !Array.isArray(s.lastLr))
      throw new Error(`${this.constructor.name}.loadStateDict: expected { lastEpoch, lastLr } from stateDict(), got ${showValue(s)}`);
    this.lastEpoch = s.lastEpoch as number; this.lastLr = [...(s.lastLr as number[])]; }
}

/** lr × gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  constructor(opt: Optimizer, readonly o: { stepSize: number; gamma?: number }) {
    schedArgs('StepLR', opt, o);
    posInt('StepLR', 'stepSize', o.stepSize);
    finite('StepLR', 'gamma', o.gamma ?? 0.1);
    super(opt);
  }
  protected compute(): number[] {
    const g = this.o.gamma ?? 0.1;
    return this.lrs().map((lr) => (this.lastEpoch === 0 || this.lastEpoch % this.o.stepSize !== 0 ? lr : lr * g));
  }
}
/** lr × gamma at each milestone epoch. */
export class MultiStepLR extends LRScheduler {
  constructor(opt: Optimizer, readonly o: { milestones: number[]; gamma?: number }) {
    schedArgs('MultiStepLR', opt, o);
    if (!Array.isArray(o.milestones)) throw new Error(`MultiStepLR: milestones must be an array of epochs, got ${showValue(o.milestones)}`);
    o.milestones.forEach((m) => nonNegInt('MultiStepLR', 'each milestone', m));
    finite('MultiStepLR', 'gamma', o.gamma ?? 0.1);
    super(opt);
  }
  protected compute(): number[] {
    const hits = this.o.milestones.filter((m) => m === this.lastEpoch).length;
    return this.lrs().map((lr) => lr * (this.o.gamma ?? 0.1) ** hits);
  }
}
export class ExponentialLR extends LRScheduler {
  constructor(opt: Optimizer, readonly o: { gamma: number }) { schedArgs('ExponentialLR', opt, o); finite('ExponentialLR', 'gamma', o.gamma); super(opt); }
  protected compute(): number[] { return this.lrs().map((lr) => (this.lastEpoch === 0 ? lr : lr * this.o.gamma)); }
}
/** Cosine annealing from the base lr to etaMin over tMax epochs (torch's recursive form). */
export class CosineAnnealingLR extends LRScheduler {
  constructor(opt: Optimizer, readonly o: { tMax: number; etaMin?: number }) {
    schedArgs('CosineAnnealingLR', opt, o);
    posInt('CosineAnnealingLR', 'tMax', o.tMax);  // tMax 0 divides by zero: every lr NaN
    finite('CosineAnnealingLR', 'etaMin', o.etaMin ?? 0);
    super(opt);
  }
  protected compute(): number[] {
    const e = this.lastEpoch, T = this.o.tMax, m = this.o.etaMin ?? 0;
    return this.lrs().map((lr, i) => {
      const base = this.baseLrs[i];
      if (e === 0) return lr;
      if ((e - 1 - T) % (2 * T) === 0) return lr + (base - m) * (1 - Math.cos(Math.PI / T)) / 2;
      return (1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T)) * (lr - m) + m;
    });
  }
}
/** Linear warm-up (or decay) of the lr factor from startFactor to endFactor over totalIters. */
export class LinearLR extends LRScheduler {
  readonly s: number; readonly e: number; readonly n: number;
  constructor(opt: Optimizer, o: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    schedArgs('LinearLR', opt, o);
    const s = o.startFactor ?? 1 / 3, e = o.endFactor ?? 1;
    if (!(typeof s === 'number' && s > 0 && s <= 1)) throw new Error(`LinearLR: startFactor expected greater than 0 and less or equal to 1, got ${showValue(s)}`);
    if (!(typeof e === 'number' && e >= 0 && e <= 1)) throw new Error(`LinearLR: endFactor expected to be between 0 and 1, got ${showValue(e)}`);
    posInt('LinearLR', 'totalIters', o.totalIters ?? 5);
    for (const g of opt.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr as number;
    for (const g of opt.paramGroups) g.lr = (g.initialLr as number) * s;  // torch applies the start factor at construction
    super(opt);
    this.s = s; this.e = e; this.n = o.totalIters ?? 5;
  }
  protected startLrs(): number[] { return this.baseLrs.map((b) => b * this.s); }
  protected compute(): number[] {
    const t = this.lastEpoch;
    if (t === 0) return this.lrs().map((lr) => lr * this.s);
    if (t > this.n) return this.lrs();
    return this.lrs().map((lr) => lr * (1 + (this.e - this.s) / (this.n * this.s + (t - 1) * (this.e - this.s))));
  }
}
/** The 1cycle policy: warm up to maxLr, anneal to maxLr/(divFactor·finalDivFactor).
 * NOTE: the lr schedule only; torch's momentum cycling (cycle_momentum) is not applied. */
export class OneCycleLR extends LRScheduler {
  private phases: { end: number; from: string; to: string }[] = [];
  constructor(opt: Optimizer, readonly o: { maxLr: number | number[]; totalSteps: number; pctStart?: number; annealStrategy?: 'cos' | 'linear';
    divFactor?: number; finalDivFactor?: number; threePhase?: boolean }) {
    const op = 'OneCycleLR';
    schedArgs(op, opt, o);
    if (Array.isArray(o.maxLr) && o.maxLr.length !== opt.paramGroups.length)
      throw new Error(`${op}: expected ${opt.paramGroups.length} values for maxLr, got ${o.maxLr.length}`);
    const maxLrs = opt.paramGroups.map((_, i) => (Array.isArray(o.maxLr) ? o.maxLr[i] : o.maxLr));
    maxLrs.forEach((m) => { if (!(finite(op, 'maxLr', m) >= 0)) throw new Error(`${op}: maxLr must be non-negative, got ${m}`); });
    const div = o.divFactor ?? 25, fdiv = o.finalDivFactor ?? 1e4;
    if (!(finite(op, 'divFactor', div) > 0) || !(finite(op, 'finalDivFactor', fdiv) > 0))
      throw new Error(`${op}: divFactor and finalDivFactor must be positive, got ${div} and ${fdiv}`);
    posInt(op, 'totalSteps', o.totalSteps);
    const pct0 = o.pctStart ?? 0.3;
    if (!(typeof pct0 === 'number' && pct0 >= 0 && pct0 <= 1)) throw new Error(`${op}: expected a float between 0 and 1 for pctStart, got ${showValue(pct0)}`);
    oneOf(op, 'annealStrategy', o.annealStrategy, ['cos', 'linear']);
    const T = o.totalSteps, pct = pct0;
    const phases = o.threePhase
      ? [{ end: pct * T - 1, from: 'initialLr', to: 'maxLr' }, { end: 2 * pct * T - 2, from: 'maxLr', to: 'initialLr' }, { end: T - 1, from: 'initialLr', to: 'minLr' }]
      : [{ end: pct * T - 1, from: 'initialLr', to: 'maxLr' }, { end: T - 1, from: 'maxLr', to: 'minLr' }];
    // a phase of zero length divides 0 by 0 (torch: ZeroDivisionError): NaN lrs. Checked, like
    // everything above, before the groups are touched, so a refused scheduler changes nothing
    phases.forEach((ph, i) => {
      const start = i === 0 ? 0 : phases[i - 1].end;
      if (ph.end === start) throw new Error(`${op}: phase ${i + 1} of the schedule has zero length (totalSteps ${T}, pctStart ${pct}); change either`);
    });
    opt.paramGroups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / div; g.maxLr = maxLrs[i]; g.minLr = (maxLrs[i] / div) / fdiv; g.lr = g.initialLr;
    });
    super(opt);
    this.phases = phases;
  }
  private anneal(a: number, b: number, pct: number): number {
    return this.o.annealStrategy === 'linear' ? (b - a) * pct + a : b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1);
  }
  protected compute(): number[] {
    const step = this.lastEpoch;
    if (step > this.o.totalSteps) throw new Error(`OneCycleLR: tried to step ${step} times; the total number of steps is ${this.o.totalSteps}`);
    return this.groups.map((g) => {
      let start = 0, lr = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (step <= ph.end || i === this.phases.length - 1) {
          lr = this.anneal(g[ph.from] as number, g[ph.to] as number, (step - start) / (ph.end - start));
          break;
        }
        start = ph.end;
      }
      return lr;
    });
  }
}
/** Runs schedulers one after another, switching at the milestones. */
export class SequentialLR extends LRScheduler {
  constructor(opt: Optimizer, readonly o: { schedulers: LRScheduler[]; milestones: number[] }) {
    schedArgs('SequentialLR', opt, o);
    if (!Array.isArray(o.schedulers) || o.schedulers.length === 0) throw new Error('SequentialLR: expects at least one scheduler');
    if (!Array.isArray(o.milestones) || o.milestones.length !== o.schedulers.length - 1)
      throw new Error(`SequentialLR: expects number of schedulers provided to be one more than the number of milestone points, but got ${o.schedulers.length} schedulers and ${Array.isArray(o.milestones) ? o.milestones.length : String(o.milestones)} milestones`);
    o.milestones.forEach((m) => nonNegInt('SequentialLR', 'each milestone', m));
    o.schedulers.forEach((sc, i) => {
      if (!(sc instanceof LRScheduler)) throw new Error(`SequentialLR: scheduler ${i} must be an LRScheduler, got ${showValue(sc)}`);
      if (sc.optimizer !== opt) throw new Error(`SequentialLR: scheduler ${i} belongs to another optimizer than the one given`);
    });
    super(opt);
    // torch resets the groups to the first scheduler's start
    opt.paramGroups.forEach((g, i) => { g.lr = this.baseLrs[i]; });
    for (const s of o.schedulers) s.lastEpoch -= 1;
    o.schedulers[0].step();
    this.lastLr = o.schedulers[0].getLastLr();
  }
  protected compute(): number[] { return this.lrs(); }
  step(): void {
    this.lastEpoch++;
    const idx = this.o.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.o.schedulers[idx];
    try {
      if (idx > 0 && this.o.milestones[idx - 1] === this.lastEpoch) s._restart(); else s.step();
    } catch (e) { this.lastEpoch--; throw e; }
    this.lastLr = s.getLastLr();
  }
}
/** Multiplies the lr by factor when a metric stops improving for `patience` epochs. */
export class ReduceLROnPlateau {
  private best: number;
  private badEpochs = 0;
  private cooldownCounter = 0;
  lastEpoch = 0;
  constructor(readonly optimizer: Optimizer, readonly o: { mode?: 'min' | 'max'; factor?: number; patience?: number; threshold?: number;
    thresholdMode?: 'rel' | 'abs'; cooldown?: number; minLr?: number | number[]; eps?: number } = {}) {
    schedArgs('ReduceLROnPlateau', optimizer, o);
    const op = 'ReduceLROnPlateau', f = o.factor ?? 0.1;
    if (!(typeof f === 'number' && f >= 0 && f < 1)) throw new Error(`${op}: factor should be >= 0 and < 1.0, got ${showValue(f)}`);
    oneOf(op, 'mode', o.mode, ['min', 'max']);
    oneOf(op, 'thresholdMode', o.thresholdMode, ['rel', 'abs']);
    nonNegInt(op, 'patience', o.patience ?? 10);
    nonNegInt(op, 'cooldown', o.cooldown ?? 0);
    if (!(finite(op, 'threshold', o.threshold ?? 1e-4) >= 0)) throw new Error(`${op}: threshold must be non-negative, got ${o.threshold}`);
    if (!(finite(op, 'eps', o.eps ?? 1e-8) >= 0)) throw new Error(`${op}: eps must be non-negative, got ${o.eps}`);
    if (Array.isArray(o.minLr) && o.minLr.length !== optimizer.paramGroups.length)
      throw new Error(`${op}: expected ${optimizer.paramGroups.length} min_lrs, got ${o.minLr.length}`);
    (Array.isArray(o.minLr) ? o.minLr : [o.minLr ?? 0]).forEach((m) => finite(op, 'minLr', m));
    this.best = (o.mode ?? 'min') === 'min' ? Infinity : -Infinity;
  }
  private better(a: number): boolean {
    const t = this.o.threshold ?? 1e-4, rel = (this.o.thresholdMode ?? 'rel') === 'rel';
    if ((this.o.mode ?? 'min') === 'min') return rel ? a < this.best * (1 - t) : a < this.best - t;
    return rel ? a > this.best * (1 + t) : a > this.best + t;
  }
  step(metric: number): void {
    metricArg('ReduceLROnPlateau.step', metric);
    this.lastEpoch++;
    if (this.better(metric)) { this.best = metric; this.badEpochs = 0; } else this.badEpochs++;
    if (this.cooldownCounter > 0) { this.cooldownCounter--; this.badEpochs = 0; }
    if (this.badEpochs > (this.o.patience ?? 10)) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const minLr = Array.isArray(this.o.minLr) ? this.o.minLr[i] : this.o.minLr ?? 0;
        const old = g.lr as number, nu = Math.max(old * (this.o.factor ?? 0.1), minLr);
        if (old - nu > (this.o.eps ?? 1e-8)) g.lr = nu;
      });
      this.cooldownCounter = this.o.cooldown ?? 0;
      this.badEpochs = 0;
    }
  }
  getLastLr(): number[] { return this.optimizer.paramGroups.map((g) => g.lr as number); }
  /** The plateau-tracking state (torch's best, num_bad_epochs, cooldown_counter, last_epoch, _last_lr),
   * so a resumed run reduces the lr when an uninterrupted one would (io.saveCheckpoint's scheduler). */
  stateDict(): Record<string, unknown> {
    return { best: this.best, numBadEpochs: this.badEpochs, cooldownCounter: this.cooldownCounter, lastEpoch: this.lastEpoch, lastLr: this.getLastLr() };
  }
  loadStateDict(s: Record<string, unknown>): void {
    const op = 'ReduceLROnPlateau.loadStateDict';
    const n = (k: string) => typeof (s as Record<string, unknown> | null)?.[k] === 'number';
    if (s === null || typeof s !== 'object' || !n('best') || !n('numBadEpochs') || !n('cooldownCounter') || !n('lastEpoch'))
      throw new Error(`${op}: expected { best, numBadEpochs, cooldownCounter, lastEpoch } from stateDict(), got ${showValue(s)}`);
    const lr = s.lastLr;
    if (lr !== undefined && (!Array.isArray(lr) || lr.length !== this.optimizer.paramGroups.length || lr.some((v) => typeof v !== 'number')))
      throw new Error(`${op}: lastLr must be ${this.optimizer.paramGroups.length} numbers (one per param group), got ${showValue(lr)}`);
    this.best = s.best as number; this.badEpochs = s.numBadEpochs as number;
    this.cooldownCounter = s.cooldownCounter as number; this.lastEpoch = s.lastEpoch as number;
    if (Array.isArray(lr)) this.optimizer.paramGroups.forEach((g, i) => { g.lr = lr[i] as number; });
  }
}
