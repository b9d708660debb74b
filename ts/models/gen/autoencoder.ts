// Autoencoders for 28x28 images in [0, 1]: dense and convolutional, trained on MSE (denoising
// when the inputs carry data.addGaussianNoise), and latent interpolation between two images.
import { Tensor } from '../../tensor';
import { linspace } from '../../creation';
import { noGrad } from '../../autograd/engine';
import * as nn from '../../nn/index';
import { intOpt } from './common';

export interface AutoencoderOptions {
  /** Code dimensions (dense: default 32; conv: channels of the 7x7 code, default 8). */
  latentDim?: number;
  /** Dense: hidden units (default 256). Conv: channels of the first conv (default 16). */
  hidden?: number;
}

function images(who: string, x: unknown): Tensor {
  if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`${who}: images must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
  if (x.ndim !== 4 || x.shape[1] !== 1 || x.shape[2] !== 28 || x.shape[3] !== 28) throw new Error(`${who}: images must be [N, 1, 28, 28], got [${x.shape.join(', ')}]`);
  return x;
}

abstract class AutoencoderBase extends nn.Module {
  encoder!: nn.Sequential;
  decoder!: nn.Sequential;
  encode(x: Tensor): Tensor { return this.encoder.forward(images(this.constructor.name, x)) as Tensor; }
  /** Pixels in [0, 1] (a sigmoid output), [N, 1, 28, 28]. */
  decode(z: Tensor): Tensor { return this.decoder.forward(z) as Tensor; }
  forward(x: Tensor): Tensor { return this.decode(this.encode(x)); }
}

/** 784 → hidden → latentDim → hidden → 784, ReLU between, sigmoid out. */
export class DenseAutoencoder extends AutoencoderBase {
  constructor(o: AutoencoderOptions = {}) {
    super();
    const h = intOpt('DenseAutoencoder', 'hidden', o.hidden ?? 256, 1), z = intOpt('DenseAutoencoder', 'latentDim', o.latentDim ?? 32, 1);
    this.encoder = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, h), new nn.ReLU(), new nn.Linear(h, z));
    this.decoder = new nn.Sequential(new nn.Linear(z, h), new nn.ReLU(), new nn.Linear(h, 784), new nn.Sigmoid(), new nn.Unflatten(1, [1, 28, 28]));
  }
}

/** Conv 3x3/2 (28 → 14 → 7) to a [latentDim, 7, 7] code, transposed convs back, sigmoid out. */
export class ConvAutoencoder extends AutoencoderBase {
  constructor(o: AutoencoderOptions = {}) {
    super();
    const c = intOpt('ConvAutoencoder', 'hidden', o.hidden ?? 16, 1), z = intOpt('ConvAutoencoder', 'latentDim', o.latentDim ?? 8, 1);
    this.encoder = new nn.Sequential(new nn.Conv2d(1, c, 3, { stride: 2, padding: 1 }), new nn.ReLU(),
      new nn.Conv2d(c, 2 * c, 3, { stride: 2, padding: 1 }), new nn.ReLU(), new nn.Conv2d(2 * c, z, 3, { padding: 1 }));
    this.decoder = new nn.Sequential(new nn.ConvTranspose2d(z, 2 * c, 3, { padding: 1 }), new nn.ReLU(),
      new nn.ConvTranspose2d(2 * c, c, 3, { stride: 2, padding: 1, outputPadding: 1 }), new nn.ReLU(),
      new nn.ConvTranspose2d(c, 1, 3, { stride: 2, padding: 1, outputPadding: 1 }), new nn.Sigmoid());
  }
}

/**
 * Decodes `steps` evenly spaced points on the line between the codes of images a and b ([1, 1, 28, 28]
 * each, or [1, 28, 28]); returns [steps, 1, 28, 28] in [0, 1], a's reconstruction first. Works for
 * any model with encode/decode (an autoencoder; a VAE interpolates its means and returns sigmoid(logits)).
 * ```ts
 * utils.saveImageGrid(models.interpolateLatent(ae, x0, x1, 10), 'strip.png', { nrow: 10 });
 * ```
 */
export function interpolateLatent(model: { encode(x: Tensor): Tensor | { mu: Tensor }; decode(z: Tensor): Tensor }, a: Tensor, b: Tensor, steps = 10): Tensor {
  if (!model || typeof model.encode !== 'function' || typeof model.decode !== 'function') throw new Error('interpolateLatent: model must have encode and decode methods');
  intOpt('interpolateLatent', 'steps', steps, 2);
  const one = (what: string, t: Tensor): Tensor => {
    if (!(t instanceof Tensor) || t.isDisposed) throw new Error(`interpolateLatent: ${what} must be a live Tensor, got ${typeof t}`);
    const r = t.ndim === 3 ? t.unsqueeze(0) : t;
    if (r.ndim !== 4 || r.shape[0] !== 1) throw new Error(`interpolateLatent: ${what} must be one image [1, C, H, W] or [C, H, W], got [${t.shape.join(', ')}]`);
    return r;
  };
  const code = (e: Tensor | { mu: Tensor }): Tensor => (e instanceof Tensor ? e : e.mu);
  const wasTraining = model instanceof nn.Module ? model.training : false;
  if (model instanceof nn.Module) model.eval();
  try {
    return noGrad(() => {
      const ea = model.encode(one('a', a)), za = code(ea), zb = code(model.encode(one('b', b)));
      const t = linspace(0, 1, steps).reshape([steps, ...za.shape.slice(1).map(() => 1)]);
      const z = za.mul(t.neg().add(1)).add(zb.mul(t));   // broadcasts [1, ...] against [steps, 1, ...]
      const out = model.decode(z);
      // a VAE's decoder gives Bernoulli logits; an autoencoder's, pixels already
      return ea instanceof Tensor ? out : out.sigmoid();
    });
  } finally { if (model instanceof nn.Module) model.train(wasTraining); }
}
