// CNN benchmarks, side by side with PyTorch CPU (bench/baselines/cnn.py): conv2d
// forward+backward at the MNIST CNN's two conv shapes (batch 64), a ResNet-18 forward at
// 224x224 batch 8 (eval, no grad), a ResNet-18 SGD training step at 32x32 batch 64, and one
// epoch of the MNIST CNN recipe on the real data. Run: node bench/run.js cnn [filters]
'use strict';
const b = require('benny');
const my = require('..');

const EPOCHS = Number(process.env.MNIST_CNN_EPOCHS || 1);
const last = {};
const convCase = (name, [n, c, h, w], oc) => ({ name, setup() {
  my.manualSeed(0);
  const x = my.randn(n, c, h, w).requiresGrad_(), wt = my.randn(oc, c, 3, 3).mul(0.1).requiresGrad_(), bias = my.zeros(oc).requiresGrad_();
  return () => my.tidy(() => {
    my.conv2d(x, wt, bias, { padding: 1 }).sum().backward();
    x.grad = null; wt.grad = null; bias.grad = null;
  });
} });
const cases = [
  convCase('conv2d 1->32 3x3 p1 fwd+bwd [64,1,28,28]', [64, 1, 28, 28], 32),
  convCase('conv2d 32->64 3x3 p1 fwd+bwd [64,32,14,14]', [64, 32, 14, 14], 64),
  { name: 'resnet18 forward [8,3,224,224] eval', setup() {
    my.manualSeed(0);
    const net = my.models.resnet18().eval(), x = my.randn(8, 3, 224, 224);
    return () => my.noGrad(() => my.tidy(() => { net.forward(x); }));
  } },
  { name: 'resnet18 train step [64,3,32,32] sgd', setup() {
    my.manualSeed(0);
    const net = my.models.resnet18({ numClasses: 10 }), x = my.randn(64, 3, 32, 32), y = my.randint(0, 10, [64]);
    const opt = new my.optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    return () => my.tidy(() => { opt.zeroGrad(); my.nn.functional.crossEntropy(net.forward(x), y).backward(); opt.step(); });
  } },
  { name: `mnist cnn epoch (${EPOCHS} epochs)`, epoch: true },
];

async function runCase(c) {
  if (c.epoch) {
    const quiet = { start() {}, update() {}, stop() {} };
    const r = await my.train.recipes.trainMnistCnn({ epochs: EPOCHS, progress: quiet });
    last[c.name] = r.testAcc;
    const times = r.logs.map((l) => l.seconds).sort((a, b) => a - b);
    return 1 / times[(times.length - 1) >> 1];
  }
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 2 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'cnn.py',
  notes: (rows) => rows.map((r) => r.name.startsWith('mnist')
    ? `${r.name}: myelin ${(1 / r.myelin).toFixed(1)} s/epoch (test acc ${(100 * last[r.name]).toFixed(2)}%), PyTorch ${r.torch ? (1 / r.torch).toFixed(1) : '-'} s/epoch (test acc ${r.torchAcc != null ? (100 * r.torchAcc).toFixed(2) : '-'}%)`
    : `${r.name}: myelin ${(1e3 / r.myelin).toFixed(1)} ms, PyTorch ${r.torch ? (1e3 / r.torch).toFixed(1) : '-'} ms`),
};
