// silu's native backward (silu_backward, native/core/scalar_ops.h SiluBackward; ts/ops/activation.ts):
// the formula against a float64 composite, the silu gradient through it by gradcheck, the second
// derivative under createGraph (the composite runs there) against its closed form, and bad input.
// torch's values for every layout and dtype are binary.json's silu_backward cases (test/conformance).
import { describe, it, expect } from 'vitest';
import { Tensor, randn, tensor, autograd, siluBackward } from '../ts/index';

const maxDiff = (a: Tensor, b: Tensor): number => a.to('float64').sub(b.to('float64')).abs().max().item();
/** dy * s * (1 + x (1 - s)), s = sigmoid(x), in float64 Tensor ops */
const composite = (dy: Tensor, x: Tensor): Tensor => { const s = x.sigmoid(); return dy.mul(s).mul(x.mul(s.neg().add(1)).add(1)); };

describe('silu_backward', () => {
  it('equals the composite formula (float64 to 1e-15, float32 to 1e-6), with broadcasting', () => {
    const x = randn([64, 33], { dtype: 'float64' }).mul(4), dy = randn([64, 33], { dtype: 'float64' });
    expect(maxDiff(siluBackward(dy, x), composite(dy, x))).toBeLessThan(1e-15);
    expect(maxDiff(siluBackward(dy.to('float32'), x.to('float32')), composite(dy, x))).toBeLessThan(1e-5);
    const row = randn([33], { dtype: 'float64' });
    expect(maxDiff(siluBackward(dy, row), composite(dy, row.expand([64, 33])))).toBeLessThan(1e-15);
  });
  it("silu's gradient runs through it: gradcheck in float64, and the second derivative under createGraph", () => {
    const x = randn([5, 7], { dtype: 'float64', requiresGrad: true });
    expect(autograd.gradcheck((t) => t.silu(), [x])).toBe(true);
    const [g] = autograd.grad(x.silu().sum(), [x], { createGraph: true });
    const [gg] = autograd.grad(g!.sum(), [x]);
    // silu'' = s (1 - s) (2 + x (1 - 2 s))
    const xd = x.detach(), s = xd.sigmoid();
    const closed = s.mul(s.neg().add(1)).mul(xd.mul(s.mul(-2).add(1)).add(2));
    expect(maxDiff(gg!, closed)).toBeLessThan(1e-14);
  });
  it('bad input: integer or bool operands alone, shapes that do not broadcast', () => {
    expect(() => siluBackward(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2], { dtype: 'int32' }))).toThrow(/siluBackward: expected floating-point operands, got int32 and int32/);
    expect(() => siluBackward(tensor([true]), 1)).toThrow(/siluBackward: expected floating-point operands, got bool and number/);
    expect(() => siluBackward(randn([2, 3]), randn([4]))).toThrow(/silu_backward/);
  });
});
