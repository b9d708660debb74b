// The ddpm-mnist recipe (issue 19): a class-conditional DDPM on MNIST scaled to [-1, 1], with classifier-free
// guidance. Each epoch writes a grid of DDIM samples (column c is class c) into the run directory.
import { join } from 'node:path';
import type { Tensor } from '../tensor';
import { manualSeed } from '../creation';
import { noGrad } from '../autograd/engine';
import { tidy } from '../memory';
import * as optim from '../optim/index';
import * as data from '../data/index';
import { saveImageGrid } from '../utils/image_grid';
import { UNet } from '../models/unet';
import { GaussianDiffusion, NoiseSchedule } from '../models/diffusion';
import { mnistPixels, batches, epochLoop, runDirOf, say, type GenRecipeOptions, type GenRecipeResult } from './gen_recipes';

export interface DdpmRecipeOptions extends GenRecipeOptions {
  /** The schedule: 'linear' (default) or 'cosine'. */
  variant?: string;
  /** Diffusion steps T (default 1000) and DDIM steps for the per-epoch grids (default 50). */
  steps?: number; ddimSteps?: number;
  /** Classifier-free guidance weight for the grids (default 3). */
  guidanceScale?: number;
  /** Clamp DDIM's x̂0 to [-1, 1] in the grids (`sampleDdim`'s clipDenoised; default true). */
  clipDenoised?: boolean;
  /** Grid rows: samples per class (default 10). */
  samplesPerClass?: number;
  /** A safetensors file the U-Net's weights are written to after each epoch (a long run can be scored midway). */
  checkpoint?: string;
}

/**
 * U-Net 32-64-64 (attention at 7x7, 10 classes plus the null class), T = 1000, labels dropped with p 0.1,
 * Adam 1e-3 (5e-4 after half the epochs), batch 128. Returns the diffusion model (`model`) and the losses.
 */
export function trainDdpmMnist(o: DdpmRecipeOptions = {}): GenRecipeResult & { diffusion: GaussianDiffusion } {
  const kind = o.variant ?? 'linear';
  if (kind !== 'linear' && kind !== 'cosine') throw new Error(`ddpm-mnist: unknown variant '${kind}' (choose from linear, cosine)`);
  const runDir = runDirOf('ddpm-mnist', o);
  manualSeed(o.seed ?? 0);
  const train = mnistPixels('train', o.trainLimit);
  const scaled = noGrad(() => train.x.mul(2).sub(1)); train.x.dispose();
  const width = o.width ?? 32;
  const net = new UNet({ channels: width, channelMults: [1, 2, 2], attentionLevels: [2], groups: 8, numClasses: 10 });
  const diffusion = new GaussianDiffusion(net, new NoiseSchedule(o.steps ?? 1000, { kind }));
  const epochs = o.epochs ?? 10, lr = o.lr ?? 1e-3;
  const opt = new optim.Adam(net.parameters(), { lr });
  const gen = new data.Generator(o.seed ?? 0), bs = o.batchSize ?? 128;
  const grids: string[] = [], losses: number[] = [];
  const per = o.samplesPerClass ?? 10;
  const rows = Array.from({ length: 10 * per }, (_, i) => i % 10);
  const spe = epochLoop(o, epochs, (e) => {
    if (e === Math.floor(epochs / 2) + 1) for (const g of opt.paramGroups) g.lr = lr / 2;
    net.train();
    let sum = 0, n = 0;
    for (const [x, y] of batches(scaled, train.y, bs, gen)) tidy(() => {
      opt.zeroGrad();
      const l = diffusion.loss(x as Tensor, y as Tensor, { pUncond: 0.1 });
      l.backward(); opt.step();
      sum += l.item() as number; n++;
    });
    losses.push(sum / n);
    const imgs = diffusion.sampleDdim(rows.length, [1, 28, 28], { steps: o.ddimSteps ?? 50, labels: rows, guidanceScale: o.guidanceScale ?? 3, clipDenoised: o.clipDenoised ?? true });
    grids.push(tidy(() => saveImageGrid(imgs, join(runDir, `epoch-${e}.png`), { nrow: 10, normalize: true, valueRange: [-1, 1] })));
    imgs.dispose();
    say(o, `  wrote ${grids[grids.length - 1]}`);
    if (o.checkpoint) { net.save(o.checkpoint); say(o, `  saved ${o.checkpoint}`); }
    return `noise MSE ${(sum / n).toFixed(4)}`;
  });
  scaled.dispose(); train.y.dispose();
  net.eval();
  return { model: net, diffusion, runDir, grids, losses, secondsPerEpoch: spe,
    summary: `ddpm-mnist (${kind}): noise MSE ${losses[losses.length - 1].toFixed(4)} after ${losses.length} epoch(s), ${spe.toFixed(1)} s per epoch; grids in ${runDir}` };
}
