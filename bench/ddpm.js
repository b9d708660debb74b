// Diffusion benchmarks, side by side with PyTorch CPU (bench/baselines/ddpm.py, the same U-Net from
// scripts/torch_unet.py): a DDPM training step of the MNIST U-Net (channels 32, mults 1-2-2, attention at
// 7x7, 10 classes) at batch 64 with Adam, and DDIM sampling of 64 images in 50 steps (conditional, no guidance).
// Run: node bench/run.js ddpm [filters]   (OPENBLAS_CORETYPE=Haswell as in README)
'use strict';
const b = require('benny');
const my = require('..');

const unet = () => new my.models.UNet({ channels: 32, channelMults: [1, 2, 2], attentionLevels: [2], groups: 8, numClasses: 10 });
const labels = Array.from({ length: 64 }, (_, i) => i % 10);
const cases = [
  { name: 'DDPM U-Net train step b64 28x28 adam', setup() {
    my.manualSeed(0);
    const d = new my.models.GaussianDiffusion(unet(), new my.models.NoiseSchedule(1000));
    const opt = new my.optim.Adam(d.model.parameters(), { lr: 2e-4 });
    const x = my.rand([64, 1, 28, 28]).mul(2).sub(1);
    return () => my.tidy(() => { opt.zeroGrad(); d.loss(x, labels, { pUncond: 0.1 }).backward(); opt.step(); });
  } },
  { name: 'DDIM sample 64 images 50 steps', setup() {
    my.manualSeed(0);
    const d = new my.models.GaussianDiffusion(unet(), new my.models.NoiseSchedule(1000));
    return () => d.sampleDdim(64, [1, 28, 28], { steps: 50, labels }).dispose();
  } },
];

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 3, maxTime: 5 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'ddpm.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${(1e3 / r.myelin).toFixed(0)} ms, PyTorch ${r.torch ? `${(1e3 / r.torch).toFixed(0)} ms` : '-'}`),
};
