// The native group_norm / group_norm_backward ops behind nn.GroupNorm: the module's output and
// gradients against the Tensor-op composite (float64, the formula torch documents), the path
// taken (one group_norm node, no batch_norm + mul + add), the U-Net shapes in float32, and bad input.
// torch's own values for the ops are in test/fixtures/conv.json (scripts/gen_conv_fixtures.py).
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { autograd, nn } from '../ts/index';

const F = nn.functional;
/** torch's group norm written in Tensor ops (reference): per (sample, group) mean and biased variance. */
function reference(x: my.Tensor, G: number, w: my.Tensor | null, b: my.Tensor | null, eps = 1e-5): my.Tensor {
  const [N, C] = x.shape, g = x.reshape([N, G, -1]);
  const xc = g.sub(g.mean(-1, { keepdim: true }));
  let y = xc.div(xc.square().mean(-1, { keepdim: true }).add(eps).sqrt()).reshape([...x.shape]);
  const bs = [1, C, ...Array(x.ndim - 2).fill(1)];
  if (w) y = y.mul(w.reshape(bs));
  if (b) y = y.add(b.reshape(bs));
  return y;
}
const maxDiff = (a: my.Tensor, b: my.Tensor): number => a.sub(b).abs().max().item() as number;

describe('GroupNorm on the native group_norm', () => {
  for (const [name, shape, G, affine, dtype, tol] of [
    ['4-D affine float64', [3, 6, 5, 4], 3, true, 'float64', 1e-12],
    ['3-D no affine float64', [2, 8, 7], 4, false, 'float64', 1e-12],
    ['U-Net 28x28 float32', [4, 32, 28, 28], 8, true, 'float32', 2e-5],
    ['U-Net 7x7 float32', [8, 64, 7, 7], 8, true, 'float32', 2e-5],
  ] as const) {
    it(`${name}: output and gradients match the composite`, () => {
      my.manualSeed(7);
      const x = my.randn([...shape], { dtype, requiresGrad: true }).mul(2).add(0.5).detach().requiresGrad_();
      const C = shape[1];
      const w = affine ? my.rand([C], { dtype }).add(0.5).requiresGrad_() : null;
      const b = affine ? my.randn([C], { dtype }).requiresGrad_() : null;
      const dy = my.randn([...shape], { dtype });
      const y = F.groupNorm(x, G, w, b);
      expect(y.gradFn?.name).toBe('group_norm');
      const yr = reference(x, G, w, b);
      expect(maxDiff(y, yr)).toBeLessThan(tol * 10);
      const ins = [x, ...(w && b ? [w, b] : [])];
      const got = autograd.grad([y], ins, { gradOutputs: [dy] });
      const want = autograd.grad([yr], ins, { gradOutputs: [dy] });
      // dweight / dbias sum over N·H·W values: scale the tolerance by their size
      got.forEach((g, k) => expect(maxDiff(g!, want[k]!), `grad ${k}`).toBeLessThan(tol * (k === 0 ? 10 : 1000) * (1 + (want[k]!.abs().max().item() as number))));
    });
  }

  it('the saved statistics are [N, G] (torch.native_group_norm)', () => {
    const x = my.randn([2, 6, 3, 3]);
    const { mean, rstd } = my.groupNormStats(x, 3, null, null);
    expect(mean.shape).toEqual([2, 3]);
    expect(rstd.shape).toEqual([2, 3]);
    const g = x.reshape([2, 3, -1]);
    expect(maxDiff(mean, g.mean(-1))).toBeLessThan(1e-6);
    expect(maxDiff(rstd, g.var(-1, { correction: 0 }).add(1e-5).rsqrt())).toBeLessThan(1e-4);
  });

  it('bad input: named errors', () => {
    const x = my.randn([2, 4, 3, 3]);
    expect(() => F.groupNorm(x, 3)).toThrow(/^groupNorm: expected number of channels in input \(4\) to be divisible by num_groups \(3\)/);
    expect(() => my.groupNormStats(x, 3, null, null)).toThrow(/^group_norm: expected number of channels in input \(4\) to be divisible by num_groups \(3\)/);
    expect(() => my.groupNormStats(x, 2, my.ones([3]), null)).toThrow(/^group_norm: expected weight of shape \[4\], got \[3\]/);
    expect(() => my.groupNormStats(x, 2, null, my.ones([4], { dtype: 'float64' }))).toThrow(/^group_norm: expected bias of dtype float32, got float64/);
    expect(() => my.groupNormStats(x, 2, null, null, -1)).toThrow(/^group_norm: eps must be non-negative/);
    expect(() => my.groupNormStats(my.randn([4]), 2, null, null)).toThrow(/^group_norm: expected input of at least 2 dims/);
    expect(() => my.groupNormStats(my.ones([2, 4], { dtype: 'int32' }), 2, null, null)).toThrow(/^group_norm: input must be float32 or float64, got int32/);
    expect(() => my.groupNormStats(3 as unknown as my.Tensor, 2, null, null)).toThrow(/^groupNorm: input/);
    const { mean, rstd } = my.groupNormStats(x, 2, null, null);
    expect(() => my.groupNormBackward(my.randn([2, 4, 3]), x, null, mean, rstd, 2)).toThrow(/^group_norm_backward: grad_output \[2, 4, 3\]/);
    expect(() => my.groupNormBackward(my.randn([2, 4, 3, 3]), x, null, my.randn([3]), rstd, 2)).toThrow(/^group_norm_backward: expected mean with 4 values/);
    expect(() => my.groupNormBackward(my.randn([2, 4, 3, 3]), x, my.ones([5]), mean, rstd, 2)).toThrow(/^group_norm_backward: expected weight of shape \[4\]/);
    expect(() => my.groupNormBackward(my.randn([2, 4, 3, 3]), x, null, mean, rstd, 0)).toThrow(/^group_norm_backward: expected number of channels in input \(4\) to be divisible by num_groups \(0\)/);
  });

  it('a GroupNorm training loop keeps native memory flat', () => {
    my.manualSeed(3);
    const net = new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.GroupNorm(4, 8), new nn.SiLU());
    const opt = new my.optim.Adam(net.parameters(), { lr: 1e-3 });
    const x = my.randn([4, 1, 8, 8]);
    const step = () => my.tidy(() => { opt.zeroGrad(); (net.forward(x) as my.Tensor).square().mean().backward(); opt.step(); });
    for (let i = 0; i < 5; i++) step();
    const before = my.memory();
    for (let i = 0; i < 50; i++) step();
    const after = my.memory();
    expect(after.numTensors).toBeLessThanOrEqual(before.numTensors);
    expect(after.numBytes).toBeLessThanOrEqual(before.numBytes);
  });
});
