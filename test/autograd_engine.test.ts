// The autograd engine: composed-op gradchecks, accumulation, hooks, retainGraph, grad mode,
// autograd.grad with second derivatives, in-place checks.
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
  views: (x) => x.transpose(0, 1).reshape(8).pow(2),
  dot: (x) => x.reshape(8).matmul(my.arange(8, undefined, 1, { dtype: 'float64' }).sub(3)).square(), silu: (x) => x.silu(), leaky: (x) => x.leakyRelu(0.1),
};
describe('gradcheck through composed ops', () => {
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

describe('engine', () => {
  it('accumulates across backward calls, retains non-leaf grads, hooks replace gradients', () => {
    const x = my.tensor([1, 2, 3], { dtype: 'float64' }).requiresGrad_();
    const y = x.mul(x).retainGrad();
    y.sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([2, 4, 6]);
    expect(Array.from(y.grad!.data())).toEqual([1, 1, 1]);
    x.mul(3).sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([5, 7, 9]);
    const z = my.tensor([1, 1], { dtype: 'float64' }).requiresGrad_();
    z.registerHook((g) => g.mul(10));
    z.sum().backward();
    expect(Array.from(z.grad!.data())).toEqual([10, 10]);
  });
  it('a second backward without retainGraph throws; noGrad records nothing', () => {
    const x = my.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/second time/);
    const w = my.noGrad(() => x.mul(2));
    expect(w.requiresGrad).toBe(false);
  });
  it('autograd.grad with createGraph gives second derivatives', () => {
    const x = my.tensor([0.5, -1, 2], { dtype: 'float64' }).requiresGrad_();
    const [g] = my.autograd.grad(x.pow(3).sum(), x, { createGraph: true });
    const [h] = my.autograd.grad(g!.sum(), x);
    expect(Array.from(h!.data())).toEqual([3, -6, 12]); // d2/dx2 x^3 = 6x
  });
  it("relu's gradient is 0 where its output is, even for a NaN upstream gradient (torch's threshold_backward: [0, nan])", () => {
    const x = my.tensor([-1, 2], { dtype: 'float32' }).requiresGrad_();
    x.relu().backward(my.tensor([NaN, NaN]));
    expect(Array.from(x.grad!.data())).toEqual([0, NaN]);
  });
  it('a seed gradient of the wrong shape throws, naming both shapes (backward and autograd.grad)', () => {
    const x = my.randn([2, 3]).requiresGrad_();
    expect(() => x.mul(2).backward(my.randn([3, 2]))).toThrow(/\[3, 2\] does not match the tensor's shape \[2, 3\]/);
    expect(() => my.autograd.grad(x.mul(2), [x], { gradOutputs: [my.randn([3, 2])] }))
      .toThrow(/gradOutputs\[0\] has shape \[3, 2\] but outputs\[0\] has shape \[2, 3\]/);
  });
  it('integer tensors cannot require grad', () => {
    expect(() => my.tensor([1, 2], { dtype: 'int64' }).requiresGrad_()).toThrow(/only floating point tensors/);
    expect(() => my.tensor([1n, 2n]).requiresGrad_()).toThrow(/only floating point tensors can require gradients, got int64/);
    expect(my.tensor([1, 2]).requiresGrad_().requiresGrad).toBe(true);  // JS numbers make float32
  });
});

describe('leaf gradients', () => {
  it('a fresh gradient becomes .grad without a copy, but never one shared with another leaf or a hook', () => {
    const a = my.tensor([1, 2], { dtype: 'float64' }).requiresGrad_(), b = my.tensor([3, 4], { dtype: 'float64' }).requiresGrad_();
    my.tidy(() => { a.add(b).sum().backward(); });  // add hands the same dy to both
    expect(a.grad!.isDisposed).toBe(false);
    a.grad!.add_(1);
    expect(b.grad!.toArray()).toEqual([1, 1]);
    const w = my.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    let seen: my.Tensor | null = null;
    w.registerHook((g) => { seen = g; });
    my.tidy(() => { w.mul(3).sum().backward(); });  // mul's rule makes a fresh tensor, kept past tidy
    expect(w.grad!.isDisposed).toBe(false);
    expect(w.grad!.toArray()).toEqual([3, 3]);
    w.grad!.add_(1);
    expect(seen!.isDisposed || (seen!.toArray() as number[])[0] === 3).toBe(true);  // a hook's tensor is not .grad
    my.tidy(() => { w.mul(2).sum().backward(); });  // accumulates in place
    expect(w.grad!.toArray()).toEqual([6, 6]);
  });
});

describe('in-place and versions', () => {
  it('in-place on a leaf that requires grad throws; on a saved tensor, backward throws', () => {
    const x = my.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    expect(() => x.add_(1)).toThrow(/add_: a leaf tensor that requires grad/);
    my.noGrad(() => x.add_(1)); // allowed under noGrad (optimizer updates)
    const y = x.exp();
    const z = y.mul(2).sum();
    y.mul_(3);  // recorded: y gets a new gradFn, but exp's backward reads the y it computed
    expect(y.gradFn!.name).toBe('mul_');
    expect(() => z.backward()).toThrow(/modified by an inplace operation: exp output 0 is at version 1; expected version 0/);
  });
  it('views and detach() share the version counter: a write through any of them is caught', () => {
    const a = my.tensor([0.5, 1, 1.5, 2], { dtype: 'float64' }).requiresGrad_();
    const y = a.mul(1).exp();            // exp saves y
    const z = y.sum();
    const v = y.detach().slice(0, 1, 3);  // another view of y's storage, outside the graph
    v.add_(1);                            // allowed (v is not in the graph), and bumps the shared counter
    expect(() => z.backward()).toThrow(/modified by an inplace operation: exp output 0 is at version 1; expected version 0/);
    const b = my.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const w = b.mul(2);
    const u = w.sin().sum();  // sin saves its input (exp would save only its output)
    my.noGrad(() => w.select(0, 0).fill_(5));  // through a view, under noGrad
    expect(() => u.backward()).toThrow(/modified by an inplace operation: sin input 0 is at version 1; expected version 0/);
  });
  it('in-place on a non-leaf is recorded: the tensor gets a new gradFn, earlier consumers keep the old one', () => {
    const x = my.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const y = x.mul(2);
    const before = y.gradFn;
    const c = y.mul(3);  // recorded before: its gradient goes through y's old value
    y.mul_(3);
    expect(y.gradFn).not.toBe(before);
    expect(y.isLeaf).toBe(false);
    c.add(y).sum().backward();  // d/dx (6x + 6x) = 12 (torch gives the same)
    expect(x.grad!.toArray()).toEqual([12, 12]);
  });
  it('in-place ops that would need a base or a leaf rewritten throw torch-style errors', () => {
    const w = my.tensor([1, 2, 3], { dtype: 'float64' }).requiresGrad_();
    expect(() => w.narrow(0, 0, 2).mul_(2)).toThrow(/mul_: a view of a leaf tensor that requires grad is being used in an in-place operation/);
    const y = w.mul(1).expand([2, 3]);
    expect(() => y.add_(1)).toThrow(/add_: in-place operation on an expanded view/);
    const t = w.mul(1).reshape([3, 1]).t();
    expect(() => t.contiguous().add_(1)).not.toThrow();  // a copy, not a view
    // a rule whose saved argument the op itself overwrote: torch reports version 2 vs 1 too
    const a = w.mul(2);
    a.add_(1);
    a.mul_(a.detach());
    expect(() => a.sum().backward()).toThrow(/mul_ input 1 is at version 2; expected version 1/);
  });
});

describe('requiresGrad at creation', () => {
  it('creation functions accept { requiresGrad: true } and give leaves that accumulate grad', async () => {
    const m = await import('../ts/creation');
    const ts = [m.tensor([1, 2.5]), m.zeros(2, { requiresGrad: true }), m.ones([2], { requiresGrad: true }), m.full([2], 1.5, { requiresGrad: true }),
      m.rand(2, { requiresGrad: true }), m.randn([2], { requiresGrad: true }), m.linspace(0, 1, 2, { requiresGrad: true }),
      m.arange(0, 2, 1, { dtype: 'float32', requiresGrad: true }), m.zerosLike(m.ones(2), { requiresGrad: true }),
      m.tensor([1, 2.5], { requiresGrad: true })];
    for (const t of ts.slice(1)) {
      expect(t.requiresGrad && t.isLeaf).toBe(true);
      t.mul(3).sum().backward();
      expect(t.grad!.toArray()).toEqual([3, 3]);
    }
    expect(ts[0].requiresGrad).toBe(false);
    expect(m.eye(2, 2, { requiresGrad: true }).requiresGrad).toBe(true);
  });
  it('integer dtypes refuse requiresGrad at creation', async () => {
    const m = await import('../ts/creation');
    expect(() => m.tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(/floating point/);
    expect(() => m.tensor([1n, 2n], { requiresGrad: true })).toThrow(/floating point/);
    expect(() => m.arange(3, undefined, 1, { requiresGrad: true })).toThrow(/floating point/);
    expect(() => m.randint(0, 3, [2], { requiresGrad: true })).toThrow(/floating point/);
  });
});
