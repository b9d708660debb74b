// Autograd benchmarks, side by side with PyTorch (bench/baselines/autograd.py):
// forward+backward of an MLP 784-256-128-10 (ReLU, batch 64, no optimizer), and the
// engine's cost per recorded node on 1-element tensors. Run: node bench/run.js autograd
'use strict';
const b = require('benny');
const my = require('..');

const cases = [
  { name: 'mlp 784-256-128-10 fwd+bwd b64', setup() {
    my.manualSeed(0);
    const p = [[784, 256], [256, 128], [128, 10]].map(([i, o]) => [my.randn(i, o).mul(1 / Math.sqrt(i)).requiresGrad_(), my.zeros(o).requiresGrad_()]);
    const x = my.randn(64, 784);
    const onehot = my.randint(0, 10, [64]).oneHot(10).float();
    return () => my.tidy(() => {
      let h = x;
      p.forEach(([w, bias], i) => { h = h.matmul(w).add(bias); if (i < 2) h = h.relu(); });
      h.logSoftmax(1).mul(onehot).sum().div(-64).backward();
      for (const [w, bias] of p) { w.grad.zero_(); bias.grad.zero_(); }
    });
  } },
  { name: 'autograd node (1-element mul+backward, 100 nodes)', setup() {
    const x = my.ones(1).requiresGrad_();
    return () => my.tidy(() => {
      let y = x;
      for (let i = 0; i < 100; i++) y = y.mul(1.0001);
      y.sum().backward();
      x.grad.zero_();
    });
  } },
];

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 1.5 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

// 100,000 forward/backward steps of test/autograd_memory.test.ts's small MLP (20-32-10,
// batch 16, SGD by hand): after backward the graph and its saved tensors are released, so
// live native memory must not grow.
function memoryLoop(n = 100000) {
  my.manualSeed(0);
  const w1 = my.randn(20, 32).mul(0.1).requiresGrad_(), w2 = my.randn(32, 10).mul(0.1).requiresGrad_();
  const x = my.randn(16, 20), t = my.randint(0, 10, [16]);
  const step = () => my.tidy(() => {
    x.matmul(w1).relu().matmul(w2).logSoftmax(1).gather(1, t.unsqueeze(1)).mean().neg().backward();
    my.noGrad(() => { w1.sub_(w1.grad.mul(0.1)); w2.sub_(w2.grad.mul(0.1)); w1.grad.zero_(); w2.grad.zero_(); });
  });
  for (let i = 0; i < 100; i++) step();
  const before = my.memory();
  let peak = 0;
  for (let i = 0; i < n; i++) {
    step();
    if (i % 1000 === 0) peak = Math.max(peak, my.memory().numBytes);
  }
  return { n, before, peak, after: my.memory() };
}

module.exports = {
  cases, runCase, baseline: 'autograd.py',
  notes: (rows) => {
    const lines = rows.map((r) => r.name.startsWith('mlp')
      ? `${r.name}: myelin ${(1e3 / r.myelin).toFixed(3)} ms/step, PyTorch ${r.torch ? (1e3 / r.torch).toFixed(3) : '-'} ms/step`
      : `per recorded node (fwd+bwd): myelin ${(1e6 / r.myelin / 100).toFixed(3)} us, PyTorch ${r.torch ? (1e6 / r.torch / 100).toFixed(3) : '-'} us`);
    const m = memoryLoop();
    lines.push(`memory: ${m.n} MLP forward/backward steps: live native bytes ${m.before.numBytes} -> peak ${m.peak} -> ${m.after.numBytes}, tensors ${m.before.numTensors} -> ${m.after.numTensors}`);
    return lines;
  },
};
