// Recurrent-layer benchmarks, side by side with PyTorch CPU (bench/baselines/rnn.py): one
// training step (forward, backward, Adam) of a 1-layer LSTM and GRU, input 64, hidden 256,
// batch 64, 50 steps, batchFirst, loss = mean of the output. Tokens/s = batch * steps / time.
// Run: node bench/run.js rnn [filters]   (OPENBLAS_CORETYPE=Haswell as in README)
// MYELIN_RNN_COMPOSED=1 runs the layers' steps as Tensor ops instead of the fused native cells (the before).
'use strict';
const b = require('benny');
const my = require('..');

const [I, H, B, T] = [64, 256, 64, 50];
const step = (Layer) => ({ name: `${Layer} train step in${I} h${H} b${B} t${T} adam`, setup() {
  my.manualSeed(0);
  const net = new my.nn[Layer](I, H, { batchFirst: true }), x = my.randn(B, T, I);
  const opt = new my.optim.Adam(net.parameters(), { lr: 1e-3 });
  return () => my.tidy(() => { opt.zeroGrad(); net.forward(x)[0].mean().backward(); opt.step(); });
} });
const cases = [step('LSTM'), step('GRU')];

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 3 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'rnn.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${(1e3 / r.myelin).toFixed(1)} ms (${Math.round(r.myelin * B * T)} tokens/s), `
    + `PyTorch ${r.torch ? `${(1e3 / r.torch).toFixed(1)} ms (${Math.round(r.torch * B * T)} tokens/s)` : '-'}`),
};
