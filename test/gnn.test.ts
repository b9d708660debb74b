// gnn layers against PyTorch Geometric (test/fixtures/gnn.json from scripts/gen_gnn_fixtures.py):
// PyG's state dict loaded strictly, then outputs and the gradients of sum(out * R) for x and
// every parameter in float64; pooling, Batch.fromDataList, scatter_reduce's tie gradients,
// the karate club against networkx, and bad input (PyG's errors).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { gnn, nn, type Tensor } from '../ts/index';

interface T { shape: number[]; data: number[] }
interface LayerCase { name: string; state: Record<string, T>; out: T; r: T; grad_x: T; grads: Record<string, T> }
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'gnn.json'), 'utf8'));

const f64 = (t: T): Tensor => my.tensor(t.data, { shape: t.shape, dtype: 'float64' });
const i64 = (t: T): Tensor => my.tensor(t.data.map(BigInt), { shape: t.shape, dtype: 'int64' });
function close(got: Tensor, want: T, what: string, tol = 1e-8): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const g = Array.from(got.to('float64').contiguous().data() as Float64Array);
  const bad = g.findIndex((v, i) => !(Math.abs(v - want.data[i]) <= tol + 1e-7 * Math.abs(want.data[i])));
  expect(bad, `${what}: element ${bad} is ${g[bad]}, PyG ${want.data[bad]}`).toBe(-1);
}

const LAYERS: Record<string, () => nn.Module> = {
  gcn: () => new gnn.GCNConv(5, 4),
  gcn_nobias_noloops: () => new gnn.GCNConv(5, 3, { bias: false, addSelfLoops: false }),
  gat_concat: () => new gnn.GATConv(5, 3, { heads: 2 }),
  gat_mean: () => new gnn.GATConv(5, 3, { heads: 2, concat: false }),
  gat_1head_slope: () => new gnn.GATConv(5, 4, { negativeSlope: 0.1 }),
  sage_mean: () => new gnn.SAGEConv(5, 4),
  sage_max: () => new gnn.SAGEConv(5, 4, { aggr: 'max' }),
  gin: () => new gnn.GINConv(new nn.Sequential(new nn.Linear(5, 8), new nn.ReLU(), new nn.Linear(8, 4)), { eps: 0.1, trainEps: true }),
  gin_fixed_eps: () => new gnn.GINConv(new nn.Linear(5, 3)),
};

describe('gnn layers vs PyTorch Geometric ' + fx.torch_geometric, () => {
  const edge = i64(fx.edge_index);
  for (const c of fx.layers as LayerCase[]) {
    it(`${c.name}: state-dict keys, output, gradients for x and every parameter`, () => {
      const layer = LAYERS[c.name]().double();
      expect([...layer.stateDict().keys()].sort()).toEqual(Object.keys(c.state).sort());
      layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, f64(v)])), { strict: true });
      layer.eval();
      const x = f64(fx.x).requiresGrad_();
      const out = (layer.forward as (x: Tensor, e: Tensor) => Tensor)(x, edge);
      close(out, c.out, 'out');
      out.mul(f64(c.r)).sum().backward();
      close(x.grad!, c.grad_x, 'grad x');
      const params = Object.fromEntries(layer.namedParameters());
      expect(Object.keys(params).sort()).toEqual(Object.keys(c.grads).sort());
      for (const [k, g] of Object.entries(c.grads)) close(params[k].grad!, g, `grad ${k}`);
    });
  }

  it('float32 GCN matches the float64 reference to float32 precision', () => {
    const c = (fx.layers as LayerCase[]).find((l) => l.name === 'gcn')!;
    const layer = new gnn.GCNConv(5, 4);
    layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, f64(v).float()])));
    close(layer.forward(f64(fx.x).float(), edge), c.out, 'out f32', 1e-5);
  });

  it('GAT attention dropout acts in training only', () => {
    my.manualSeed(1);
    const gat = new gnn.GATConv(5, 3, { heads: 2, dropout: 0.5 });
    const x = f64(fx.x).float();
    gat.eval();
    const a = gat.forward(x, edge), b = gat.forward(x, edge);
    expect(a.sub(b).abs().max().item()).toBe(0);
    gat.train();
    const d = gat.forward(x, edge);
    expect(Number(d.sub(a).abs().max().item())).toBeGreaterThan(1e-3);
  });

  it('MessagePassing subclasses aggregate by sum, mean and max (vs the explicit neighbour lists)', () => {
    class Plain extends gnn.MessagePassing { forward(x: Tensor, e: Tensor): Tensor { return this.propagate(e, x); } }
    const x = f64(fx.x), src = fx.edge_index.data.slice(0, 12), dst = fx.edge_index.data.slice(12);
    const xs = x.toArray() as number[][];
    for (const aggr of ['sum', 'mean', 'max'] as const) {
      const got = new Plain({ aggr }).forward(x, edge).toArray() as number[][];
      for (let i = 0; i < 7; i++) for (let f = 0; f < 5; f++) {
        const vals = src.filter((_: number, k: number) => dst[k] === i).map((j: number) => xs[j][f]);
        const want = vals.length === 0 ? 0 : aggr === 'sum' ? vals.reduce((p: number, v: number) => p + v, 0)
          : aggr === 'mean' ? vals.reduce((p: number, v: number) => p + v, 0) / vals.length : Math.max(...vals);
        expect(got[i][f]).toBeCloseTo(want, 12);
      }
    }
  });
});

describe('pooling and batching vs PyG', () => {
  const fns = { add: gnn.globalAddPool, mean: gnn.globalMeanPool, max: gnn.globalMaxPool };
  for (const p of fx.pools) {
    it(`global ${p.name} pool: output and gradient`, () => {
      const x = f64(fx.x).requiresGrad_();
      const out = fns[p.name as keyof typeof fns](x, i64(fx.pool_batch));
      close(out, p.out, 'out');
      out.mul(f64(p.r)).sum().backward();
      close(x.grad!, p.grad_x, 'grad x');
    });
  }
  it('Batch.fromDataList joins graphs as one block-diagonal graph', () => {
    const b = fx.batch;
    const graphs = b.graphs.map((g: { x: T; edge_index: T; y: T }) => ({ x: f64(g.x), edgeIndex: i64(g.edge_index), y: i64(g.y) }));
    const batch = gnn.Batch.fromDataList(graphs);
    close(batch.x, b.x, 'x');
    expect(Array.from(batch.edgeIndex.data() as BigInt64Array, Number)).toEqual(b.edge_index.data);
    expect(batch.edgeIndex.shape).toEqual(b.edge_index.shape);
    expect(Array.from(batch.batch.data() as BigInt64Array, Number)).toEqual(b.batch.data);
    expect(Array.from(batch.y!.data() as BigInt64Array, Number)).toEqual(b.y.data);
    expect(batch.ptr).toEqual(b.ptr);
    expect(batch.numGraphs).toBe(2);
  });
});

describe('scatter_reduce gradients vs torch (ties share dy)', () => {
  const x0 = my.tensor([[1, 3, 2, 0], [2, 2, 5, 1]], { dtype: 'float64' });
  const s0 = my.tensor([[3, 1, 3, 2, 0], [2, 5, 2, 1, 1]], { dtype: 'float64' });
  const idx = my.tensor([[1n, 0n, 1n, 2n, 3n], [0n, 2n, 1n, 3n, 3n]], { dtype: 'int64' });
  for (const c of fx.scatter_reduce) {
    it(`${c.reduce}, includeSelf ${c.include_self}`, () => {
      const x = x0.clone().requiresGrad_(), s = s0.clone().requiresGrad_();
      const out = x.scatterReduce(1, idx, s, c.reduce, { includeSelf: c.include_self });
      close(out, c.out, 'out');
      out.mul(f64(c.r)).sum().backward();
      close(x.grad!, c.grad_x, 'grad x');
      close(s.grad!, c.grad_src, 'grad src');
    });
  }
});

describe('karate club data', () => {
  it('the edge list and club labels in the source are networkx\'s', () => {
    expect(gnn.KARATE_EDGES.map((e) => [...e])).toEqual(fx.karate.edges);
    expect([...gnn.KARATE_CLUB_LABELS]).toEqual(fx.karate.club);
    expect([...gnn.KARATE_COMMUNITIES]).toEqual(fx.karate.communities);
    expect([...gnn.KARATE_TRAIN_NODES]).toEqual(fx.karate.train_nodes);
    const g = gnn.karateClub();
    expect(g.edgeIndex.shape).toEqual([2, 156]);
  });
});

describe('gnn bad input (PyG\'s errors)', () => {
  const x = f64(fx.x).float(), edge = i64(fx.edge_index);
  const convs = (): [string, (x: Tensor, e: Tensor) => Tensor][] => [
    ['GCNConv', (a, e) => new gnn.GCNConv(5, 2).forward(a, e)],
    ['GATConv', (a, e) => new gnn.GATConv(5, 2).forward(a, e)],
    ['SAGEConv', (a, e) => new gnn.SAGEConv(5, 2).forward(a, e)],
    ['GINConv', (a, e) => new gnn.GINConv(new nn.Linear(5, 2)).forward(a, e)],
  ];
  for (const [name, run] of convs()) {
    it(`${name}: wrong dtype, wrong shape, out of range, negative (empty graphs: test/gnn_edge.test.ts)`, () => {
      expect(() => run(x, edge.float())).toThrow(new RegExp(`^${name}: Expected 'edge_index' to be of integer type \\(got 'float32'\\)`));
      expect(() => run(x, my.tensor([0n, 1n], { dtype: 'int64' }))).toThrow(new RegExp(`^${name}: Expected 'edge_index' to be two-dimensional \\(got 1 dimensions\\)`));
      expect(() => run(x, my.zeros([3, 4], { dtype: 'int64' }))).toThrow(new RegExp(`^${name}: Expected 'edge_index' to have size '2' in the first dimension \\(got '3'\\)`));
      expect(() => run(x, my.tensor([[0n, 7n], [1n, 2n]], { dtype: 'int64' }))).toThrow(new RegExp(`^${name}: Found indices in 'edge_index' that are larger than 6 \\(got 7\\)`));
      expect(() => run(x, my.tensor([[0n, -1n], [1n, 2n]], { dtype: 'int64' }))).toThrow(new RegExp(`^${name}: Found negative indices in 'edge_index' \\(got -1\\)`));
      expect(() => run(x, 'edges' as unknown as Tensor)).toThrow(new RegExp(`^${name}: edge_index must be a Tensor, got edges`));
    });
  }
  it('an edge index fixed in place is checked again (the cache follows its version)', () => {
    const conv = new gnn.GCNConv(5, 2);
    const e = my.tensor([[0n, 1n], [1n, 2n]], { dtype: 'int64' });
    conv.forward(x, e);
    e.fill_(9);
    expect(() => conv.forward(x, e)).toThrow(/^GCNConv: Found indices in 'edge_index' that are larger than 6 \(got 9\)/);
  });
  it('layer options, pooling and batching', () => {
    expect(() => new gnn.GATConv(5, 2, { heads: 0 })).toThrow(/^GATConv: heads must be at least 1, got 0/);
    expect(() => new gnn.GATConv(5, 2, { dropout: 1.5 })).toThrow(/^GATConv: dropout must be in \[0, 1\), got 1.5/);
    expect(() => new gnn.SAGEConv(5, 2, { aggr: 'median' as 'max' })).toThrow(/^SAGEConv: aggr must be one of 'sum', 'add', 'mean', 'max'/);
    expect(() => new gnn.GCNConv(5, 2).forward(my.zeros([3, 4]), edge)).toThrow(/^GCNConv: expected x with 5 channels, got shape \[3, 4\]/);
    expect(() => new gnn.GINConv(42 as unknown as nn.Module)).toThrow(/^GINConv: nn must be a Module, got 42/);
    expect(() => gnn.globalMeanPool(x, my.zeros([7]))).toThrow(/^globalMeanPool: Expected 'batch' to be of integer type \(got 'float32'\)/);
    expect(() => gnn.globalMaxPool(x, my.zeros([3], { dtype: 'int64' }))).toThrow(/^globalMaxPool: batch must be \[num_nodes\] = \[7\], got shape \[3\]/);
    expect(() => gnn.globalAddPool(x, my.full([7], -1, { dtype: 'int64' }))).toThrow(/^globalAddPool: batch holds a negative graph index \(-1\)/);
    expect(() => gnn.Batch.fromDataList([])).toThrow(/^Batch.fromDataList: expected a non-empty array of graphs, got \[\]/);
    expect(() => gnn.Batch.fromDataList([{ x, edgeIndex: my.tensor([[0n], [9n]], { dtype: 'int64' }) }]))
      .toThrow(/^Batch.fromDataList: graph 0: Found indices in 'edge_index' that are larger than 6 \(got 9\)/);
  });
  it('scatterReduce: unknown reduce, bad index dtype, index out of range', () => {
    const a = my.zeros([3]), s = my.ones([2]);
    expect(() => a.scatterReduce(0, my.tensor([0n, 1n], { dtype: 'int64' }), s, 'median' as 'sum')).toThrow(/^scatter_reduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got "median"/);
    expect(() => a.scatterReduce(0, my.tensor([0, 1]), s, 'sum')).toThrow(/^scatter_reduce: expected index dtype int64, got float32/);
    expect(() => a.scatterReduce(0, my.tensor([0n, 1n], { dtype: 'int64' }), s, 'sum', { includeSelf: 'yes' as unknown as boolean }))
      .toThrow(/^scatter_reduce: includeSelf must be a boolean, got "yes"/);
    expect(() => a.scatterReduce(0, my.tensor([0n, 3n], { dtype: 'int64' }), s, 'amax')).toThrow(/^scatter_reduce: /);
    // prod has a gradient (float64 gradchecks with zeros in test/gradcheck.test.ts): here y / x
    const p = my.tensor([2, 3, 4]).requiresGrad_();
    p.scatterReduce(0, my.tensor([0n, 1n], { dtype: 'int64' }), my.tensor([5, 6]), 'prod').sum().backward();
    expect(Array.from(p.grad!.data() as Float32Array)).toEqual([5, 6, 1]);
  });
});
