// In-place ops through overlapping views (issue 14, item 5). PyTorch's rule for a written-to
// tensor in which several elements share one memory location (a stride-0 dim of size > 1):
// refuse, with its message. An input that shares memory with the output at another layout
// (x.add_(x.T), overlapping slices, a broadcast row of x) is read from a copy, so the result
// is the out-of-place one (NumPy's answer; torch refuses these as partial overlap). Each
// result is checked with one and with two threads: before, they differed.
import { describe, it, expect, afterAll } from 'vitest';
import * as my from '../ts/index';
import { native } from '../ts/binding';

const TORCH_OVERLAP = /unsupported operation: more than one element of the written-to tensor refers to a single memory location\. Please clone\(\) the tensor before performing the operation\./;
const threads0 = my.getNumThreads();
afterAll(() => my.setNumThreads(threads0));

// How many elements of f's result differ from `want`, under 1 and under 2 threads, each
// from a fresh input (a count, not the arrays: a failing diff of 10^5 elements takes minutes)
function wrongUnderThreads(f: () => my.Tensor, want: my.Tensor): number[] {
  return [1, 2].map((n) => { my.setNumThreads(n); return Number(f().ne(want).sum().item()); });
}

describe('an output whose elements share memory is refused (as torch)', () => {
  const expanded = () => my.zeros(1).expand([3]);
  const writers: [string, (t: my.Tensor) => unknown, RegExp][] = [
    ['add_ (the reproducer: gave 3)', (t) => t.add_(1), /^add: /],
    ['mul_', (t) => t.mul_(my.ones(3)), /^mul: /],
    ['neg_', (t) => t.neg_(), /^neg: /],
    ['clamp_', (t) => t.clamp_(0, 1), /^clamp: /],
    ['copy_', (t) => t.copy_(my.arange(3).to('float32')), /^copy_: /],
    ['maskedFill_', (t) => t.maskedFill_(my.tensor([true, false, true]), 1), /^copy_: /],
    ['uniform_', (t) => t.uniform_(), /^uniform_: /],
    ['normal_', (t) => t.normal_(), /^normal_: /],
  ];
  for (const [what, f, op] of writers)
    it(what, () => {
      const t = expanded();
      expect(() => f(t)).toThrow(op);
      expect(() => f(t)).toThrow(TORCH_OVERLAP);
      expect(t.toArray()).toEqual([0, 0, 0]);  // nothing was written
    });

  it('an asStrided view whose rows overlap is refused too (torch writes it in an order that decides the result)', () => {
    const t = my.zeros(4).asStrided([2, 2], [1, 1], 0);
    expect(() => t.add_(1)).toThrow(TORCH_OVERLAP);
  });

  it('fill_ and zero_ store one value, so an expanded tensor takes them (as torch)', () => {
    const base = my.zeros(1), t = base.expand([3]);
    t.fill_(2);
    expect(base.toArray()).toEqual([2]);
    t.zero_();
    expect(base.toArray()).toEqual([0]);
  });

  it('transposed and sliced outputs that do not overlap themselves are written as usual', () => {
    const x = my.zeros([2, 3]);
    x.T.add_(my.tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float32' }));
    expect(x.toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
    const y = my.zeros(6);
    y.slice(0, 0, 6, 2).fill_(1);
    expect(y.toArray()).toEqual([1, 0, 1, 0, 1, 0]);
  });
});

describe('inputs that share memory with the output at another layout are read from a copy', () => {
  it('x.add_(x.T), 2 x 2', () => {
    const x = my.tensor([[0, 1], [2, 3]], { dtype: 'float32' });
    x.add_(x.T);
    expect(x.toArray()).toEqual([[0, 3], [3, 6]]);
  });

  it('x.add_(x.T), 300 x 300 (split across threads), same as x + x.T out of place with 1 and 2 threads', () => {
    const make = () => my.arange(90000).to('float64').reshape([300, 300]);
    const x0 = make(), want = x0.add(x0.T);
    expect(wrongUnderThreads(() => { const x = make(); return x.add_(x.T); }, want)).toEqual([0, 0]);
  });

  it('overlapping slices: y[1:] += y[:-1] and the shifts of copy_', () => {
    const y = my.arange(10).to('float32');
    y.narrow(0, 1, 8).add_(y.narrow(0, 0, 8));
    expect(y.toArray()).toEqual([0, 1, 3, 5, 7, 9, 11, 13, 15, 9]);
    const r = my.arange(10).to('float32');
    r.narrow(0, 1, 8).copy_(r.narrow(0, 0, 8));
    expect(r.toArray()).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7, 9]);
    const l = my.arange(10).to('float32');
    l.narrow(0, 0, 8).copy_(l.narrow(0, 1, 8));
    expect(l.toArray()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 8, 9]);
  });

  it('overlapping slices of 200000 elements give the out-of-place answer with 1 and 2 threads', () => {
    const n = 200000, make = () => my.arange(n).to('float64');
    const x0 = make(), want = my.cat([x0.narrow(0, 0, 1), x0.narrow(0, 1, n - 1).add(x0.narrow(0, 0, n - 1))], 0);
    expect(wrongUnderThreads(() => { const y = make(); y.narrow(0, 1, n - 1).add_(y.narrow(0, 0, n - 1)); return y; }, want)).toEqual([0, 0]);
  });

  it('x.mul_(x[0]): a row of x broadcast over x', () => {
    const x = my.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    x.mul_(x.select(0, 0));
    expect(x.toArray()).toEqual([[1, 4], [3, 8]]);
  });

  it('a unary op written into the transpose of its input (the binding\'s out argument)', () => {
    const x = my.tensor([[0, 1], [2, 3]], { dtype: 'float32' });
    native.neg(x._h, x.T._h);  // x.T = -x, so x = -(old x).T
    expect(x.toArray()).toEqual([[-0, -2], [-1, -3]]);
  });

  it('an output of another dtype than the result, overlapping its input, goes through the temporary once', () => {
    const x = my.tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    native.add(x._h, x.T._h, x._h);
    expect(x.toArray()).toEqual([[2, 5], [5, 8]]);
  });
});

describe('batch norm running statistics', () => {
  const x = () => my.tensor([[1, 2, 3], [3, 6, 9]], { dtype: 'float32' });
  it('expanded running stats are refused (every channel would write one element)', () => {
    const rm = my.zeros(1).expand([3]), rv = my.ones(1).expand([3]);
    expect(() => my.batchNorm(x(), null, null, rm, rv, true)).toThrow(/^batch_norm: unsupported operation: more than one element of the written-to tensor/);
    expect(rm.toArray()).toEqual([0, 0, 0]);
  });
  it('running mean and var in one storage are refused', () => {
    const both = my.zeros(6);
    expect(() => my.batchNorm(x(), null, null, both.narrow(0, 0, 3), both.narrow(0, 2, 3), true)).toThrow(/^batch_norm: running_mean and running_var share memory/);
  });
  it('running stats inside the input are refused', () => {
    const xs = x();
    expect(() => my.batchNorm(xs, null, null, xs.select(0, 0), my.ones(3), true)).toThrow(/^batch_norm: the running statistics share memory with the input/);
  });
  it('evaluation reads expanded running stats (nothing is written)', () => {
    const y = my.batchNorm(x(), null, null, my.zeros(1).expand([3]), my.ones(1).expand([3]), false, 0.1, 0);
    expect(y.toArray()).toEqual(x().toArray());
  });
});

describe('fused optimizer steps', () => {
  const adam = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 };
  it('a grad that is the param itself is read from a copy (torch: param.grad = param is legal)', () => {
    const f = (v: number[]) => my.tensor(v, { dtype: 'float32' });
    const p = f([1, -2, 3]), q = f([1, -2, 3]);
    my.adamStep_(p, p, my.zeros(3), my.zeros(3), null, adam);
    my.adamStep_(q, q.clone(), my.zeros(3), my.zeros(3), null, adam);
    expect(p.toArray()).toEqual(q.toArray());
    const s = f([1, -2, 3]);
    my.sgdStep_(s, s, null, { lr: 0.5 });
    expect(s.toArray()).toEqual([0.5, -1, 1.5]);
    const a = f([1, 4]), b = f([1, 4]);
    my.adagradStep_(a, a, my.zeros(2), { lr: 0.1, eps: 1e-10, step: 1 });
    my.adagradStep_(b, b.clone(), my.zeros(2), { lr: 0.1, eps: 1e-10, step: 1 });
    expect(a.toArray()).toEqual(b.toArray());
  });
  it('state tensors sharing memory with the param or each other are refused', () => {
    const p = my.zeros(3), m = my.zeros(3);
    expect(() => my.adamStep_(p, my.ones(3), m, m, null, adam)).toThrow(/^adam_step_: exp_avg and exp_avg_sq share memory/);
    expect(() => my.sgdStep_(p, my.ones(3), p, { lr: 0.1, momentum: 0.9 })).toThrow(/^sgd_step_: param and momentum_buffer share memory/);
    const s = my.zeros(4);
    expect(() => my.rmspropStep_(s.narrow(0, 0, 3), my.ones(3), s.narrow(0, 1, 3), null, null, { lr: 0.1, alpha: 0.9, eps: 1e-8 }))
      .toThrow(/^rmsprop_step_: param and square_avg share memory/);
    expect(() => my.adagradStep_(p, my.ones(3), p, { lr: 0.1, eps: 1e-10, step: 1 })).toThrow(/^adagrad_step_: param and sum share memory/);
    expect(p.toArray()).toEqual([0, 0, 0]);
  });
});
