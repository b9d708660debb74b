// Samplers: where the next trial looks. Grid and random search, and the Tree-structured Parzen
// Estimator (Bergstra et al., NeurIPS 2011; defaults and bandwidth rule as optuna's univariate TPE,
// Watanabe 2023, "Tree-structured Parzen estimator: understanding its algorithm components").
import { Generator } from '../data/random';
import { type Space, type Param, type Config, sampleParam, gridValues } from './space';

/** A finished or running trial as samplers and pruners see it. */
export interface TrialRecord {
  index: number; config: Config; state: 'complete' | 'pruned' | 'failed' | 'running';
  value?: number; intermediate: Map<number, number>; seconds?: number; error?: string;
}
export type Direction = 'minimize' | 'maximize';

/** Suggests trial `index`'s configuration from the trials before it (only finished ones are given). */
export interface Sampler {
  readonly name: string;
  suggest(space: Space, history: readonly TrialRecord[], g: Generator, index: number, direction: Direction): Config;
  /** The number of trials the sampler can produce, when finite (grid search). */
  size?(space: Space): number;
}

export class RandomSampler implements Sampler {
  readonly name = 'random';
  suggest(space: Space, _h: readonly TrialRecord[], g: Generator): Config {
    return Object.fromEntries(Object.entries(space).map(([k, p]) => [k, sampleParam(p, g)]));
  }
}

/** Visits the cartesian product of each parameter's values in order (the last parameter fastest,
 * as sklearn's ParameterGrid); continuous parameters get `pointsPerAxis` evenly spaced values. */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  constructor(readonly pointsPerAxis = 5) {}
  private axes(space: Space): [string, unknown[]][] { return Object.entries(space).map(([k, p]) => [k, gridValues(k, p, this.pointsPerAxis)]); }
  size(space: Space): number { return this.axes(space).reduce((a, [, v]) => a * v.length, 1); }
  suggest(space: Space, _h: readonly TrialRecord[], _g: Generator, index: number): Config {
    const axes = this.axes(space);
    const out: Config = {};
    let rest = index;
    for (let i = axes.length - 1; i >= 0; i--) {
      const [k, vals] = axes[i];
      out[k] = vals[rest % vals.length];
      rest = Math.floor(rest / vals.length);
    }
    return Object.fromEntries(axes.map(([k]) => [k, out[k]]));
  }
}

export interface TPEOptions { nStartupTrials?: number; nEiCandidates?: number; priorWeight?: number }

// --- numerics: the normal distribution's log-density and CDF (erf by Abramowitz-Stegun 7.1.26, |err| < 1.5e-7)
const erf = (x: number): number => {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
};
const ncdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));
const logsumexp = (v: number[]): number => { const m = Math.max(...v); return m === -Infinity ? m : m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0)); };

/** One dimension of every kernel: a normal truncated to [low, high] (log-density and draws in the modelled space). */
class TruncNormals {
  private readonly logZ: number[];
  constructor(readonly mus: number[], readonly sigmas: number[], readonly low: number, readonly high: number) {
    this.logZ = mus.map((m, i) => Math.log(Math.max(1e-300, ncdf((high - m) / sigmas[i]) - ncdf((low - m) / sigmas[i]))));
  }
  logPdf(k: number, x: number): number {
    const z = (x - this.mus[k]) / this.sigmas[k];
    return -0.5 * z * z - Math.log(this.sigmas[k] * Math.sqrt(2 * Math.PI)) - this.logZ[k];
  }
  sample(k: number, g: Generator): number {
    for (let tries = 0; tries < 100; tries++) {
      const x = this.mus[k] + this.sigmas[k] * gauss(g);
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, this.mus[k]));
  }
}
/** One categorical dimension of every kernel: a row of probabilities per kernel. */
class Categoricals {
  constructor(readonly rows: number[][]) {}
  logPdf(k: number, x: number): number { return Math.log(this.rows[k][x]); }
  sample(k: number, g: Generator): number { return pick(this.rows[k], g); }
}
type Dim = TruncNormals | Categoricals;

/** A mixture of product kernels, one per observation plus the prior's (multivariate TPE). */
class Parzen {
  constructor(readonly weights: number[], readonly dims: Dim[]) {}
  logPdf(x: number[]): number {
    return logsumexp(this.weights.map((w, k) => Math.log(w) + this.dims.reduce((a, d, j) => a + d.logPdf(k, x[j]), 0)));
  }
  sample(g: Generator): number[] {
    const k = pick(this.weights, g);
    return this.dims.map((d) => d.sample(k, g));
  }
}
const pick = (w: number[], g: Generator): number => {
  let u = g.next() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < w.length; i++) { u -= w[i]; if (u < 0) return i; }
  return w.length - 1;
};
const gauss = (g: Generator): number => Math.sqrt(-2 * Math.log(1 - g.next())) * Math.cos(2 * Math.PI * g.next());

/** optuna's default_weights: equal below 25 observations, then older ones ramp down from 1/n. */
function rampWeights(n: number): number[] {
  if (n < 25) return new Array(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (n - 26)));
  return [...ramp, ...new Array(25).fill(1)];
}

/** The transformed interval a numeric parameter is modelled on (log scale, integers widened by half a step). */
function interval(p: Exclude<Param, { kind: 'choice' }>): { low: number; high: number; to: (v: number) => number; from: (x: number) => number } {
  if (p.kind === 'uniform') return { low: p.low, high: p.high, to: (v) => v, from: (x) => x };
  if (p.kind === 'logUniform') return { low: Math.log(p.low), high: Math.log(p.high), to: Math.log, from: Math.exp };
  const clamp = (v: number) => Math.min(p.high, Math.max(p.low, Math.round(v)));
  return p.log
    ? { low: Math.log(p.low - 0.5), high: Math.log(p.high + 0.5), to: Math.log, from: (x) => clamp(Math.exp(x)) }
    : { low: p.low - 0.5, high: p.high + 0.5, to: (v) => v, from: clamp };
}

/** Kernel centres at the observations plus the prior's at the middle; each observation's bandwidth is the larger
 * gap to a neighbour (the ends use their inner gap), clipped to [range / min(100, 1 + kernels), range] (the
 * "magic clip"); the prior's is the whole range. */
function numericDim(obs: number[], low: number, high: number): TruncNormals {
  const order = obs.map((_, i) => i).sort((a, b) => obs[a] - obs[b]);
  const e = [low, ...order.map((i) => obs[i]), high];
  const sorted = order.map((_, j) => Math.max(e[j + 1] - e[j], e[j + 2] - e[j + 1]));
  if (e.length >= 4) { sorted[0] = e[2] - e[1]; sorted[sorted.length - 1] = e[e.length - 2] - e[e.length - 3]; }
  const sig = new Array<number>(obs.length);
  order.forEach((idx, j) => { sig[idx] = sorted[j]; });
  const range = high - low, minS = range / Math.min(100, 2 + obs.length);
  return new TruncNormals([...obs, 0.5 * (low + high)], [...sig.map((v) => Math.min(range, Math.max(minS, v))), range], low, high);
}

/** Categorical kernels: each observation's row puts priorWeight/kernels on every value and 1 more on its own. */
function categoricalDim(obs: number[], nValues: number, priorWeight: number): Categoricals {
  const base = priorWeight / (obs.length + 1);
  const rows = [...obs, -1].map((o) => {
    const r = Array.from({ length: nValues }, (_, c) => base + (c === o ? 1 : 0));
    const sum = r.reduce((a, b) => a + b, 0);
    return r.map((v) => v / sum);
  });
  return new Categoricals(rows);
}

/**
 * Tree-structured Parzen Estimator: after `nStartupTrials` random trials, the finished trials are
 * split into the best γ(n) = min(⌈0.1 n⌉, 25) ("below") and the rest; each parameter gets a Parzen
 * density l(x) over the good ones and g(x) over the rest, and the next value is the one of
 * `nEiCandidates` draws from l that maximizes l(x)/g(x) (which maximizes expected improvement).
 */
export class TPESampler implements Sampler {
  readonly name = 'tpe';
  readonly nStartupTrials: number; readonly nEiCandidates: number; readonly priorWeight: number;
  private readonly random = new RandomSampler();
  constructor(o: TPEOptions = {}) {
    this.nStartupTrials = o.nStartupTrials ?? 10; this.nEiCandidates = o.nEiCandidates ?? 24; this.priorWeight = o.priorWeight ?? 1;
  }
  suggest(space: Space, history: readonly TrialRecord[], g: Generator, index: number, direction: Direction): Config {
    const done = history.filter((t) => t.state === 'complete' && Number.isFinite(t.value));
    if (done.length < this.nStartupTrials) return this.random.suggest(space, history, g);
    const sign = direction === 'minimize' ? 1 : -1;
    const ranked = [...done].sort((a, b) => sign * (a.value! - b.value!) || a.index - b.index);
    const nBelow = Math.min(Math.ceil(0.1 * history.filter((t) => t.state !== 'running').length), 25);
    // pruned, failed and running trials (this wave's, as optuna's constant liar) count as bad; each group is
    // taken in trial order, since the weights ramp by age
    const below = ranked.slice(0, nBelow).sort((a, b) => a.index - b.index);
    const above = [...ranked.slice(nBelow), ...history.filter((t) => t.state !== 'complete' && t.state !== 'failed')].sort((a, b) => a.index - b.index);
    const entries = Object.entries(space);
    const encode = (t: TrialRecord): number[] => entries.map(([n, p]) => (p.kind === 'choice' ? p.values.indexOf(t.config[n]) : interval(p).to(t.config[n] as number)));
    const parzen = (ts: TrialRecord[]): Parzen => {
      const obs = ts.map(encode);
      const w = ts.length === 0 ? [1] : [...rampWeights(ts.length), this.priorWeight];
      const tot = w.reduce((a, b) => a + b, 0);
      const dims = entries.map(([, p], j) => {
        const col = obs.map((o) => o[j]);
        if (p.kind === 'choice') return categoricalDim(col, p.values.length, this.priorWeight);
        const iv = interval(p);
        return numericDim(col, iv.low, iv.high);
      });
      return new Parzen(w.map((v) => v / tot), ts.length === 0 ? dims.map(priorOnly) : dims);
    };
    const l = parzen(below), gg = parzen(above);
    let best = -Infinity, bestX: number[] = [];
    for (let c = 0; c < this.nEiCandidates; c++) {
      const x = l.sample(g), score = l.logPdf(x) - gg.logPdf(x);
      if (score > best || c === 0) { best = score; bestX = x; }
    }
    return Object.fromEntries(entries.map(([n, p], j) => [n, p.kind === 'choice' ? p.values[bestX[j]] : interval(p).from(bestX[j])]));
  }
}
/** With no observations the mixture is the prior alone: keep only its kernel (the last). */
const priorOnly = (d: Dim): Dim => d instanceof TruncNormals
  ? new TruncNormals([d.mus[d.mus.length - 1]], [d.sigmas[d.sigmas.length - 1]], d.low, d.high)
  : new Categoricals([(d as Categoricals).rows[(d as Categoricals).rows.length - 1]]);
