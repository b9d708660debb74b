// Native graph replay (native/core/graph.cpp) against eager calls, side by side with
// PyTorch eager and torch.jit.trace (bench/baselines/graph.py): the replay overhead per op
// on a chain of 1-element adds, and the MNIST MLP (784-256-128-10, ReLU) at batch 1.
// Run: node bench/run.js graph [filter] (build dist first).
'use strict';
const b = require('benny');
const my = require('..');
const { native } = require('../dist/binding');

const CHAIN = 100;
const cases = [];
const add = (name, setup) => cases.push({ name, setup });
const s = (slot) => ({ slot });

// y = ((x + c) + c) + ... CHAIN times; slots: 0 x, 1 c, 2.. the chain
function chainGraph() {
  const c = my.ones(1);
  const steps = Array.from({ length: CHAIN }, (_, k) => ['add', [s(k === 0 ? 0 : k + 1), s(1)], [k + 2]]);
  return { c, g: native.graph_new(CHAIN + 2, [[1, c._h]], steps, [0], [CHAIN + 1], [['float32', [1]]]) };
}
add(`chain of ${CHAIN} 1-element adds, graph_run`, () => {
  const { g } = chainGraph();
  const x = my.ones(1);
  return () => native.dispose(native.graph_run(g, [x._h])[0]);
});
add(`chain of ${CHAIN} 1-element adds, eager`, () => {
  const x = my.ones(1), c = my.ones(1);
  return () => my.tidy(() => { let y = x; for (let k = 0; k < CHAIN; k++) y = y.add(c); return undefined; });
});
// a 1-step graph: the run's fixed cost (inputs, slots, the JS call) plus one step; the
// chain minus this, per extra step, is what each replayed op costs (kernel, allocation and
// the executor's own work together), reported in the notes
add('1 1-element add, graph_run', () => {
  const c = my.ones(1);
  const g = native.graph_new(3, [[1, c._h]], [['add', [s(0), s(1)], [2]]], [0], [2], [['float32', [1]]]);
  const x = my.ones(1);
  return () => native.dispose(native.graph_run(g, [x._h])[0]);
});

function mlp() {
  my.manualSeed(0);
  const sizes = [784, 256, 128, 10];
  const ws = [], bs = [];
  for (let k = 0; k < 3; k++) { ws.push(my.randn(sizes[k], sizes[k + 1]).mul(0.05)); bs.push(my.randn(sizes[k + 1]).mul(0.05)); }
  // slots: 0 x, 1-3 weights, 4-6 biases, 7.. intermediates
  const steps = [];
  let cur = 0, next = 7;
  for (let k = 0; k < 3; k++) {
    steps.push(['matmul', [s(cur), s(1 + k)], [next]]);
    steps.push(['add', [s(next), s(4 + k)], [next + 1]]);
    cur = next + 1; next += 2;
    if (k < 2) { steps.push(['relu', [s(cur)], [next]]); cur = next; next += 1; }
  }
  const consts = [...ws.map((w, k) => [1 + k, w._h]), ...bs.map((v, k) => [4 + k, v._h])];
  const g = native.graph_new(next, consts, steps, [0], [cur], [['float32', [1, 784]]]);
  const eager = (x) => x.matmul(ws[0]).add(bs[0]).relu().matmul(ws[1]).add(bs[1]).relu().matmul(ws[2]).add(bs[2]);
  return { g, eager };
}
add('MLP 784-256-128-10 batch 1, graph_run', () => {
  const { g } = mlp();
  const x = my.randn(1, 784);
  return () => native.dispose(native.graph_run(g, [x._h])[0]);
});
add('MLP 784-256-128-10 batch 1, eager', () => {
  const { eager } = mlp();
  const x = my.randn(1, 784);
  return () => my.tidy(() => { eager(x); return undefined; });
});

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 1.5 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = { cases, runCase, baseline: 'graph.py' };
module.exports.notes = (rows) => {
  const r = (prefix) => rows.find((x) => x.name.startsWith(prefix));
  const lines = [];
  const chain = r(`chain of ${CHAIN} 1-element adds, graph_run`), one = r('1 1-element add, graph_run'), eager = r(`chain of ${CHAIN} 1-element adds, eager`);
  if (chain) lines.push(`graph replay: ${(1e6 / chain.myelin / CHAIN).toFixed(3)} us per op (torch.jit.trace ${chain.torch ? (1e6 / chain.torch / CHAIN).toFixed(3) : '-'} us)`);
  if (chain && one) lines.push(`graph replay per extra step (kernel, allocation and executor; the run's fixed cost removed): ${((1e6 / chain.myelin - 1e6 / one.myelin) / (CHAIN - 1)).toFixed(3)} us`);
  if (chain && eager) lines.push(`eager: ${(1e6 / eager.myelin / CHAIN).toFixed(3)} us per op (PyTorch eager ${eager.torch ? (1e6 / eager.torch / CHAIN).toFixed(3) : '-'} us); graph ${(chain.myelin / eager.myelin).toFixed(2)}x eager`);
  const mg = r('MLP 784-256-128-10 batch 1, graph_run'), me = r('MLP 784-256-128-10 batch 1, eager');
  if (mg && me) lines.push(`MLP batch 1: graph ${(mg.myelin / me.myelin).toFixed(2)}x the eager calls`);
  return lines;
};
