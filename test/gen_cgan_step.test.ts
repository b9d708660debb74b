// The gan-mnist cgan recipe's training step equals PyTorch's: from the same initial weights, batches, labels and noise
// (test/fixtures/cgan_step.safetensors from scripts/gen_cgan_step_fixtures.py, float64, width 4), three steps of
// one D update then one G update (Adam 2e-4 betas (0.5, 0.999), BCE with logits, the same fakes for both) give
// PyTorch's losses and PyTorch's final weights and batch-norm running statistics. Rules out a myelin-side cause
// when the MNIST cGAN scores differ from its PyTorch twin's (bench/gen_twin_quality.js): what is left is chance.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { models, optim, nn, io, ones, zeros, type Tensor } from '../ts/index';

const fx = io.loadSafetensors(join(__dirname, 'fixtures', 'cgan_step.safetensors'));
const part = (prefix: string): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(fx).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
const arr = (t: Tensor): number[] => Array.from(t.double().contiguous().data() as Float64Array);
const worst = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]) / (1 + Math.abs(b[i]))));

describe('gan-mnist cgan training step against PyTorch (float64, 3 steps)', () => {
  it('losses, final weights and running statistics', () => {
    const G = new models.DCGANGenerator({ numClasses: 10, width: 4, latentDim: 8 }).double();
    const D = new models.DCGANDiscriminator({ numClasses: 10, width: 4 }).double();
    G.loadStateDict(part('init.G.'));
    D.loadStateDict(part('init.D.'));
    G.train(); D.train();
    const optG = new optim.Adam(G.parameters(), { lr: 2e-4, betas: [0.5, 0.999] }), optD = new optim.Adam(D.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
    const bce = nn.functional.binaryCrossEntropyWithLogits;
    const lossD: number[] = [], lossG: number[] = [];
    for (let s = 0; s < 3; s++) {
      const real = fx[`step${s}.real`], y = fx[`step${s}.y`], n = real.shape[0];
      const one = ones([n], { dtype: 'float64' }), zero = zeros([n], { dtype: 'float64' });
      const fake = G.forward(fx[`step${s}.z`], y);
      optD.zeroGrad();
      const ld = bce(D.forward(real, y), one).add(bce(D.forward(fake.detach(), y), zero));
      ld.backward(); optD.step();
      optG.zeroGrad();
      const lg = bce(D.forward(fake, y), one);
      lg.backward(); optG.step();
      lossD.push(ld.item() as number); lossG.push(lg.item() as number);
    }
    expect(worst(lossD, arr(fx.lossD))).toBeLessThan(1e-10);
    expect(worst(lossG, arr(fx.lossG))).toBeLessThan(1e-10);
    for (const [who, m] of [['G', G], ['D', D]] as const) {
      const want = part(`final.${who}.`), got = m.stateDict();
      for (const [k, v] of Object.entries(want)) {
        expect(got.has(k), `${who} ${k}`).toBe(true);
        expect(worst(arr(got.get(k)!), arr(v)), `${who} ${k}`).toBeLessThan(1e-9);
      }
    }
  });
});
