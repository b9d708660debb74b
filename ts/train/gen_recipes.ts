// Generative recipes on MNIST (issue 19): ae-mnist, vae-mnist and gan-mnist, shared by the CLI
// (`myelin train NAME --variant V`), bench/gen_quality.js and the tests. Each writes a sample
// grid per epoch into a run directory (runs/<recipe>-<time>/epoch-N.png) and prints its path.
import { join } from 'node:path';
import { Tensor } from '../tensor';
import { tensor, manualSeed, randn, arange, zeros, ones } from '../creation';
import { cat } from '../functional';
import { noGrad } from '../autograd/engine';
import { tidy, keep } from '../memory';
import * as nn from '../nn/index';
import * as optim from '../optim/index';
import * as data from '../data/index';
import { saveImageGrid } from '../utils/image_grid';
import { DenseAutoencoder, ConvAutoencoder, interpolateLatent } from '../models/gen/autoencoder';
import { VAE, ConvVAE, vaeLoss } from '../models/gen/vae';
import { DCGANGenerator, DCGANDiscriminator, gradientPenalty } from '../models/gen/gan';
import type { RecipeOptions } from './recipes';

export interface GenRecipeOptions extends RecipeOptions {
  /** ae-mnist: 'dense' (default), 'conv' or 'denoise' (conv on inputs with N(0, 0.5²) noise); vae-mnist: 'dense'
   * (default), 'conv' or 'cvae' (dense, class-conditional); gan-mnist: 'dcgan' (default), 'cgan' or 'wgan-gp'. */
  variant?: string;
  /** Where the per-epoch grids go (default runs/<recipe>-<ISO time>). */
  runDir?: string;
  /** Evaluate on the first n test images. */
  testLimit?: number;
  /** gan-mnist: the generator's / discriminator's base width (default 64). */
  width?: number;
  /** gan-mnist cgan: how the discriminator reads the label, 'concat' (default) or 'projection' (DCGANDiscriminator). */
  conditioning?: 'concat' | 'projection';
  /** gan-mnist dcgan/cgan: the discriminator's BCE target for real images (default 1; 0.9 is one-sided label smoothing). */
  realTarget?: number;
}
export interface GenRecipeResult {
  model: nn.Module; runDir: string; grids: string[]; summary: string; secondsPerEpoch: number;
  /** ae-mnist: test reconstruction MSE per pixel (against clean images). */
  testMse?: number;
  /** vae-mnist: test ELBO in nats per image (one z sample per image; higher is better). */
  testElbo?: number;
  /** gan-mnist: the discriminator (or critic) as well. */
  discriminator?: nn.Module;
  /** Per-epoch training loss (gan-mnist: the generator's). */
  losses: number[];
}

const VARIANTS: Record<string, string[]> = { 'ae-mnist': ['dense', 'conv', 'denoise'], 'vae-mnist': ['dense', 'conv', 'cvae'], 'gan-mnist': ['dcgan', 'cgan', 'wgan-gp'] };
export const say = (o: GenRecipeOptions, line: string): void => (o.log ?? ((s: string) => process.stderr.write(`${s}\n`)))(line);

function variantOf(recipe: string, o: GenRecipeOptions): string {
  const v = o.variant ?? VARIANTS[recipe][0];
  if (!VARIANTS[recipe].includes(v)) throw new Error(`${recipe}: unknown variant '${v}' (choose from ${VARIANTS[recipe].join(', ')})`);
  return v;
}
export const runDirOf = (recipe: string, o: GenRecipeOptions): string => o.runDir ?? join('runs', `${recipe}-${new Date().toISOString().replace(/[:.]/g, '-')}`);

/** MNIST pixels in [0, 1], [N, 1, 28, 28], with int64 labels (the first `limit` images). */
export function mnistPixels(split: 'train' | 'test', limit?: number): { x: Tensor; y: Tensor } {
  const { images, labels } = data.loadMnist({ split });
  const n = limit ? Math.min(limit, images.shape[0]) : images.shape[0];
  if (n === images.shape[0]) return { x: images, y: labels };
  const x = images.narrow(0, 0, n).clone(), y = labels.narrow(0, 0, n).clone();
  images.dispose(); labels.dispose();
  return { x, y };
}

/** Shuffled minibatches of rows of x and y (index_select per batch; the caller's tidy frees them). */
export function* batches(x: Tensor, y: Tensor, batchSize: number, gen: data.Generator): Generator<[Tensor, Tensor]> {
  const order = gen.permutation(x.shape[0]);
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = tensor(order.slice(s, s + batchSize), { dtype: 'int64' });
    yield [x.indexSelect(0, idx), y.indexSelect(0, idx)];
  }
}

/** A per-epoch timing and a progress line. */
export function epochLoop(o: GenRecipeOptions, epochs: number, body: (epoch: number) => string): number {
  let total = 0;
  for (let e = 1; e <= epochs; e++) {
    const t0 = performance.now();
    const line = body(e);
    const s = (performance.now() - t0) / 1000;
    total += s;
    say(o, `epoch ${e}/${epochs} ${line} (${s.toFixed(1)} s)`);
  }
  return total / epochs;
}

/** Autoencoders: Adam 1e-3, batch 128, MSE in pixel space; grids of test images over their reconstructions, and an interpolation strip. */
export function trainAeMnist(o: GenRecipeOptions = {}): GenRecipeResult {
  const variant = variantOf('ae-mnist', o), runDir = runDirOf('ae-mnist', o);
  manualSeed(o.seed ?? 0);
  const train = mnistPixels('train', o.trainLimit), test = mnistPixels('test', o.testLimit ?? 10000);
  const model = variant === 'dense' ? new DenseAutoencoder() : new ConvAutoencoder();
  const noisy = (x: Tensor): Tensor => (variant === 'denoise' ? data.addGaussianNoise(x, 0.5, { clamp: [0, 1] }) : x);
  const opt = new optim.Adam(model.parameters(), { lr: o.lr ?? 1e-3 });
  const gen = new data.Generator(o.seed ?? 0), bs = o.batchSize ?? 128, grids: string[] = [], losses: number[] = [];
  let testMse = NaN;
  const shown = test.x.narrow(0, 0, 8);
  const spe = epochLoop(o, o.epochs ?? 10, (e) => {
    model.train();
    let sum = 0, n = 0;
    for (const [x, y] of batches(train.x, train.y, bs, gen)) tidy(() => {
      opt.zeroGrad();
      const loss = nn.functional.mseLoss(model.forward(noisy(x)), x);
      loss.backward(); opt.step();
      sum += (loss.item() as number) * x.shape[0]; n += x.shape[0];
      y.dispose();
    });
    losses.push(sum / n);
    model.eval();
    testMse = noGrad(() => {
      let s = 0;
      for (let i = 0; i < test.x.shape[0]; i += 1000) tidy(() => {
        const x = test.x.narrow(0, i, Math.min(1000, test.x.shape[0] - i));
        s += (nn.functional.mseLoss(model.forward(noisy(x)), x, { reduction: 'sum' }).item() as number);
      });
      return s / test.x.numel();
    });
    grids.push(noGrad(() => tidy(() => saveImageGrid(cat2(noisy(shown), model.forward(noisy(shown))), join(runDir, `epoch-${e}.png`), { nrow: 8 }))));
    say(o, `  wrote ${grids[grids.length - 1]}`);
    return `train MSE ${(sum / n).toFixed(5)}, test MSE ${testMse.toFixed(5)}`;
  });
  // interpolation between the first test 1 and the first test 7
  const labels = Array.from(test.y.data() as BigInt64Array, Number);
  const a = labels.indexOf(1), b = labels.indexOf(7);
  const strip = join(runDir, 'interpolation.png');
  tidy(() => saveImageGrid(interpolateLatent(model, test.x.narrow(0, a, 1), test.x.narrow(0, b, 1), 10), strip, { nrow: 10 }));
  say(o, `  wrote ${strip}`);
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  return { model, runDir, grids: [...grids, strip], testMse, losses, secondsPerEpoch: spe,
    summary: `ae-mnist (${variant}): test reconstruction MSE ${testMse.toFixed(5)} per pixel after ${losses.length} epoch(s), ${spe.toFixed(1)} s per epoch; grids in ${runDir}` };
}
/** Test images (first row) over their reconstructions (second row). */
const cat2 = (a: Tensor, b: Tensor): Tensor => cat([a, b], 0);

/** The test-set ELBO in nats per image: −(BCE + KL) with one z sample per image. */
export function vaeTestElbo(model: VAE | ConvVAE, x: Tensor, y: Tensor): number {
  model.eval();
  return noGrad(() => {
    let s = 0;
    for (let i = 0; i < x.shape[0]; i += 1000) tidy(() => {
      const k = Math.min(1000, x.shape[0] - i), xb = x.narrow(0, i, k);
      const out = model.forward(xb, model.numClasses ? y.narrow(0, i, k) : undefined);
      s += vaeLoss(out.logits, xb, out.mu, out.logvar).item() as number;
    });
    return -s / x.shape[0];
  });
}

/** VAEs: Adam 1e-3, batch 128, the summed negative ELBO (PyTorch's examples/vae); a grid of 64 prior samples per epoch (cvae: row r is class r). */
export function trainVaeMnist(o: GenRecipeOptions = {}): GenRecipeResult {
  const variant = variantOf('vae-mnist', o), runDir = runDirOf('vae-mnist', o);
  manualSeed(o.seed ?? 0);
  const train = mnistPixels('train', o.trainLimit), test = mnistPixels('test', o.testLimit ?? 10000);
  const model = variant === 'conv' ? new ConvVAE() : new VAE({ numClasses: variant === 'cvae' ? 10 : 0 });
  const cond = model.numClasses > 0;
  const opt = new optim.Adam(model.parameters(), { lr: o.lr ?? 1e-3 });
  const gen = new data.Generator(o.seed ?? 0), bs = o.batchSize ?? 128, grids: string[] = [], losses: number[] = [];
  const sampleLabels = cond ? keep(arange(0, 100).div(10).floor().long()) : undefined;
  let testElbo = NaN;
  const spe = epochLoop(o, o.epochs ?? 10, (e) => {
    model.train();
    let sum = 0, n = 0;
    for (const [x, y] of batches(train.x, train.y, bs, gen)) tidy(() => {
      opt.zeroGrad();
      const out = model.forward(x, cond ? y : undefined);
      const loss = vaeLoss(out.logits, x, out.mu, out.logvar);
      loss.backward(); opt.step();
      sum += loss.item() as number; n += x.shape[0];
    });
    losses.push(sum / n);
    testElbo = vaeTestElbo(model, test.x, test.y);
    grids.push(noGrad(() => tidy(() => saveImageGrid(model.sample(cond ? 100 : 64, sampleLabels), join(runDir, `epoch-${e}.png`), { nrow: cond ? 10 : 8 }))));
    say(o, `  wrote ${grids[grids.length - 1]}`);
    return `train -ELBO ${(sum / n).toFixed(2)}, test ELBO ${testElbo.toFixed(2)} nats per image`;
  });
  sampleLabels?.dispose();
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  return { model, runDir, grids, testElbo, losses, secondsPerEpoch: spe,
    summary: `vae-mnist (${variant}): test ELBO ${testElbo.toFixed(2)} nats per image after ${losses.length} epoch(s), ${spe.toFixed(1)} s per epoch; grids in ${runDir}` };
}

/**
 * GANs on MNIST scaled to [-1, 1]. dcgan/cgan: Adam 2e-4, betas (0.5, 0.999), batch 64, the
 * non-saturating loss (BCE with logits), one D step per G step. wgan-gp: a critic without batch
 * norm, Adam 1e-4 betas (0, 0.9), 5 critic steps per generator step, λ = 10. A grid of 100 samples
 * from fixed noise per epoch (cgan: row r is class r).
 */
export function trainGanMnist(o: GenRecipeOptions = {}): GenRecipeResult {
  const variant = variantOf('gan-mnist', o), runDir = runDirOf('gan-mnist', o);
  const realTarget = o.realTarget ?? 1;
  if (typeof realTarget !== 'number' || !(realTarget > 0 && realTarget <= 1)) throw new Error(`gan-mnist: realTarget must be a number in (0, 1], got ${String(realTarget)}`);
  if (o.conditioning !== undefined && variant !== 'cgan') throw new Error(`gan-mnist: conditioning applies to the cgan variant only, got variant '${variant}'`);
  manualSeed(o.seed ?? 0);
  const train = mnistPixels('train', o.trainLimit);
  const scaled = noGrad(() => train.x.mul(2).sub(1)); train.x.dispose();
  const k = variant === 'cgan' ? 10 : 0, width = o.width ?? 64, wgan = variant === 'wgan-gp';
  const G = new DCGANGenerator({ numClasses: k, width }), D = new DCGANDiscriminator({ numClasses: k, width, norm: wgan ? 'none' : 'batch', conditioning: o.conditioning });
  const [lr, betas]: [number, [number, number]] = wgan ? [o.lr ?? 1e-4, [0, 0.9]] : [o.lr ?? 2e-4, [0.5, 0.999]];
  const optG = new optim.Adam(G.parameters(), { lr, betas }), optD = new optim.Adam(D.parameters(), { lr, betas });
  const gen = new data.Generator(o.seed ?? 0), bs = o.batchSize ?? 64, grids: string[] = [], losses: number[] = [];
  const fixedZ = keep(randn([100, G.latentDim]));
  const fixedY = k ? keep(arange(0, 100).div(10).floor().long()) : undefined;
  const bce = nn.functional.binaryCrossEntropyWithLogits;
  let step = 0;
  const spe = epochLoop(o, o.epochs ?? 5, (e) => {
    G.train(); D.train();
    let sumG = 0, nG = 0, sumD = 0, nD = 0;
    for (const [real, y] of batches(scaled, train.y, bs, gen)) tidy(() => {
      const n = real.shape[0], yy = k ? y : undefined;
      const fake = G.forward(randn([n, G.latentDim]), yy);
      optD.zeroGrad();
      let lossD: Tensor;
      if (wgan) lossD = D.forward(fake.detach(), yy).mean().sub(D.forward(real, yy).mean()).add(gradientPenalty((x) => D.forward(x, yy), real, fake.detach()));
      else lossD = bce(D.forward(real, yy), realTarget === 1 ? ones([n]) : ones([n]).mul(realTarget)).add(bce(D.forward(fake.detach(), yy), zeros([n])));
      lossD.backward(); optD.step();
      sumD += lossD.item() as number; nD++;
      if (wgan && ++step % 5 !== 0) return;
      optG.zeroGrad();
      const out = D.forward(fake, yy);
      const lossG = wgan ? out.mean().neg() : bce(out, ones([n]));
      lossG.backward(); optG.step();
      sumG += lossG.item() as number; nG++;
    });
    losses.push(sumG / Math.max(nG, 1));
    G.eval();
    grids.push(noGrad(() => tidy(() => saveImageGrid(G.forward(fixedZ, fixedY), join(runDir, `epoch-${e}.png`), { nrow: 10, normalize: true, valueRange: [-1, 1] }))));
    say(o, `  wrote ${grids[grids.length - 1]}`);
    return `loss D ${(sumD / nD).toFixed(4)}, loss G ${(sumG / Math.max(nG, 1)).toFixed(4)}`;
  });
  for (const t of [scaled, train.y, fixedZ]) t.dispose();
  fixedY?.dispose();
  G.eval();
  return { model: G, discriminator: D, runDir, grids, losses, secondsPerEpoch: spe,
    summary: `gan-mnist (${variant}): ${losses.length} epoch(s), ${spe.toFixed(1)} s per epoch; grids in ${runDir}` };
}
