// Denoising diffusion: noise schedules (linear, Ho et al. 2020; cosine, Nichol & Dhariwal 2021), the
// DDPM training loss (predict the added noise), ancestral DDPM sampling, DDIM sampling with fewer steps
// (Song et al. 2021), and classifier-free guidance (Ho & Salimans 2022) for class-conditional models.
import type { Tensor } from '../tensor';
import { tensor, randn, randint, rand, full } from '../creation';
import { cat, where } from '../functional';
import { noGrad } from '../autograd/engine';
import { tidy, keep } from '../memory';
import { showValue, tensorArg } from '../args';
import * as F from '../nn/functional';

export interface ScheduleOptions {
  kind?: 'linear' | 'cosine';
  /** linear: β_1 and β_T (DDPM's 1e-4 and 0.02). */
  betaStart?: number; betaEnd?: number;
  /** cosine: the offset s (0.008). */
  s?: number;
}

/** The constants of a T-step forward process, in float64, indexed by step t = 0..T-1. */
export class NoiseSchedule {
  readonly steps: number;
  readonly kind: 'linear' | 'cosine';
  readonly betas: Float64Array; readonly alphas: Float64Array; readonly alphasCumprod: Float64Array; readonly alphasCumprodPrev: Float64Array;
  readonly sqrtAlphasCumprod: Float64Array; readonly sqrtOneMinusAlphasCumprod: Float64Array;
  /** q(x_{t-1} | x_t, x_0)'s variance β̃_t = β_t (1 - ᾱ_{t-1}) / (1 - ᾱ_t), its log clipped at t = 0 to β̃_1's, and its mean's coefficients. */
  readonly posteriorVariance: Float64Array; readonly posteriorLogVarianceClipped: Float64Array;
  readonly posteriorMeanCoef1: Float64Array; readonly posteriorMeanCoef2: Float64Array;
  constructor(steps: number, o: ScheduleOptions = {}) {
    if (!Number.isSafeInteger(steps) || steps < 1) throw new Error(`NoiseSchedule: steps must be a positive integer, got ${showValue(steps)}`);
    const kind = o.kind ?? 'linear';
    if (kind !== 'linear' && kind !== 'cosine') throw new Error(`NoiseSchedule: kind must be 'linear' or 'cosine', got ${showValue(kind)}`);
    this.steps = steps; this.kind = kind;
    const b = new Float64Array(steps);
    if (kind === 'linear') {
      const b0 = o.betaStart ?? 1e-4, b1 = o.betaEnd ?? 0.02;
      if (!(b0 > 0 && b1 < 1 && b0 <= b1)) throw new Error(`NoiseSchedule: need 0 < betaStart <= betaEnd < 1, got ${b0} and ${b1}`);
      for (let i = 0; i < steps; i++) b[i] = steps === 1 ? b0 : b0 + ((b1 - b0) * i) / (steps - 1);
    } else {
      const s = o.s ?? 0.008;
      const f = (t: number) => Math.cos(((t / steps + s) / (1 + s)) * (Math.PI / 2)) ** 2;
      for (let i = 0; i < steps; i++) b[i] = Math.min(1 - f(i + 1) / f(i), 0.999);
    }
    const n = steps;
    const a = b.map((x) => 1 - x), ac = new Float64Array(n), acp = new Float64Array(n);
    for (let i = 0; i < n; i++) { ac[i] = (i ? ac[i - 1] : 1) * a[i]; acp[i] = i ? ac[i - 1] : 1; }
    this.betas = b; this.alphas = a; this.alphasCumprod = ac; this.alphasCumprodPrev = acp;
    this.sqrtAlphasCumprod = ac.map(Math.sqrt); this.sqrtOneMinusAlphasCumprod = ac.map((x) => Math.sqrt(1 - x));
    this.posteriorVariance = b.map((x, i) => (x * (1 - acp[i])) / (1 - ac[i]));
    const pv = this.posteriorVariance;
    this.posteriorLogVarianceClipped = pv.map((x, i) => Math.log(i === 0 ? (n > 1 ? pv[1] : x) : x));
    this.posteriorMeanCoef1 = b.map((x, i) => (x * Math.sqrt(acp[i])) / (1 - ac[i]));
    this.posteriorMeanCoef2 = a.map((x, i) => ((1 - acp[i]) * Math.sqrt(x)) / (1 - ac[i]));
  }
}

/** Something that predicts noise: `(x, t, y?) => ε̂` (a UNet). */
export interface NoisePredictor { forward(x: Tensor, t: Tensor, y?: Tensor | null): Tensor; numClasses?: number | null; train(mode?: boolean): unknown; eval(): unknown }

export interface SampleOptions {
  /** Class labels, one per image (class-conditional models). */
  labels?: number[] | Tensor;
  /** Classifier-free guidance weight w: ε = ε_uncond + w (ε_cond − ε_uncond); 1 is plain conditioning. */
  guidanceScale?: number;
  /** DDIM: the number of denoising steps (evenly spaced, leading) and η (0: deterministic). */
  steps?: number; eta?: number;
  /** DDIM: clamp each step's x̂0 to [-1, 1] and re-derive ε̂ from it (guided-diffusion's `clip_denoised`, diffusers'
   * `clip_sample` with `use_clipped_model_output`). Default false; ancestral `sample` always clamps. */
  clipDenoised?: boolean;
  /** The starting noise x_T [n, C, H, W] (drawn from N(0, I) when absent). */
  xT?: Tensor;
}

const per = (v: Float64Array, t: Tensor, dtype: string): Tensor =>
  tensor(Array.from(t.data() as BigInt64Array, (i) => v[Number(i)]), { dtype: dtype as 'float32' }).reshape([-1, 1, 1, 1]);

/**
 * A model and a schedule: `loss(x0, y?)` to train, `sample(n, shape)` / `sampleDdim(n, shape)` to generate.
 * Images are in [-1, 1].
 * ```ts
 * const d = new models.GaussianDiffusion(new models.UNet({ numClasses: 10 }), new models.NoiseSchedule(1000));
 * d.loss(x0, labels).backward();
 * const imgs = d.sampleDdim(16, [1, 28, 28], { steps: 50, labels: [...], guidanceScale: 2 });
 * ```
 */
export class GaussianDiffusion {
  constructor(readonly model: NoisePredictor, readonly schedule: NoiseSchedule) {
    if (!(schedule instanceof NoiseSchedule)) throw new Error(`GaussianDiffusion: schedule must be a NoiseSchedule, got ${showValue(schedule)}`);
  }
  private get classes(): number | null { return this.model.numClasses ?? null; }

  private checkImages(op: string, x0: Tensor): void {
    tensorArg(op, 'x0', x0);
    if (x0.ndim !== 4) throw new Error(`${op}: expected images [N, C, H, W], got [${x0.shape.join(', ')}]`);
    const [lo, hi] = noGrad(() => tidy(() => [x0.min().item() as number, x0.max().item() as number]));
    if (!(lo >= -1 - 1e-4 && hi <= 1 + 1e-4)) throw new Error(`${op}: images must be scaled to [-1, 1], got values in [${lo}, ${hi}]`);
  }
  private labels(op: string, n: number, y: number[] | Tensor | null | undefined): Tensor | null {
    const k = this.classes;
    if (k === null) {
      if (y != null) throw new Error(`${op}: the model is unconditional, but labels were given`);
      return null;
    }
    if (y == null) throw new Error(`${op}: the model is class-conditional: give ${n} labels in [0, ${k})`);
    const t = Array.isArray(y) ? tensor(y.map((v) => BigInt(Math.trunc(v))), { dtype: 'int64' }) : tensorArg(op, 'labels', y).to('int64');
    if (t.ndim !== 1 || t.shape[0] !== n) throw new Error(`${op}: expected ${n} labels, got shape [${t.shape.join(', ')}]`);
    const vals = Array.from(t.data() as BigInt64Array, Number);
    const bad = vals.find((v, i) => v < 0 || v >= k || (Array.isArray(y) && !Number.isInteger(y[i])));
    if (bad !== undefined) throw new Error(`${op}: a class label is out of range: ${bad} (the model has classes 0..${k - 1})`);
    return t;
  }

  /** x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε. */
  qSample(x0: Tensor, t: Tensor, noise: Tensor): Tensor {
    return per(this.schedule.sqrtAlphasCumprod, t, x0.dtype).mul(x0).add(per(this.schedule.sqrtOneMinusAlphasCumprod, t, x0.dtype).mul(noise));
  }

  /** The simple DDPM loss: MSE between the noise added at a uniform random step and the model's prediction. With
   * labels, each is replaced by the null class with probability `pUncond` (trains the unconditional model CFG needs). */
  loss(x0: Tensor, y?: number[] | Tensor | null, o: { pUncond?: number } = {}): Tensor {
    const op = 'GaussianDiffusion.loss';
    this.checkImages(op, x0);
    const n = x0.shape[0];
    let labels = this.labels(op, n, y);
    const t = randint(0, this.schedule.steps, [n], { dtype: 'int64' });
    const noise = randn([...x0.shape], { dtype: x0.dtype as 'float32' });
    const p = o.pUncond ?? 0.1;
    if (labels && p > 0) labels = where(rand([n]).lt(p), full([n], this.classes!, { dtype: 'int64' }), labels);
    return F.mseLoss(this.model.forward(this.qSample(x0, t, noise), t, labels), noise);
  }

  /** ε̂ at step t for a batch, with classifier-free guidance when labels and a scale are given. */
  private eps(x: Tensor, step: number, labels: Tensor | null, w: number): Tensor {
    const n = x.shape[0];
    const t = full([n], step, { dtype: 'int64' });
    if (!labels || w === 1) return this.model.forward(x, t, labels);
    // one forward over [cond; uncond]
    const both = this.model.forward(cat([x, x], 0), cat([t, t], 0), cat([labels, full([n], this.classes!, { dtype: 'int64' })], 0));
    const c = both.narrow(0, 0, n), u = both.narrow(0, n, n);
    return u.add(c.sub(u).mul(w));
  }

  private start(op: string, n: number, shape: number[], o: SampleOptions): { labels: Tensor | null; w: number; x: Tensor } {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${op}: n must be a positive integer, got ${showValue(n)}`);
    if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isSafeInteger(d) && d > 0))
      throw new Error(`${op}: shape must be [C, H, W], got ${showValue(shape)}`);
    const w = o.guidanceScale ?? 1;
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new Error(`${op}: guidanceScale must be a finite number, got ${showValue(w)}`);
    const labels = this.labels(op, n, o.labels);
    let x: Tensor;
    if (o.xT != null) {
      tensorArg(op, 'xT', o.xT);
      if (o.xT.shape.join() !== [n, ...shape].join()) throw new Error(`${op}: xT must be [${[n, ...shape].join(', ')}], got [${o.xT.shape.join(', ')}]`);
      x = o.xT.clone();
    } else x = randn([n, ...shape]);
    return { labels: labels && keep(labels), w, x };
  }

  /** Ancestral DDPM sampling through all T steps: x_{t-1} = μ̃(x_t, x̂0) + σ_t z, σ_t² = β̃_t. */
  sample(n: number, shape: number[], o: SampleOptions = {}): Tensor {
    const op = 'GaussianDiffusion.sample';
    const s = this.schedule;
    return this.loop(op, n, shape, o, Array.from({ length: s.steps }, (_, i) => s.steps - 1 - i), (x, t, eps) => {
      const x0 = x.sub(eps.mul(s.sqrtOneMinusAlphasCumprod[t])).div(s.sqrtAlphasCumprod[t]).clamp(-1, 1);
      const mean = x0.mul(s.posteriorMeanCoef1[t]).add(x.mul(s.posteriorMeanCoef2[t]));
      return t > 0 ? mean.add(randn([...x.shape]).mul(Math.sqrt(s.posteriorVariance[t]))) : mean;
    });
  }

  /** DDIM: `steps` evenly spaced steps (t_i = i·⌊T/steps⌋, as `diffusers`' "leading" spacing), η = 0 deterministic. */
  sampleDdim(n: number, shape: number[], o: SampleOptions = {}): Tensor {
    const op = 'GaussianDiffusion.sampleDdim';
    const s = this.schedule;
    const k = o.steps ?? 50, eta = o.eta ?? 0;
    if (!Number.isSafeInteger(k) || k < 1 || k > s.steps) throw new Error(`${op}: steps must be an integer in [1, ${s.steps}], got ${showValue(k)}`);
    if (!(typeof eta === 'number' && eta >= 0)) throw new Error(`${op}: eta must be a non-negative number, got ${showValue(eta)}`);
    const clip = o.clipDenoised ?? false;
    if (typeof clip !== 'boolean') throw new Error(`${op}: clipDenoised must be a boolean, got ${showValue(clip)}`);
    const ratio = Math.floor(s.steps / k);
    const ts = Array.from({ length: k }, (_, i) => (k - 1 - i) * ratio);
    return this.loop(op, n, shape, o, ts, (x, t, e) => {
      const a = s.alphasCumprod[t], ap = t - ratio >= 0 ? s.alphasCumprod[t - ratio] : 1;
      let x0 = x.sub(e.mul(Math.sqrt(1 - a))).div(Math.sqrt(a)), eps = e;
      // clamped x̂0 and the ε̂ that, with x_t, implies it (so both DDIM terms agree)
      if (clip) { x0 = x0.clamp(-1, 1); eps = x.sub(x0.mul(Math.sqrt(a))).div(Math.sqrt(1 - a)); }
      const sigma = eta * Math.sqrt((1 - ap) / (1 - a)) * Math.sqrt(1 - a / ap);
      const dir = eps.mul(Math.sqrt(Math.max(0, 1 - ap - sigma * sigma)));
      const next = x0.mul(Math.sqrt(ap)).add(dir);
      return sigma > 0 ? next.add(randn([...x.shape]).mul(sigma)) : next;
    });
  }

  private loop(op: string, n: number, shape: number[], o: SampleOptions, ts: number[], step: (x: Tensor, t: number, eps: Tensor) => Tensor): Tensor {
    const wasTraining = (this.model as { training?: boolean }).training ?? false;
    this.model.eval();
    try {
      return noGrad(() => {
        const st = this.start(op, n, shape, o);
        let x = st.x;
        for (const t of ts) {
          const prev = x;
          x = tidy(() => step(prev, t, this.eps(prev, t, st.labels, st.w)));
          prev.dispose();
        }
        st.labels?.dispose();
        return x;
      });
    } finally {
      if (wasTraining) this.model.train();
    }
  }
}
