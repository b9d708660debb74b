// GANs for 28x28 images: the DCGAN generator and discriminator (transposed convs, batch norm,
// LeakyReLU 0.2, N(0, 0.02) init), their class-conditional forms (one-hot joined to z, label
// maps joined to the image, or a projection discriminator), and WGAN-GP's gradient penalty through
// autograd.grad(createGraph).
import { Tensor } from '../../tensor';
import { randn, rand, ones } from '../../creation';
import { cat } from '../../functional';
import * as nn from '../../nn/index';
import { grad } from '../../autograd/index';
import { oneHotLabels, noLabels, intOpt, dcganInit } from './common';

export interface GanOptions {
  /** Noise dimensions (default 100). */
  latentDim?: number;
  /** Classes of the conditional GAN (0: unconditional, the default). */
  numClasses?: number;
  /** Base width: the generator's last hidden layer / the discriminator's first (default 64). */
  width?: number;
}

abstract class Conditional extends nn.Module {
  readonly numClasses: number;
  constructor(o: GanOptions) { super(); this.numClasses = intOpt(new.target.name, 'numClasses', o.numClasses ?? 0, 0); }
  protected cond(n: number, y: Tensor | undefined): Tensor | null {
    if (this.numClasses === 0) { noLabels(this.constructor.name, y); return null; }
    return oneHotLabels(this.constructor.name, y, this.numClasses, n);
  }
}

/**
 * DCGAN's generator for 28x28: z [N, latentDim] → ConvT 7x7 to [4w, 7, 7] → ConvT 4/2/1 to [2w, 14, 14]
 * → ConvT 4/2/1 to [1, 28, 28], batch norm and ReLU between, tanh out (images in [-1, 1]).
 * ```ts
 * const g = new models.DCGANGenerator({ numClasses: 10 }); const x = g.forward(randn([64, 100]), labels);
 * ```
 */
export class DCGANGenerator extends Conditional {
  readonly latentDim: number;
  net: nn.Sequential;
  constructor(o: GanOptions = {}) {
    super(o);
    this.latentDim = intOpt('DCGANGenerator', 'latentDim', o.latentDim ?? 100, 1);
    const w = intOpt('DCGANGenerator', 'width', o.width ?? 64, 1);
    this.net = new nn.Sequential(
      new nn.ConvTranspose2d(this.latentDim + this.numClasses, 4 * w, 7, { bias: false }), new nn.BatchNorm2d(4 * w), new nn.ReLU(),
      new nn.ConvTranspose2d(4 * w, 2 * w, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(2 * w), new nn.ReLU(),
      new nn.ConvTranspose2d(2 * w, 1, 4, { stride: 2, padding: 1, bias: false }), new nn.Tanh());
    dcganInit(this);
  }
  forward(z: Tensor, y?: Tensor): Tensor {
    if (!(z instanceof Tensor) || z.isDisposed) throw new Error(`DCGANGenerator: z must be a live Tensor, got ${z instanceof Tensor ? 'a disposed tensor' : typeof z}`);
    if (z.ndim !== 2 || z.shape[1] !== this.latentDim) throw new Error(`DCGANGenerator: z must be [N, ${this.latentDim}], got [${z.shape.join(', ')}]`);
    const c = this.cond(z.shape[0], y);
    const h = c ? cat([z, c], 1) : z;
    return this.net.forward(h.reshape([h.shape[0], h.shape[1], 1, 1])) as Tensor;
  }
  /** n images in [-1, 1] from z ~ N(0, I) (the global generator: repeatable under manualSeed). */
  sample(n: number, y?: Tensor): Tensor {
    intOpt('DCGANGenerator.sample', 'n', n, 1);
    return this.forward(randn([n, this.latentDim]), y);
  }
}

export interface DiscriminatorOptions extends GanOptions {
  /** 'batch' (DCGAN, the default) or 'none' (a WGAN-GP critic: batch norm would couple the samples the penalty treats one by one). */
  norm?: 'batch' | 'none';
  /** How a conditional discriminator reads the label: 'concat' (the default: the one-hot as numClasses constant
   * input maps) or 'projection' (Miyato & Koyama 2018: logit + <embed(y), features summed over space>, with
   * embed an nn.Embedding(numClasses, 2w) drawn N(0, 0.02) like the convs, so the label term starts at the
   * unconditional logit's scale). */
  conditioning?: 'concat' | 'projection';
}

/**
 * DCGAN's discriminator for 28x28: conv 4/2/1 to [w, 14, 14], LeakyReLU 0.2, conv 4/2/1 to [2w, 7, 7],
 * batch norm, LeakyReLU 0.2, conv 7x7 to one logit per image ([N]). The conditional form reads
 * numClasses extra input channels, the label's one-hot broadcast over the image.
 */
export class DCGANDiscriminator extends Conditional {
  readonly conditioning: 'concat' | 'projection';
  net: nn.Sequential;
  /** The projection discriminator's class embedding [numClasses, 2w] (absent for 'concat'). */
  embed?: nn.Embedding;
  constructor(o: DiscriminatorOptions = {}) {
    super(o);
    const w = intOpt('DCGANDiscriminator', 'width', o.width ?? 64, 1), norm = o.norm ?? 'batch';
    if (norm !== 'batch' && norm !== 'none') throw new Error(`DCGANDiscriminator: norm must be 'batch' or 'none', got ${String(norm)}`);
    const conditioning = o.conditioning ?? 'concat';
    if (conditioning !== 'concat' && conditioning !== 'projection') throw new Error(`DCGANDiscriminator: conditioning must be 'concat' or 'projection', got ${String(conditioning)}`);
    if (conditioning === 'projection' && this.numClasses === 0) throw new Error(`DCGANDiscriminator: conditioning 'projection' needs numClasses >= 1, got 0`);
    this.conditioning = conditioning;
    const labelMaps = conditioning === 'concat' ? this.numClasses : 0;
    this.net = new nn.Sequential(
      new nn.Conv2d(1 + labelMaps, w, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),
      ...(norm === 'batch'
        ? [new nn.Conv2d(w, 2 * w, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(2 * w)]
        : [new nn.Conv2d(w, 2 * w, 4, { stride: 2, padding: 1 })]),
      new nn.LeakyReLU(0.2), new nn.Conv2d(2 * w, 1, 7), new nn.Flatten(0));
    if (conditioning === 'projection') this.embed = new nn.Embedding(this.numClasses, 2 * w);
    dcganInit(this);
    if (this.embed) nn.init.normal_(this.embed.weight, 0, 0.02);
  }
  forward(x: Tensor, y?: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`DCGANDiscriminator: images must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
    if (x.ndim !== 4 || x.shape[1] !== 1 || x.shape[2] !== 28 || x.shape[3] !== 28) throw new Error(`DCGANDiscriminator: images must be [N, 1, 28, 28], got [${x.shape.join(', ')}]`);
    const c = this.cond(x.shape[0], y);
    if (c && this.embed) {
      // features [N, 2w, 7, 7] (all but the final 7x7 conv and flatten), then both heads on them
      const mods = [...this.net.children()] as nn.Module[];
      let f = x;
      for (const m of mods.slice(0, -2)) f = m.forward(f) as Tensor;
      const logit = mods[mods.length - 1].forward(mods[mods.length - 2].forward(f) as Tensor) as Tensor;
      return logit.add((this.embed.forward(y!.long()) as Tensor).mul(f.sum([2, 3])).sum(1));
    }
    const h = c ? cat([x, c.reshape([x.shape[0], this.numClasses, 1, 1]).expand([x.shape[0], this.numClasses, 28, 28])], 1) : x;
    return this.net.forward(h) as Tensor;
  }
}

export interface GradientPenaltyOptions {
  /** The penalty's weight λ (default 10, Gulrajani et al.). */
  lambda?: number;
  /** Interpolation weights [N, 1, 1, 1] (default: uniform draws from the global generator). */
  alpha?: Tensor;
}

/**
 * WGAN-GP's penalty λ·E[(‖∇x̂ D(x̂)‖₂ − 1)²] at x̂ = α·real + (1 − α)·fake. The gradient is taken
 * with autograd.grad({ createGraph: true }), so the penalty itself differentiates to the critic's
 * parameters (and to fake when fake requires grad). critic: a Module or a function of the images.
 * ```ts
 * const gp = models.gradientPenalty(critic, real, fake.detach());
 * ```
 */
export function gradientPenalty(critic: nn.Module | ((x: Tensor) => Tensor), real: Tensor, fake: Tensor, o: GradientPenaltyOptions = {}): Tensor {
  const f = critic instanceof nn.Module ? (x: Tensor) => critic.forward(x) as Tensor : critic;
  if (typeof f !== 'function') throw new Error(`gradientPenalty: critic must be a Module or a function, got ${critic === null ? 'null' : typeof critic}`);
  for (const [what, t] of [['real', real], ['fake', fake]] as const) {
    if (!(t instanceof Tensor) || t.isDisposed) throw new Error(`gradientPenalty: ${what} must be a live Tensor, got ${t instanceof Tensor ? 'a disposed tensor' : typeof t}`);
    if (!t.isFloatingPoint() || t.ndim < 2) throw new Error(`gradientPenalty: ${what} must be a floating-point batch [N, ...], got ${t.dtype} [${t.shape.join(', ')}]`);
  }
  if (real.shape.join(',') !== fake.shape.join(',')) throw new Error(`gradientPenalty: real [${real.shape.join(', ')}] and fake [${fake.shape.join(', ')}] must have the same shape`);
  const lambda = o.lambda ?? 10;
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0) throw new Error(`gradientPenalty: lambda must be a finite number >= 0, got ${String(lambda)}`);
  const n = real.shape[0], bshape = [n, ...real.shape.slice(1).map(() => 1)];
  const alpha = o.alpha ?? rand(bshape, { dtype: real.dtype });
  if (!(alpha instanceof Tensor) || alpha.shape.join(',') !== bshape.join(',')) throw new Error(`gradientPenalty: alpha must be a Tensor of shape [${bshape.join(', ')}], got ${alpha instanceof Tensor ? `[${alpha.shape.join(', ')}]` : typeof alpha}`);
  let xhat = real.mul(alpha).add(fake.mul(alpha.neg().add(1)));
  // with real and fake both outside the graph (the critic's step), x̂ becomes the leaf the gradient is taken at
  if (!xhat.requiresGrad) xhat = xhat.detach().requiresGrad_();
  const d = f(xhat);
  if (!(d instanceof Tensor)) throw new Error(`gradientPenalty: the critic must return a Tensor, got ${typeof d}`);
  const [g] = grad(d, xhat, { gradOutputs: [ones([...d.shape], { dtype: d.dtype })], createGraph: true });
  const norm = g!.reshape([n, -1]).pow(2).sum(1).sqrt();
  return norm.sub(1).pow(2).mean().mul(lambda);
}
