import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import '../ts/autograd/formulas';

// central differences in float64
function numGrad(f: (x: my.Tensor) => my.Tensor, x0: number[], shape: number[]): number[] {
  const eps = 1e-6, out: number[] = [];
  for (let i = 0; i < x0.length; i++) {
    const p = x0.slice(), m = x0.slice(); p[i] += eps; m[i] -= eps;
    const fp = f(my.tensor(p, { dtype: 'float64' }).reshape(shape)).sum().item() as number;
    const fm = f(my.tensor(m, { dtype: 'float64' }).reshape(shape)).sum().item() as number;
    out.push((fp - fm) / (2 * eps));
  }
  return out;
}
const W = my.tensor([[0.3, -0.7, 1.1], [0.5, 0.2, -0.4], [0.9, -1.3, 0.6], [0.1, 0.8, -0.2]], { dtype: 'float64' });
const fns: Record<string, (x: my.Tensor) => my.Tensor> = {
  exp: (x) => x.exp(), tanh: (x) => x.tanh(), sigmoid: (x) => x.sigmoid(), mulself: (x) => x.mul(x).add(x),
  softmax: (x) => x.softmax(-1).mul(my.arange(4, undefined, 1, { dtype: 'float64' })),
  logSoftmax: (x) => x.logSoftmax(1).square(), matmul: (x) => x.matmul(W).relu(), mean: (x) => x.mean(0).square(),
  broadcast: (x) => x.add(my.tensor([1, 2, 3, 4], { dtype: 'float64' })).mul(x.sum(1, { keepdim: true })),
  views: (x) => x.transpose(0, 1).reshape(8).pow(2), silu: (x) => x.silu(), leaky: (x) => x.leakyRelu(0.1),
};
describe('gradcheck (draft)', () => {
  for (const [name, f] of Object.entries(fns)) {
    it(name, () => {
      const x0 = [0.5, -1.2, 0.3, 2.0, -0.4, 0.9, 1.5, -0.8];
      const x = my.tensor(x0, { dtype: 'float64' }).reshape(2, 4).requiresGrad_();
      f(x).sum().backward();
      const g = Array.from(x.grad!.data() as Float64Array);
      const n = numGrad(f, x0, [2, 4]);
      g.forEach((v, i) => expect(Math.abs(v - n[i])).toBeLessThan(1e-5 * (1 + Math.abs(n[i]))));
    });
  }
});
