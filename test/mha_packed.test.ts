// MultiheadAttention's packed self-attention path (ts/nn/attention.ts packedSelfAttention: q, k and v
// from one [rows, 3E] GEMM, one backward node writing dq, dk, dv into the packed gradient) against the
// three-projection path, which the same module takes when key and value are other tensors: outputs and
// every gradient with attention dropout under one seed, and second-order gradients (createGraph).
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { nn } from '../ts/index';

const maxDiff = (a: my.Tensor, b: my.Tensor): number => a.sub(b).abs().max().item() as number;
type Case = [string, boolean, boolean];
const CASES: Case[] = [['batchFirst', true, true], ['seq-first', false, true], ['unbatched', false, false]];

function setup(batchFirst: boolean, batched: boolean, dropout: number): [nn.MultiheadAttention, my.Tensor] {
  my.manualSeed(3);
  const mha = new nn.MultiheadAttention(12, 3, { batchFirst, dropout, dtype: 'float64' });
  my.noGrad(() => mha.in_proj_bias!.copy_(my.randn([36], { dtype: 'float64' })));
  return [mha, my.randn(!batched ? [6, 12] : batchFirst ? [2, 6, 12] : [6, 2, 12], { dtype: 'float64' })];
}
/** y, x's gradient and the parameters' gradients; packed: key and value are query itself. */
function run(mha: nn.MultiheadAttention, x0: my.Tensor, packed: boolean, isCausal: boolean, seed: number): my.Tensor[] {
  const x = x0.detach().requiresGrad_(true);
  for (const p of mha.parameters()) p.grad = null;
  const kv = packed ? x : x.mul(1);  // equal values, another tensor: the three-projection path
  my.manualSeed(seed);
  const [y] = mha.forward(x, kv, kv, { needWeights: false, isCausal, attnMask: isCausal ? nn.Transformer.generateSquareSubsequentMask(6, { dtype: 'float64' }) : undefined });
  y.mul(my.arange(y.numel(), undefined, 1, { dtype: 'float64' }).reshape([...y.shape]).cos()).sum().backward();
  return [y, x.grad!, ...mha.parameters().map((p) => p.grad!)];
}

describe('MultiheadAttention packed self-attention equals the three-projection path (float64)', () => {
  for (const [name, batchFirst, batched] of CASES) {
    it(`${name}, causal, attention dropout 0.3 under one seed: output and every gradient`, () => {
      const [mha, x] = setup(batchFirst, batched, 0.3);
      const a = run(mha, x, true, true, 11), b = run(mha, x, false, true, 11);
      a.forEach((t, i) => expect(maxDiff(t, b[i])).toBeLessThan(1e-12));
      // the dropout acted: another seed gives another output
      expect(maxDiff(run(mha, x, true, true, 12)[0], a[0])).toBeGreaterThan(1e-3);
    });
  }
  it('the packed path is taken: attention reads one packed projection (one graph input), the other path three', () => {
    const [mha, x0] = setup(true, true, 0);
    const sdpaInputs = (packed: boolean): number[] => {
      const x = x0.detach().requiresGrad_(true);
      const [y] = mha.forward(x, x, packed ? x : x.mul(1), { needWeights: false });
      const found: number[] = [], seen = new Set<unknown>();
      type N = { name: string; inputs: unknown[]; next: (N | null)[] };
      const walk = (n: N | null): void => {
        if (!n || seen.has(n)) return;
        seen.add(n);
        if (n.name === 'sdpa_flash') found.push(n.inputs.length);
        n.next.forEach(walk);
      };
      walk(y.gradFn as unknown as N);
      return found;
    };
    expect([sdpaInputs(true), sdpaInputs(false)]).toEqual([[1], [3]]);
  });
  it('no mask, eval mode: equal; and second-order gradients (createGraph) equal too, with dropout', () => {
    for (const training of [false, true]) {
      const [mha, x0] = setup(true, true, 0.25);
      mha.train(training);
      const a = run(mha, x0, true, false, 5), b = run(mha, x0, false, false, 5);
      a.forEach((t, i) => expect(maxDiff(t, b[i])).toBeLessThan(1e-12));
      const second = (packed: boolean): my.Tensor[] => {
        const x = x0.detach().requiresGrad_(true), kv = packed ? x : x.mul(1);
        my.manualSeed(9);
        const [y] = mha.forward(x, kv, kv, { needWeights: false });
        const [g] = my.autograd.grad(y.square().sum(), [x], { createGraph: true });
        const W = mha.in_proj_weight!;
        return my.autograd.grad(g!.square().sum(), [x, W]) as my.Tensor[];
      };
      const [gx, gw] = second(true), [hx, hw] = second(false);
      expect(maxDiff(gx, hx)).toBeLessThan(1e-10);
      expect(maxDiff(gw, hw)).toBeLessThan(1e-10);
    }
  });
});
