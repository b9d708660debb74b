// Generative models (issue 19) against PyTorch (test/fixtures/gen_models.json from
// scripts/gen_gen_fixtures.py): torchvision's make_grid/save_image pixels, the analytic KL and
// the ELBO with their gradients, WGAN-GP's penalty (value, critic gradients, gradient to fake);
// model shapes, repeatable sampling under manualSeed, and bad input as named Errors.
import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PNG } from 'pngjs';
import { models, nn, utils, data, tensor, manualSeed, randn, rand, autograd, noGrad, type Tensor } from '../ts/index';

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'gen_models.json'), 'utf8'));
const f64 = (v: number[], shape: number[]): Tensor => tensor(v, { shape, dtype: 'float64' });
const arr = (t: Tensor): number[] => Array.from(t.contiguous().data() as Float64Array);
const close = (a: number[], b: number[], tol: number): void => {
  expect(a.length).toBe(b.length);
  const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]) / (1 + Math.abs(b[i]))));
  expect(worst).toBeLessThan(tol);
};
const dir = mkdtempSync(join(tmpdir(), 'myelin-gen-'));

describe('saveImageGrid against torchvision.utils.save_image', () => {
  fx.grids.forEach((g: { x: number[]; shape: number[]; kw: Record<string, unknown>; outShape: number[]; pixels: number[] }, i: number) => {
    it(`grid ${i}: ${JSON.stringify(g.kw)}`, () => {
      const x = tensor(g.x, { shape: g.shape, dtype: 'float32' });
      const kw = g.kw as { nrow: number; padding: number; normalize?: boolean; value_range?: [number, number]; scale_each?: boolean; pad_value?: number };
      const path = utils.saveImageGrid(x, join(dir, `grid${i}.png`), {
        nrow: kw.nrow, padding: kw.padding, normalize: kw.normalize, valueRange: kw.value_range, scaleEach: kw.scale_each, padValue: kw.pad_value });
      const png = PNG.sync.read(readFileSync(path));
      const [h, w] = g.outShape;
      expect([png.height, png.width]).toEqual([h, w]);
      let off = 0, worst = 0;
      for (let p = 0; p < h * w; p++) for (let c = 0; c < 3; c++) {
        const d = Math.abs(png.data[4 * p + c] - g.pixels[3 * p + c]);
        worst = Math.max(worst, d); if (d) off++;
      }
      // the same float32 arithmetic: at most a rare one-level tie at x.5
      expect(worst).toBeLessThanOrEqual(1);
      expect(off).toBeLessThanOrEqual(Math.ceil(h * w * 3 * 0.005));
      // makeGrid is the same layout as a tensor
      expect(utils.makeGrid(x, { nrow: kw.nrow, padding: kw.padding, normalize: kw.normalize, valueRange: kw.value_range, scaleEach: kw.scale_each, padValue: kw.pad_value }).shape).toEqual([3, h, w]);
    });
  });

  it('bad images and options are named Errors', () => {
    const p = join(dir, 'bad.png');
    expect(() => utils.saveImageGrid(rand([2, 2, 4, 4]), p)).toThrow(/^saveImageGrid: images must have 1 or 3 channels \(dim 1\), got 2/);
    expect(() => utils.saveImageGrid(rand([4, 4]), p)).toThrow(/^saveImageGrid: images must be \[N, C, H, W\] or \[C, H, W\], got \[4, 4\]/);
    expect(() => utils.saveImageGrid(rand([2, 1, 4, 4]).mul(3), p)).toThrow(/^saveImageGrid: pixel value .* is outside \[0, 1\]; pass normalize: true/);
    expect(() => utils.saveImageGrid(tensor([[[[NaN]]]]), p, { normalize: true })).toThrow(/^saveImageGrid: images holds NaN at flat index 0/);
    expect(() => utils.saveImageGrid(tensor([[[[1]]]], { dtype: 'int32' }), p)).toThrow(/^saveImageGrid: images must be floating point, got int32/);
    expect(() => utils.saveImageGrid(rand([2, 1, 4, 4]), p, { nrow: 0 })).toThrow(/^saveImageGrid: nrow must be an integer >= 1, got 0/);
    expect(() => utils.saveImageGrid(rand([2, 1, 4, 4]), p, { normalize: true, valueRange: [1, -1] })).toThrow(/^saveImageGrid: valueRange must be \[low, high\] with low < high, got \[1,-1\]/);
    expect(() => utils.saveImageGrid('x' as never, p)).toThrow(/^saveImageGrid: images must be a Tensor, got string/);
    expect(() => utils.saveImageGrid(rand([1, 1, 2, 2]), '')).toThrow(/^saveImageGrid: path must be a non-empty string/);
  });
});

describe('VAE loss pieces against PyTorch (float64)', () => {
  const v = fx.vae;
  const inputs = () => ({
    mu: f64(v.mu, [v.B, v.Z]).requiresGrad_(), logvar: f64(v.logvar, [v.B, v.Z]).requiresGrad_(),
    logits: f64(v.logits, [v.B, v.D]).requiresGrad_(), x: f64(v.x, [v.B, v.D]),
  });
  it('gaussianKl per sample, summed and averaged', () => {
    const { mu, logvar } = inputs();
    close(arr(models.gaussianKl(mu, logvar, { reduction: 'none' })), v.klPerSample, 1e-12);
    expect(models.gaussianKl(mu, logvar).item()).toBeCloseTo(v.klSum, 10);
    expect(models.gaussianKl(mu, logvar, { reduction: 'mean' }).item()).toBeCloseTo(v.klMean, 10);
  });
  it('vaeLoss (Bernoulli) value and gradients to mu, logvar and the logits', () => {
    const { mu, logvar, logits, x } = inputs();
    const loss = models.vaeLoss(logits, x, mu, logvar);
    expect(loss.item()).toBeCloseTo(v.loss, 9);
    const [gm, gl, glog] = autograd.grad(loss, [mu, logvar, logits]);
    close(arr(gm!), v.gradMu, 1e-10); close(arr(gl!), v.gradLogvar, 1e-10); close(arr(glog!), v.gradLogits, 1e-10);
    expect(models.vaeLoss(logits, x, mu, logvar, { reduction: 'mean' }).item()).toBeCloseTo(v.loss / v.B, 9);
  });
  it('vaeLoss (Gaussian) value and gradient', () => {
    const { mu, logvar, logits, x } = inputs();
    const loss = models.vaeLoss(logits.sigmoid(), x, mu, logvar, { likelihood: 'gaussian' });
    expect(loss.item()).toBeCloseTo(v.gaussLoss, 9);
    close(arr(autograd.grad(loss, logits)[0]!), v.gaussGradLogits, 1e-10);
  });
  it('bad input is named', () => {
    const { mu, logvar, logits, x } = inputs();
    expect(() => models.gaussianKl(mu, logvar.narrow(1, 0, 2))).toThrow(/^gaussianKl: mu \[4, 3\] and logvar \[4, 2\] must have the same shape/);
    expect(() => models.vaeLoss(logits, x.mul(3), mu, logvar)).toThrow(/^vaeLoss: a Bernoulli likelihood needs targets in \[0, 1\]/);
    expect(() => models.vaeLoss(logits, x, mu, logvar, { likelihood: 'poisson' as never })).toThrow(/^vaeLoss: likelihood must be 'bernoulli' or 'gaussian', got poisson/);
    expect(() => models.gaussianKl(mu, logvar, { reduction: 'avg' as never })).toThrow(/^gaussianKl: reduction must be 'sum', 'mean' or 'none', got avg/);
  });
});

describe('WGAN-GP gradient penalty against PyTorch (float64, double backward)', () => {
  const g = fx.gp;
  const critic = (act: nn.Module = new nn.LeakyReLU(0.2)): nn.Sequential => {
    const c = new nn.Sequential(new nn.Conv2d(1, 4, 3, { stride: 2, padding: 1, dtype: 'float64' }), act, new nn.Flatten(), new nn.Linear(64, 1, { dtype: 'float64' }));
    const sd: Record<string, Tensor> = {};
    for (const [k, e] of Object.entries(g.state as Record<string, { shape: number[]; data: number[] }>)) sd[k] = f64(e.data, e.shape);
    c.loadStateDict(sd);
    return c;
  };
  const real = () => f64(g.real, [3, 1, 8, 8]), alpha = () => f64(g.alpha, [3, 1, 1, 1]);
  it('value and gradients to the critic parameters', () => {
    const c = critic();
    const gp = models.gradientPenalty(c, real(), f64(g.fake, [3, 1, 8, 8]), { alpha: alpha() });
    close([gp.item() as number], [g.gp], 1e-12);
    const grads = autograd.grad(gp, c.parameters(), { allowUnused: true });
    grads.forEach((gr, i) => close(gr ? arr(gr) : g.paramGrads[i].map(() => 0), g.paramGrads[i], 1e-12));
  });
  it('gradient flows to fake when fake requires grad (a tanh critic, whose input gradient depends on x)', () => {
    const fake = f64(g.fake, [3, 1, 8, 8]).requiresGrad_();
    const gp = models.gradientPenalty(critic(new nn.Tanh()), real(), fake, { alpha: alpha() });
    close([gp.item() as number], [g.gp2], 1e-12);
    close(arr(autograd.grad(gp, fake)[0]!), g.gradFake, 1e-12);
  });
  it('bad input is named', () => {
    const c = critic();
    expect(() => models.gradientPenalty(c, real(), f64(g.fake, [3, 64]))).toThrow(/^gradientPenalty: real \[3, 1, 8, 8\] and fake \[3, 64\] must have the same shape/);
    expect(() => models.gradientPenalty(c, real(), real(), { lambda: -1 })).toThrow(/^gradientPenalty: lambda must be a finite number >= 0, got -1/);
    expect(() => models.gradientPenalty(c, real(), real(), { alpha: rand([3]) })).toThrow(/^gradientPenalty: alpha must be a Tensor of shape \[3, 1, 1, 1\], got \[3\]/);
  });
});

describe('models: shapes, gradients, repeatable sampling, labels', () => {
  const labels = tensor([0, 3, 9, 1], { dtype: 'int64' });
  it('VAE, ConvVAE (conditional and not) train a step and sample repeatably', () => {
    for (const make of [() => new models.VAE({ latentDim: 8 }), () => new models.ConvVAE({ latentDim: 8, hidden: 8 }),
      () => new models.VAE({ latentDim: 8, numClasses: 10 }), () => new models.ConvVAE({ latentDim: 8, hidden: 8, numClasses: 10 })]) {
      manualSeed(1);
      const m = make(), y = m.numClasses ? labels : undefined;
      const x = rand([4, 1, 28, 28]);
      const { logits, mu, logvar } = m.forward(x, y);
      expect(logits.shape).toEqual([4, 1, 28, 28]);
      expect(mu.shape).toEqual([4, 8]);
      models.vaeLoss(logits, x, mu, logvar).backward();
      for (const p of m.parameters()) expect(p.grad!.abs().sum().item()).toBeGreaterThan(0);
      const s = () => { manualSeed(7); return Array.from(noGrad(() => m.sample(4, y)).data() as Float32Array); };
      const a = s(), b = s();
      expect(a).toEqual(b);
      expect(Math.min(...a) >= 0 && Math.max(...a) <= 1).toBe(true);
    }
  });
  it('DCGAN generator and discriminator: shapes, N(0, 0.02) init, repeatable samples', () => {
    manualSeed(0);
    const G = new models.DCGANGenerator({ latentDim: 16, width: 16 }), D = new models.DCGANDiscriminator({ width: 16 });
    const w = G.net.modules().find((m) => m instanceof nn.ConvTranspose2d) as nn.ConvTranspose2d;
    const std = w.weight.std().item() as number;
    expect(Math.abs(std - 0.02)).toBeLessThan(0.002);
    const x = G.sample(5);
    expect(x.shape).toEqual([5, 1, 28, 28]);
    expect(D.forward(x).shape).toEqual([5]);
    G.eval();
    const s = () => { manualSeed(3); return Array.from(noGrad(() => G.sample(3)).data() as Float32Array); };
    expect(s()).toEqual(s());
  });
  it('conditional GAN: labels are used, checked and bounded', () => {
    manualSeed(0);
    const G = new models.DCGANGenerator({ latentDim: 16, width: 8, numClasses: 10 }), D = new models.DCGANDiscriminator({ width: 8, numClasses: 10 });
    G.eval();
    const z = randn([4, 16]);
    const a = G.forward(z, labels), b = G.forward(z, tensor([5, 5, 5, 5], { dtype: 'int64' }));
    expect(a.sub(b).abs().max().item()).toBeGreaterThan(0);
    expect(D.forward(a, labels).shape).toEqual([4]);
    expect(() => G.forward(z, tensor([0, 1, 10, 2], { dtype: 'int64' }))).toThrow(/^DCGANGenerator: class label 10 \(at index 2\) is out of range \[0, 10\)/);
    expect(() => D.forward(a, tensor([-1, 1, 2, 2], { dtype: 'int64' }))).toThrow(/^DCGANDiscriminator: class label -1 \(at index 0\) is out of range \[0, 10\)/);
    expect(() => G.forward(z)).toThrow(/^DCGANGenerator: class labels must be a live int64 Tensor, got none \(this model is conditional\)/);
    expect(() => G.forward(z, tensor([0, 1], { dtype: 'int64' }))).toThrow(/^DCGANGenerator: class labels must have shape \[4\]/);
    expect(() => new models.VAE({ numClasses: 10 }).forward(rand([4, 1, 28, 28]), tensor([0, 1, 2, 12], { dtype: 'int64' }))).toThrow(/^VAE: class label 12 \(at index 3\) is out of range \[0, 10\)/);
    expect(() => new models.DCGANGenerator({ latentDim: 4, width: 4 }).forward(randn([2, 4]), tensor([0, 1], { dtype: 'int64' }))).toThrow(/^DCGANGenerator: this model is unconditional/);
    expect(() => new models.VAE().forward(rand([2, 1, 14, 14]))).toThrow(/^VAE: images must be \[N, 1, 28, 28\], got \[2, 1, 14, 14\]/);
  });
  it('autoencoders reconstruct in [0, 1]; interpolation goes from a to b; noise is seeded', () => {
    manualSeed(0);
    for (const ae of [new models.DenseAutoencoder({ hidden: 32, latentDim: 4 }), new models.ConvAutoencoder({ hidden: 4, latentDim: 2 })]) {
      const x = rand([3, 1, 28, 28]);
      const y = ae.forward(x);
      expect(y.shape).toEqual([3, 1, 28, 28]);
      const strip = models.interpolateLatent(ae, x.narrow(0, 0, 1), x.narrow(0, 1, 1), 5);
      expect(strip.shape).toEqual([5, 1, 28, 28]);
      const r0 = noGrad(() => ae.forward(x.narrow(0, 0, 1)));
      expect(strip.narrow(0, 0, 1).sub(r0).abs().max().item()).toBeLessThan(1e-5);
      utils.saveImageGrid(strip, join(dir, 'strip.png'), { nrow: 5 });
    }
    const x = rand([2, 1, 28, 28]);
    const n = () => { manualSeed(5); return Array.from(data.addGaussianNoise(x, 0.3, { clamp: [0, 1] }).data() as Float32Array); };
    const a = n();
    expect(a).toEqual(n());
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(() => data.addGaussianNoise(x, -1)).toThrow(/^addGaussianNoise: std must be a finite number >= 0, got -1/);
    expect(() => data.addGaussianNoise(x, 0.1, { clamp: [1, 0] })).toThrow(/^addGaussianNoise: clamp must be \[min, max\] with min <= max, got \[1,0\]/);
    expect(() => data.addGaussianNoise([1, 2] as never, 0.1)).toThrow(/^addGaussianNoise: x must be a live Tensor, got object/);
    expect(() => data.addGaussianNoise(tensor([1, 2], { dtype: 'int64' }), 0.1)).toThrow(/^addGaussianNoise: expected a floating-point tensor, got int64/);
    expect(() => models.interpolateLatent(new models.DenseAutoencoder(), x, x)).toThrow(/^interpolateLatent: a must be one image/);
  });
});

describe('frechetDistance (FID formula) against PyTorch', () => {
  it('equals the distance computed from the eigenvalues of the covariance product', () => {
    const q = fx.fid;
    const a = f64(q.a, [q.na, q.f]), b = f64(q.b, [q.nb, q.f]);
    close([utils.frechetDistance(a, b)], [q.fid], 1e-9);
    expect(Math.abs(utils.frechetDistance(a, a))).toBeLessThan(1e-8);
  });
  it('bad input is named', () => {
    expect(() => utils.frechetDistance(rand([5, 3]), rand([5, 4]))).toThrow(/^frechetDistance: a has 3 features but b has 4/);
    expect(() => utils.frechetDistance(rand([1, 3]), rand([5, 3]))).toThrow(/^frechetDistance: a must be \[N, F\] features with N >= 2, got \[1, 3\]/);
  });
});
