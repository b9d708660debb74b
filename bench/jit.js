// Traced graphs: MNIST MLP inference (784-256-128-10, ReLU, as the README's recipe; eval mode)
// at batch 1, the eager module against jit.trace's graph.run, side by side with PyTorch eager
// and torch.jit.trace (bench/baselines/jit.py; the numpy column is a NumPy forward).
// Run: node bench/run.js jit --rounds 3
'use strict';
const b = require('benny');
const my = require('..');

const cases = [];
const add = (name, setup) => cases.push({ name, setup });
const mlp = () => {
  my.manualSeed(0);
  const { Sequential, Linear, ReLU, Dropout } = my.nn;
  return new Sequential(new Linear(784, 256), new ReLU(), new Dropout(0.2), new Linear(256, 128), new ReLU(), new Dropout(0.2), new Linear(128, 10)).eval();
};
add('mnist mlp b1 eager', () => {
  const m = mlp(), x = my.randn(1, 784);
  return () => my.noGrad(() => m.forward(x)).dispose();
});
add('mnist mlp b1 traced', () => {
  const m = mlp(), x = my.randn(1, 784), g = my.jit.trace(m, x);
  return () => g.run(x).dispose();
});

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 1.5 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'jit.py',
  notes: (rows) => {
    const e = rows.find((r) => r.name.endsWith('eager')), t = rows.find((r) => r.name.endsWith('traced'));
    return e && t ? [`traced / eager (myelin): ${(t.myelin / e.myelin).toFixed(2)}x the speed; PyTorch: torch.jit.trace / eager ${t.torch && e.torch ? (t.torch / e.torch).toFixed(2) : '-'}x`] : [];
  },
};
