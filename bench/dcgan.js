// DCGAN training step on MNIST-sized images, side by side with PyTorch CPU (bench/baselines/dcgan.py):
// batch 64, z 100, width 64 (generator 100→256@7→128@14→1@28, discriminator 1→64@14→128@7→1), one
// discriminator step (real + detached fake, BCE with logits) and one generator step, Adam 2e-4 (0.5, 0.999).
// Run: node bench/run.js dcgan
'use strict';
const b = require('benny');
const my = require('..');

const B = 64;
const cases = [{ name: `DCGAN train step b${B} w64 (D step + G step, adam)`, setup() {
  my.manualSeed(0);
  const G = new my.models.DCGANGenerator(), D = new my.models.DCGANDiscriminator();
  const optG = new my.optim.Adam(G.parameters(), { lr: 2e-4, betas: [0.5, 0.999] }), optD = new my.optim.Adam(D.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const real = my.keep(my.rand([B, 1, 28, 28]).mul(2).sub(1)), ones = my.keep(my.ones([B])), zeros = my.keep(my.zeros([B]));
  const bce = my.nn.functional.binaryCrossEntropyWithLogits;
  return () => my.tidy(() => {
    const fake = G.forward(my.randn([B, 100]));
    optD.zeroGrad();
    bce(D.forward(real), ones).add(bce(D.forward(fake.detach()), zeros)).backward();
    optD.step();
    optG.zeroGrad();
    bce(D.forward(fake), ones).backward();
    optG.step();
  });
} }];

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 5 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'dcgan.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${(1e3 / r.myelin).toFixed(1)} ms, PyTorch ${r.torch ? `${(1e3 / r.torch).toFixed(1)} ms, ratio myelin/torch time ${(r.torch / r.myelin).toFixed(2)}` : '-'}`),
};
