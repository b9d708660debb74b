// MNIST MLP end to end, side by side with PyTorch CPU (bench/baselines/mnist.py): the
// README's recipe (784-256-128-10, ReLU, dropout 0.2, Adam 1e-3, batch 64, shuffled) for
// 10 epochs on the real data; reports the median epoch time and the final test accuracy.
// Run: node bench/run.js mnist
'use strict';
const my = require('..');

const EPOCHS = Number(process.env.MNIST_EPOCHS || 10);
const last = {};
const cases = [{ name: `mnist mlp epoch (${EPOCHS} epochs)` }];

async function runCase(c) {
  const quiet = { start() {}, update() {}, stop() {} };
  const r = await my.train.recipes.trainMnistMlp({ epochs: EPOCHS, progress: quiet });
  const times = r.logs.map((l) => l.seconds).sort((a, b) => a - b);
  last[c.name] = r.testAcc;
  return 1 / times[(times.length - 1) >> 1];  // epochs per second
}

module.exports = {
  cases, runCase, baseline: 'mnist.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${(1 / r.myelin).toFixed(2)} s/epoch (test acc ${(100 * last[r.name]).toFixed(2)}%), ` +
    `PyTorch ${r.torch ? (1 / r.torch).toFixed(2) : '-'} s/epoch (test acc ${r.torchAcc != null ? (100 * r.torchAcc).toFixed(2) : '-'}%)`),
};
