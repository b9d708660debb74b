// The fast paths of a transformer training step: MultiheadAttention's SDPA path (needWeights false:
// the inputs' own rows, strided head views, torch's isCausal hint) against its general path, and
// float32 GEMMs with a transposed A (routed to OpenBLAS, split over threads) against float64.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { nn } from '../ts/index';

const maxDiff = (a: my.Tensor, b: my.Tensor): number => a.sub(b).abs().max().item() as number;

/** Output and input/parameter gradients of mha(query, key, value) with needWeights true and false. */
function both(mha: nn.MultiheadAttention, q: my.Tensor, k: my.Tensor, v: my.Tensor, fo: nn.MultiheadAttentionForwardOptions): number[] {
  const run = (needWeights: boolean): my.Tensor[] => {
    const [qq, kk, vv] = [q, k, v].map((t) => t.detach().requiresGrad_(true));
    for (const p of mha.parameters()) p.grad = null;
    const [y] = mha.forward(qq, k === q ? qq : kk, v === q ? qq : v === k ? kk : vv, { ...fo, needWeights });
    y.mul(my.arange(y.numel(), undefined, 1, { dtype: y.dtype }).reshape([...y.shape]).sin()).sum().backward();
    return [y, qq.grad!, ...(k === q ? [] : [kk.grad!]), ...mha.parameters().map((p) => p.grad!)];
  };
  const a = run(true), b = run(false);
  return a.map((t, i) => maxDiff(t, b[i]));
}

describe('MultiheadAttention: the SDPA path equals the explicit path', () => {
  const cases: [string, boolean, boolean][] = [['batchFirst', true, true], ['seq-first', false, true], ['unbatched', false, false]];
  for (const [name, batchFirst, batched] of cases) {
    it(`${name} self-attention with a causal mask and the isCausal hint, dropout off, float64`, () => {
      my.manualSeed(7);
      const mha = new nn.MultiheadAttention(12, 3, { batchFirst, dtype: 'float64' });
      my.noGrad(() => mha.in_proj_bias!.copy_(my.randn([36], { dtype: 'float64' })));
      const x = my.randn(!batched ? [5, 12] : batchFirst ? [2, 5, 12] : [5, 2, 12], { dtype: 'float64' });
      const mask = nn.Transformer.generateSquareSubsequentMask(5, { dtype: 'float64' });
      for (const d of both(mha, x, x, x, { attnMask: mask, isCausal: true })) expect(d).toBeLessThan(1e-12);
      // the hint alone (no mask) is the same causal attention
      for (const d of both(mha, x, x, x, { isCausal: true })) expect(d).toBeLessThan(1e-12);
    });
  }
  it('cross-attention with kdim/vdim, a key padding mask and a float mask (no hint), seq-first', () => {
    my.manualSeed(8);
    const mha = new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 5, dtype: 'float64' });
    const q = my.randn([4, 3, 8], { dtype: 'float64' }), k = my.randn([7, 3, 6], { dtype: 'float64' }), v = my.randn([7, 3, 5], { dtype: 'float64' });
    const kpm = my.tensor([[0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1]], { dtype: 'float32' }).gt(0);
    const attnMask = my.randn([4, 7], { dtype: 'float64' });
    for (const d of both(mha, q, k, v, { keyPaddingMask: kpm, attnMask })) expect(d).toBeLessThan(1e-12);
  });
  it('an isCausal hint together with a key padding mask keeps the merged mask (torch: the hint is dropped)', () => {
    my.manualSeed(9);
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true, dtype: 'float64' });
    const x = my.randn([2, 6, 8], { dtype: 'float64' });
    const kpm = my.tensor([[0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0]], { dtype: 'float32' }).gt(0);
    const mask = nn.Transformer.generateSquareSubsequentMask(6, { dtype: 'float64' });
    for (const d of both(mha, x, x, x, { attnMask: mask, keyPaddingMask: kpm, isCausal: true })) expect(d).toBeLessThan(1e-12);
  });
});

describe('float32 GEMM with a transposed A (a Linear weight gradient) matches float64', () => {
  for (const threads of [1, 2]) {
    it(`Xᵀ dY at the transformer bench's shapes, ${threads} thread(s)`, () => {
      my.setNumThreads(threads);
      try {
        my.manualSeed(10);
        for (const [m, n, k] of [[1024, 256, 300], [256, 1024, 300], [64, 48, 301]]) {
          const a = my.randn([k, m]), b = my.randn([k, n]);
          const got = a.t().matmul(b), want = a.to('float64').t().matmul(b.to('float64'));
          expect(maxDiff(got.to('float64'), want)).toBeLessThan(1e-3);
          // and into a transposed B as well (TT)
          const bt = my.randn([n, k]);
          expect(maxDiff(a.t().matmul(bt.t()).to('float64'), a.to('float64').t().matmul(bt.to('float64').t()))).toBeLessThan(1e-3);
        }
      } finally { my.setNumThreads(2); }
    });
  }
});
