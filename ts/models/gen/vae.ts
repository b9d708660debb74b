// Variational autoencoders for 28x28 images: dense (Kingma & Welling's MNIST MLP, as PyTorch's
// example) and convolutional, optionally class-conditional (one-hot label joined to the encoder's
// input features and to z); the reparameterization trick, the analytic Gaussian KL and the ELBO.
import { Tensor } from '../../tensor';
import { randn } from '../../creation';
import { cat } from '../../functional';
import * as nn from '../../nn/index';
import { oneHotLabels, noLabels, intOpt } from './common';

export type Reduction = 'sum' | 'mean' | 'none';

function live(who: string, what: string, t: unknown): Tensor {
  if (!(t instanceof Tensor) || t.isDisposed) throw new Error(`${who}: ${what} must be a live Tensor, got ${t instanceof Tensor ? 'a disposed tensor' : t === null ? 'null' : typeof t}`);
  if (!t.isFloatingPoint()) throw new Error(`${who}: ${what} must be floating point, got ${t.dtype}`);
  return t;
}
const same = (who: string, a: Tensor, an: string, b: Tensor, bn: string): void => {
  if (a.shape.join(',') !== b.shape.join(',')) throw new Error(`${who}: ${an} [${a.shape.join(', ')}] and ${bn} [${b.shape.join(', ')}] must have the same shape`);
};
function reduce(who: string, perSample: Tensor, r: Reduction): Tensor {
  if (r === 'none') return perSample;
  if (r === 'sum') return perSample.sum();
  if (r === 'mean') return perSample.mean();
  throw new Error(`${who}: reduction must be 'sum', 'mean' or 'none', got ${String(r)}`);
}
/** Sums all dims but the first: [N, ...] → [N]. */
const perRow = (t: Tensor): Tensor => t.reshape([t.shape[0], -1]).sum(1);

/**
 * KL(N(mu, exp(logvar)) ‖ N(0, I)) in nats, analytic: -½ Σ (1 + logvar − mu² − exp(logvar)) over
 * all dims but the batch. reduction 'sum' (default) adds the batch, 'mean' averages it, 'none' gives [N].
 * ```ts
 * const kl = models.gaussianKl(mu, logvar, { reduction: 'mean' });
 * ```
 */
export function gaussianKl(mu: Tensor, logvar: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  live('gaussianKl', 'mu', mu); live('gaussianKl', 'logvar', logvar); same('gaussianKl', mu, 'mu', logvar, 'logvar');
  if (mu.ndim < 1) throw new Error('gaussianKl: mu must have a batch dim, got a 0-d tensor');
  const terms = logvar.add(1).sub(mu.pow(2)).sub(logvar.exp());
  return reduce('gaussianKl', perRow(terms).mul(-0.5), o.reduction ?? 'sum');
}

export interface VaeLossOptions {
  /** 'bernoulli' (default): recon holds logits and the reconstruction term is binary cross-entropy
   * (pixels in [0, 1] as probabilities); 'gaussian': recon is the mean and the term is ½‖x − recon‖². */
  likelihood?: 'bernoulli' | 'gaussian';
  /** 'sum' (default, PyTorch's VAE example), 'mean' over the batch (the negative ELBO per image), 'none': [N]. */
  reduction?: Reduction;
  /** Weight of the KL term (β-VAE); 1 gives the ELBO. */
  beta?: number;
}

/**
 * The negative ELBO in nats: reconstruction negative log-likelihood + β·KL. With reduction 'mean'
 * and β = 1, its negation is the ELBO per image.
 * ```ts
 * const { logits, mu, logvar } = vae.forward(x);
 * const loss = models.vaeLoss(logits, x, mu, logvar);   // summed over the batch
 * ```
 */
export function vaeLoss(recon: Tensor, x: Tensor, mu: Tensor, logvar: Tensor, o: VaeLossOptions = {}): Tensor {
  live('vaeLoss', 'recon', recon); live('vaeLoss', 'x', x); same('vaeLoss', recon, 'recon', x, 'x');
  const lik = o.likelihood ?? 'bernoulli', beta = o.beta ?? 1;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0) throw new Error(`vaeLoss: beta must be a finite number >= 0, got ${String(beta)}`);
  if (mu.shape?.[0] !== recon.shape[0]) throw new Error(`vaeLoss: mu has batch ${mu.shape?.[0]} but recon has ${recon.shape[0]}`);
  let nll: Tensor;
  if (lik === 'bernoulli') {
    const mn = x.min().item() as number, mx = x.max().item() as number;
    if (mn < 0 || mx > 1) throw new Error(`vaeLoss: a Bernoulli likelihood needs targets in [0, 1], got values in [${mn}, ${mx}] (use likelihood: 'gaussian' for other data)`);
    nll = perRow(nn.functional.binaryCrossEntropyWithLogits(recon, x, { reduction: 'none' }));
  } else if (lik === 'gaussian') nll = perRow(recon.sub(x).pow(2)).mul(0.5);
  else throw new Error(`vaeLoss: likelihood must be 'bernoulli' or 'gaussian', got ${String(lik)}`);
  const kl = gaussianKl(mu, logvar, { reduction: 'none' });
  return reduce('vaeLoss', beta === 1 ? nll.add(kl) : nll.add(kl.mul(beta)), o.reduction ?? 'sum');
}

/** z = mu + exp(½ logvar) · ε with ε ~ N(0, I) from the global generator (so manualSeed repeats it). */
export function reparameterize(mu: Tensor, logvar: Tensor): Tensor {
  live('reparameterize', 'mu', mu); live('reparameterize', 'logvar', logvar); same('reparameterize', mu, 'mu', logvar, 'logvar');
  const eps = randn([...mu.shape], { dtype: mu.dtype });
  return mu.add(logvar.mul(0.5).exp().mul(eps));
}

export interface VaeOptions {
  /** Latent dimensions (default 20, PyTorch's example). */
  latentDim?: number;
  /** Classes of the conditional VAE (0: unconditional, the default). */
  numClasses?: number;
  /** Dense: hidden units (default 400). Conv: channels of the first conv (default 32; the second has twice). */
  hidden?: number;
}
export interface VaeOutput { logits: Tensor; mu: Tensor; logvar: Tensor }

/** What the dense and convolutional VAEs share: heads, reparameterization, sampling. */
abstract class VaeBase extends nn.Module {
  readonly latentDim: number;
  readonly numClasses: number;
  fcMu!: nn.Linear;
  fcLogvar!: nn.Linear;
  constructor(o: VaeOptions) {
    super();
    const who = new.target.name;
    this.latentDim = intOpt(who, 'latentDim', o.latentDim ?? 20, 1);
    this.numClasses = intOpt(who, 'numClasses', o.numClasses ?? 0, 0);
  }
  /** The one-hot labels of a conditional model (checked), or null for an unconditional one. */
  protected cond(x: Tensor, y: Tensor | undefined): Tensor | null {
    if (this.numClasses === 0) { noLabels(this.constructor.name, y); return null; }
    return oneHotLabels(this.constructor.name, y, this.numClasses, x.shape[0]);
  }
  protected checkImages(x: unknown): Tensor {
    const who = this.constructor.name;
    live(who, 'images', x);
    const t = x as Tensor;
    if (t.ndim !== 4 || t.shape[1] !== 1 || t.shape[2] !== 28 || t.shape[3] !== 28) throw new Error(`${who}: images must be [N, 1, 28, 28], got [${t.shape.join(', ')}]`);
    return t;
  }
  protected abstract features(x: Tensor): Tensor;
  protected abstract decodeFeatures(h: Tensor): Tensor;
  /** q(z | x[, y]): the Gaussian's mean and log-variance, [N, latentDim] each. */
  encode(x: Tensor, y?: Tensor): { mu: Tensor; logvar: Tensor } {
    const h0 = this.features(this.checkImages(x)), c = this.cond(x, y);
    const h = c ? cat([h0, c], 1) : h0;
    return { mu: this.fcMu.forward(h), logvar: this.fcLogvar.forward(h) };
  }
  /** p(x | z[, y]): Bernoulli logits [N, 1, 28, 28]. */
  decode(z: Tensor, y?: Tensor): Tensor {
    live(this.constructor.name, 'z', z);
    if (z.ndim !== 2 || z.shape[1] !== this.latentDim) throw new Error(`${this.constructor.name}: z must be [N, ${this.latentDim}], got [${z.shape.join(', ')}]`);
    const c = this.cond(z, y);
    return this.decodeFeatures(c ? cat([z, c], 1) : z);
  }
  /** Encodes, draws z by reparameterization (in eval mode too, as PyTorch's example: the loss is then
   * a one-sample ELBO estimate) and decodes. */
  forward(x: Tensor, y?: Tensor): VaeOutput {
    const { mu, logvar } = this.encode(x, y);
    const z = reparameterize(mu, logvar);
    return { logits: this.decode(z, y), mu, logvar };
  }
  /** n images from the prior, as pixel probabilities in [0, 1] ([N, 1, 28, 28]); y: the classes of a conditional model. */
  sample(n: number, y?: Tensor): Tensor {
    intOpt(`${this.constructor.name}.sample`, 'n', n, 1);
    return this.decode(randn([n, this.latentDim]), y).sigmoid();
  }
}

/** The MLP VAE: 784 → hidden → (mu, logvar) of latentDim; latentDim → hidden → 784 logits (PyTorch's examples/vae). */
export class VAE extends VaeBase {
  fc1: nn.Linear;
  fc3: nn.Linear;
  fc4: nn.Linear;
  constructor(o: VaeOptions = {}) {
    super(o);
    const h = intOpt('VAE', 'hidden', o.hidden ?? 400, 1), k = this.numClasses;
    this.fc1 = new nn.Linear(784 + k, h);
    this.fcMu = new nn.Linear(h, this.latentDim);
    this.fcLogvar = new nn.Linear(h, this.latentDim);
    this.fc3 = new nn.Linear(this.latentDim + k, h);
    this.fc4 = new nn.Linear(h, 784);
  }
  // the label joins the pixels before fc1 (so the override of encode, below, feeds it there)
  protected features(x: Tensor): Tensor { return x.reshape([x.shape[0], 784]); }
  encode(x: Tensor, y?: Tensor): { mu: Tensor; logvar: Tensor } {
    const f = this.features(this.checkImages(x)), c = this.cond(x, y);
    const h = this.fc1.forward(c ? cat([f, c], 1) : f).relu();
    return { mu: this.fcMu.forward(h), logvar: this.fcLogvar.forward(h) };
  }
  protected decodeFeatures(z: Tensor): Tensor {
    return this.fc4.forward(this.fc3.forward(z).relu()).reshape([z.shape[0], 1, 28, 28]);
  }
}

/** The convolutional VAE: two stride-2 4x4 convs (28 → 14 → 7) and their transposes. */
export class ConvVAE extends VaeBase {
  enc: nn.Sequential;
  fcDec: nn.Linear;
  dec: nn.Sequential;
  readonly ch: number;
  constructor(o: VaeOptions = {}) {
    super(o);
    const c = this.ch = intOpt('ConvVAE', 'hidden', o.hidden ?? 32, 1), k = this.numClasses, flat = 2 * c * 49;
    this.enc = new nn.Sequential(new nn.Conv2d(1, c, 4, { stride: 2, padding: 1 }), new nn.ReLU(),
      new nn.Conv2d(c, 2 * c, 4, { stride: 2, padding: 1 }), new nn.ReLU(), new nn.Flatten());
    this.fcMu = new nn.Linear(flat + k, this.latentDim);
    this.fcLogvar = new nn.Linear(flat + k, this.latentDim);
    this.fcDec = new nn.Linear(this.latentDim + k, flat);
    this.dec = new nn.Sequential(new nn.ConvTranspose2d(2 * c, c, 4, { stride: 2, padding: 1 }), new nn.ReLU(),
      new nn.ConvTranspose2d(c, 1, 4, { stride: 2, padding: 1 }));
  }
  protected features(x: Tensor): Tensor { return this.enc.forward(x) as Tensor; }
  protected decodeFeatures(z: Tensor): Tensor {
    return this.dec.forward(this.fcDec.forward(z).relu().reshape([z.shape[0], 2 * this.ch, 7, 7])) as Tensor;
  }
}
