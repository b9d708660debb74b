// The exported autograd.gradcheck (full Jacobian vs float64 central differences) on the nn
// composites, and proof that it catches a wrong gradient.
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { autograd, nn } from '../ts/index';
import { record } from '../ts/autograd/formulas';

const F = nn.functional;
const r = (shape: number[], seed: number) => { my.manualSeed(seed); return my.randn(shape, { dtype: 'float64', requiresGrad: true }); };
const labels = my.tensor([2n, 0n, 1n, 2n]);

describe('gradcheck on nn composites (float64)', () => {
  const cases: [string, () => boolean][] = [
    ['crossEntropy weight+ignore+smoothing', () => autograd.gradcheck((x) => F.crossEntropy(x, my.tensor([2n, -100n, 1n, 0n]), { weight: my.tensor([0.5, 1, 2], { dtype: 'float64' }), labelSmoothing: 0.2 }), [r([4, 3], 1)])],
    ['crossEntropy probabilities', () => autograd.gradcheck((x, t) => F.crossEntropy(x, t.softmax(1)), [r([4, 3], 2), r([4, 3], 3)])],
    ['nllLoss', () => autograd.gradcheck((x) => F.nllLoss(x.logSoftmax(1), labels, { reduction: 'sum' }), [r([4, 3], 4)])],
    ['binaryCrossEntropyWithLogits posWeight', () => autograd.gradcheck((x, t) => F.binaryCrossEntropyWithLogits(x, t.sigmoid(), { posWeight: my.tensor([2, 0.5, 1], { dtype: 'float64' }) }), [r([2, 3], 5), r([2, 3], 6)])],
    ['binaryCrossEntropy', () => autograd.gradcheck((x) => F.binaryCrossEntropy(x.sigmoid(), my.tensor([[1, 0, 1], [0, 0, 1]], { dtype: 'float64' })), [r([2, 3], 7)])],
    ['huber and smoothL1', () => autograd.gradcheck((x, y) => F.huberLoss(x, y, { delta: 0.5 }).add(F.smoothL1Loss(x, y, { beta: 0.7 })), [r([5], 8), r([5], 9)])],
    ['klDiv', () => autograd.gradcheck((x, t) => F.klDiv(x.logSoftmax(1), t.softmax(1), { reduction: 'batchmean' }), [r([2, 4], 10), r([2, 4], 11)])],
    ['layerNorm', () => autograd.gradcheck((x, w, b) => F.layerNorm(x, [4], w, b), [r([3, 4], 12), r([4], 13), r([4], 14)])],
    ['batchNorm training', () => autograd.gradcheck((x, w, b) => F.batchNorm(x, null, null, w, b, true), [r([5, 3], 15), r([3], 16), r([3], 17)])],
    ['linear and bilinear', () => autograd.gradcheck((x, w, b, z, a) => F.linear(x, w, b).sum().add(F.bilinear(x, z, a).sum()), [r([2, 3], 18), r([4, 3], 19), r([4], 20), r([2, 2], 21), r([5, 3, 2], 22)])],
    // (with paddingIdx the padding row's gradient is zero by design, as in torch; nn_conformance checks it)
    ['embedding', () => autograd.gradcheck((w) => F.embedding(my.tensor([[0n, 2n], [1n, 2n]]), w), [r([3, 2], 23)])],
  ];
  for (const [name, f] of cases) it(name, () => expect(f()).toBe(true));
});

describe('gradcheck itself', () => {
  it('throws on a wrong gradient and on inputs it cannot check', () => {
    const wrong = (x: my.Tensor) => record('twice', [x], my.noGrad(() => x.mul(2)), (dy) => [dy.mul(3)]);
    expect(() => autograd.gradcheck(wrong, [r([3], 1)])).toThrow(/gradcheck: Jacobian mismatch: d output\[\d\] \/ d input 0\[\d\]: analytic 3, numeric (2|1\.99)/);
    expect(() => autograd.gradcheck((x) => x.exp(), [my.randn(2)])).toThrow(/must be a float64 tensor that requires grad/);
  });
});
