// Graph-layer benchmarks, side by side with PyTorch Geometric (bench/baselines/gnn.py): one
// training step (forward, cross-entropy on every node, backward) of a 2-layer GCN (784-64-10)
// and a 2-layer GAT (784 -> 8 heads x 8 -> 10, 1 head) on the kNN graph (k = 10, made
// undirected) of the first 10,000 MNIST test images. Both sides build the graph the same way.
// Run: PATH=/tmp/venv-c/bin:$PATH node bench/run.js gnn   (MYELIN_GNN_N=2000 for a smaller graph)
'use strict';
const b = require('benny');
const my = require('..');

const N = Number(process.env.MYELIN_GNN_N || 10000);
let graph = null;
const data = () => (graph ??= my.gnn.mnistKnnGraph({ limit: N, k: 10 }));

class Gcn extends my.nn.Module {
  constructor() { super(); this.c1 = new my.gnn.GCNConv(784, 64); this.c2 = new my.gnn.GCNConv(64, 10); }
  forward(x, e) { return this.c2.forward(this.c1.forward(x, e).relu(), e); }
}
class Gat extends my.nn.Module {
  constructor() { super(); this.c1 = new my.gnn.GATConv(784, 8, { heads: 8 }); this.c2 = new my.gnn.GATConv(64, 10, { heads: 1 }); }
  forward(x, e) { return this.c2.forward(this.c1.forward(x, e).elu(), e); }
}
const step = (name, Net) => ({ name: `${name} fwd+bwd mnist-knn n${N} k10`, setup() {
  my.manualSeed(0);
  const g = data(), net = new Net();
  return () => my.tidy(() => { net.zeroGrad(); my.nn.functional.crossEntropy(net.forward(g.x, g.edgeIndex), g.y).backward(); });
} });
const cases = [step('GCN', Gcn), step('GAT', Gat)];

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 5 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'gnn.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${(1e3 / r.myelin).toFixed(1)} ms, PyG ${r.torch ? `${(1e3 / r.torch).toFixed(1)} ms` : '-'}`),
};
