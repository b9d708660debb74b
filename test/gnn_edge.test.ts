// Graphs with no edges or no nodes against PyTorch Geometric (test/fixtures/gnn_edge.json from
// scripts/gen_gnn_edge_fixtures.py), and the fused edge ops GATConv and GCNConv run on
// (ts/ops/graph.ts): second derivatives through edgeSoftmax's composite backward against
// autograd through the unfused chain, a larger GAT against the unfused chain, and bad input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { gnn, nn, type Tensor } from '../ts/index';

interface T { shape: number[]; data: (number | 'nan')[] }
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'gnn_edge.json'), 'utf8'));
const num = (v: number | 'nan'): number => (v === 'nan' ? NaN : v);
const f64 = (t: T): Tensor => my.tensor(t.data.map(num), { shape: t.shape, dtype: 'float64' });
const i64 = (v: number[], shape = [v.length]): Tensor => my.tensor(v.map(BigInt), { shape, dtype: 'int64' });
function close(got: Tensor, want: T, what: string, tol = 1e-8): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const g = Array.from(got.to('float64').contiguous().data() as Float64Array), w = want.data.map(num);
  const bad = g.findIndex((v, i) => !(Number.isNaN(w[i]) ? Number.isNaN(v) : Math.abs(v - w[i]) <= tol + 1e-7 * Math.abs(w[i])));
  expect(bad, `${what}: element ${bad} is ${g[bad]}, PyG ${w[bad]}`).toBe(-1);
}
const NO_EDGES = () => my.zeros([2, 0], { dtype: 'int64' });

const LAYERS: Record<string, () => nn.Module> = {
  gcn: () => new gnn.GCNConv(5, 4),
  gcn_noloops: () => new gnn.GCNConv(5, 3, { addSelfLoops: false }),
  gat_concat: () => new gnn.GATConv(5, 3, { heads: 2 }),
  gat_mean_noloops: () => new gnn.GATConv(5, 3, { heads: 2, concat: false, addSelfLoops: false }),
  sage_mean: () => new gnn.SAGEConv(5, 4),
  sage_max: () => new gnn.SAGEConv(5, 4, { aggr: 'max' }),
  gin: () => new gnn.GINConv(new nn.Linear(5, 3), { eps: 0.2 }),
};

describe('empty graphs as PyTorch Geometric ' + fx.torch_geometric + ' runs them', () => {
  for (const c of fx.layers) {
    it(`${c.name}: 4 nodes and no edges (output and gradients), 0 nodes (a [0, out] result)`, () => {
      const layer = LAYERS[c.name]().double();
      layer.loadStateDict(Object.fromEntries(Object.entries(c.state as Record<string, T>).map(([k, v]) => [k, f64(v)])), { strict: true });
      layer.eval();
      const run = layer.forward as (x: Tensor, e: Tensor) => Tensor;
      const x = f64(c.x).requiresGrad_();
      const out = run.call(layer, x, NO_EDGES());
      close(out, c.out, 'out');
      out.mul(f64(c.r)).sum().backward();
      close(x.grad!, c.grad_x, 'grad x');
      const params = Object.fromEntries(layer.namedParameters());
      for (const [k, g] of Object.entries(c.grads as Record<string, T>)) close(params[k].grad!, g, `grad ${k}`);
      const x0 = my.zeros([0, 5], { dtype: 'float64' }).requiresGrad_();
      const empty = run.call(layer, x0, NO_EDGES());
      expect(empty.shape).toEqual(c.empty_out_shape);
      empty.sum().backward();  // backward through an empty graph runs and gives an empty gradient
      expect(x0.grad!.shape).toEqual([0, 5]);
    });
  }
  for (const p of fx.pools) {
    it(`global ${p.pool} pool on no nodes, ${p.case.replace(/_/g, ' ')}`, () => {
      const fn = { add: gnn.globalAddPool, mean: gnn.globalMeanPool, max: gnn.globalMaxPool }[p.pool as 'add'];
      const args: [Tensor | null, number?] = p.case === 'no_batch' ? [null] : p.case === 'empty_batch' ? [my.zeros([0], { dtype: 'int64' })] : [my.zeros([0], { dtype: 'int64' }), 2];
      const x = my.zeros([0, 3]);
      if (p.error) expect(() => fn(x, ...args)).toThrow(/^globalMaxPool: the graph is empty \(x has shape \[0, 3\]\)/);
      else close(fn(x, ...args), p.out, 'pool');
    });
  }
  it('Batch.fromDataList joins a graph without nodes as PyG (batch, shifted edges, ptr)', () => {
    const b = gnn.Batch.fromDataList([
      { x: my.zeros([0, 2]), edgeIndex: NO_EDGES() },
      { x: my.tensor([[1, 2], [3, 4]]), edgeIndex: i64([0, 1], [2, 1]) },
    ]);
    close(b.x, fx.batch.x, 'x');
    expect(Array.from(b.edgeIndex.data() as BigInt64Array, Number)).toEqual(fx.batch.edge_index.data);
    expect(Array.from(b.batch.data() as BigInt64Array, Number)).toEqual(fx.batch.batch.data);
    expect(b.ptr).toEqual(fx.batch.ptr);
    expect(b.numGraphs).toBe(fx.batch.num_graphs);
  });
});

/** The chain GATConv ran before the fused ops: gather, scatter-max softmax, broadcast product, index_add. */
function softmaxUnfused(e: Tensor, dst: Tensor, n: number): Tensor {
  const max = my.noGrad(() => my.zeros([n, e.shape[1]], { dtype: e.dtype }).scatterReduce(0, dst.reshape([-1, 1]).expand([...e.shape]), e.detach(), 'amax', { includeSelf: false }));
  const ex = e.sub(max.indexSelect(0, dst)).exp();
  const sum = my.zeros([n, e.shape[1]], { dtype: e.dtype }).indexAdd(0, dst, ex);
  return ex.div(sum.indexSelect(0, dst).add(1e-16));
}
function gatUnfused(h: Tensor, e: Tensor, src: Tensor, dst: Tensor, n: number): Tensor {
  const alpha = softmaxUnfused(e, dst, n);
  return my.zeros([n, ...h.shape.slice(1)], { dtype: h.dtype }).indexAdd(0, dst, h.indexSelect(0, src).mul(alpha.unsqueeze(-1)));
}

describe('fused edge ops', () => {
  // 40 nodes, 300 random edges (repeats and self loops included), 3 heads of 4 channels, float64
  my.manualSeed(3);
  const n = 40, E = 300;
  const src = my.randint(0, n, [E], { dtype: 'int64' }), dst = my.randint(0, n, [E], { dtype: 'int64' });
  it('edgeSoftmax + edgeWeightedSum give the unfused chain\'s values and gradients', () => {
    const h0 = my.randn([n, 3, 4], { dtype: 'float64' }), e0 = my.randn([E, 3], { dtype: 'float64' }).mul(4);
    const r = my.randn([n, 3, 4], { dtype: 'float64' });
    const run = (fused: boolean) => {
      const h = h0.clone().requiresGrad_(), e = e0.clone().requiresGrad_();
      const out = fused ? my.edgeWeightedSum(h, my.edgeSoftmax(e, dst, n), src, dst, n) : gatUnfused(h, e, src, dst, n);
      out.mul(r).sum().backward();
      return [out, h.grad!, e.grad!];
    };
    const [a, b] = [run(true), run(false)];
    a.forEach((t, i) => expect(Number(t.sub(b[i]).abs().max().item()), `tensor ${i}`).toBeLessThan(1e-12));
  });
  it('second derivatives: edgeSoftmax\'s composite backward under createGraph matches the unfused chain', () => {
    const e0 = my.randn([E, 2], { dtype: 'float64' }), w = my.randn([E, 2], { dtype: 'float64' });
    const hess = (fused: boolean) => {
      const e = e0.clone().requiresGrad_();
      const y = fused ? my.edgeSoftmax(e, dst, n) : softmaxUnfused(e, dst, n);
      const [g] = my.autograd.grad([y.mul(w).sum()], [e], { createGraph: true });
      const [gg] = my.autograd.grad([g.square().sum()], [e]);
      return [g, gg];
    };
    const [a, b] = [hess(true), hess(false)];
    a.forEach((t, i) => expect(Number(t.sub(b[i]).abs().max().item()), `order ${i + 1}`).toBeLessThan(1e-10));
  });
  it('bad input: named errors with the offending value', () => {
    const s = my.randn([4, 2]);
    expect(() => my.edgeSoftmax(s, i64([0, 1, 5, 1]), 3)).toThrow(/^edge_softmax: index holds 5 at position 2, outside \[0, 3\)/);
    expect(() => my.edgeSoftmax(s, my.tensor([0, 1, 2, 1]), 3)).toThrow(/^edge_softmax: expected index dtype int64, got float32/);
    expect(() => my.edgeSoftmax(s, i64([0, 1]), 3)).toThrow(/^edge_softmax: index has 2 entries but there are 4 edges/);
    expect(() => my.edgeSoftmax(s, i64([0, 1, 1, 1]), -1)).toThrow(/^edgeSoftmax: numNodes must be an integer >= 0, got -1/);
    expect(() => my.edgeSoftmax(s.to('int64'), i64([0, 1, 1, 1]), 2)).toThrow(/edge_softmax.*int64/);
    expect(() => my.edgeWeightedSum(my.randn([3, 2, 4]), my.randn([2, 3]), i64([0, 1]), i64([0, 1]), 2)).toThrow(/^edge_weighted_sum: expected x \[num_nodes, heads, channels\] with weight \[num_edges, heads\]/);
    expect(() => my.edgeWeightedSum(my.randn([3, 2]), my.randn([2]), i64([0, 3]), i64([0, 1]), 2)).toThrow(/^edge_weighted_sum: src holds 3 at position 1, outside \[0, 3\)/);
    expect(() => my.edgeWeightedSum(my.randn([3, 2]), my.randn([2], { dtype: 'float64' }), i64([0, 1]), i64([0, 1]), 2)).toThrow(/^edge_weighted_sum: x and weight must have one dtype, got float32 and float64/);
    expect(() => my.edgeDot(my.randn([3, 2]), my.randn([3, 3]), i64([0]), i64([0]))).toThrow(/^edge_dot: expected a \[num_a, heads, channels\]/);
    expect(() => my.edgeDot(my.randn([3, 2]), 'b' as unknown as Tensor, i64([0]), i64([0]))).toThrow(/^edgeDot: b must be a Tensor, got "b"/);
    expect(() => my.edgeSoftmaxBackward(my.randn([3]), my.randn([4]), i64([0, 0, 0, 0]), 1)).toThrow(/^edge_softmax_backward: grad \[3\] float32 must match out \[4\] float32/);
  });
});
