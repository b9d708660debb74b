// MNIST rows as a 28-step sequence (the mnist-lstm recipe: LSTM 128, Linear 10, Adam 1e-3
// decayed 0.8x per epoch, batch 64) side by side with PyTorch CPU (bench/baselines/mnist_lstm.py):
// the median epoch time and the final test accuracy. MNIST_LSTM_EPOCHS (default 5) sets the epochs.
// Run: node bench/run.js mnist_lstm
'use strict';
const my = require('..');

const EPOCHS = Number(process.env.MNIST_LSTM_EPOCHS || 5);
const last = {};
const cases = [{ name: `mnist lstm epoch (${EPOCHS} epochs)` }];

async function runCase(c) {
  const quiet = { start() {}, update() {}, stop() {} };
  const r = await my.train.seqRecipes.trainMnistLstm({ epochs: EPOCHS, progress: quiet });
  const times = r.logs.map((l) => l.seconds).sort((a, b) => a - b);
  last[c.name] = r.testAcc;
  return 1 / times[(times.length - 1) >> 1];  // epochs per second
}

module.exports = {
  cases, runCase, baseline: 'mnist_lstm.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${(1 / r.myelin).toFixed(1)} s/epoch (test acc ${(100 * last[r.name]).toFixed(2)}%), `
    + `PyTorch ${r.torch ? (1 / r.torch).toFixed(1) : '-'} s/epoch (test acc ${r.torchAcc != null ? (100 * r.torchAcc).toFixed(2) : '-'}%)`),
};
