// The Tensor surface outside the op table: printing (against torch's own str()), views
// sharing storage, lifetimes (dispose, tidy, keep), seeding and threads.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'fs';
import { join } from 'path';
import { spawnSync } from 'node:child_process';
import * as my from '../ts/index';

const decode = (v: number | string) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

describe('printing matches torch str()', () => {
  const cases = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'print.json'), 'utf8'));
  for (const c of cases) {
    it(c.name, () => {
      const t = my.tensor(c.data.map(decode), { dtype: c.dtype }).reshape(c.shape);
      expect(t.toString()).toBe(c.str);
    });
  }
});

describe('views share storage', () => {
  it('writes through a transposed, step-sliced view land in the base', () => {
    const base = my.zeros(3, 4);
    const v = base.transpose(0, 1).slice(0, 1, 4, 2); // rows 1 and 3 of the transpose
    expect(v.sharesStorageWith(base)).toBe(true);
    expect(v.isContiguous()).toBe(false);
    v.fill_(7);
    expect(base.toArray()).toEqual([[0, 7, 0, 7], [0, 7, 0, 7], [0, 7, 0, 7]]);
  });
  it('reshape views when it can and copies when it must', () => {
    const x = my.arange(12).reshape(3, 4);
    expect(x.reshape(4, 3).sharesStorageWith(x)).toBe(true);
    const t = x.t();
    expect(t.reshape(12).sharesStorageWith(x)).toBe(false);
    expect(t.reshape(12).toArray()).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(() => t.view(12)).toThrow(/view: .*incompatible/);
  });
  it('expand gives stride 0 and select/narrow/squeeze/unsqueeze keep sharing', () => {
    const x = my.tensor([1, 2, 3]).unsqueeze(0);
    const e = x.expand(4, 3);
    expect(e.stride()).toEqual([0, 1]);
    expect(e.sum().item()).toBe(24);
    expect(e.select(0, 2).sharesStorageWith(x)).toBe(true);
    expect(x.narrow(1, 1, 2).squeeze(0).toArray()).toEqual([2, 3]);
    expect(x.flatten().shape).toEqual([3]);
  });
  it('contiguous() copies only non-contiguous tensors; clone() always copies', () => {
    const x = my.arange(6).reshape(2, 3);
    expect(x.contiguous().sharesStorageWith(x)).toBe(true);
    expect(x.t().contiguous().sharesStorageWith(x)).toBe(false);
    expect(x.clone().sharesStorageWith(x)).toBe(false);
  });
});

describe('lifetimes', () => {
  it('dispose releases native memory and later use throws naming the op', () => {
    const before = my.memory().numBytes;
    const x = my.zeros(1000, 1000);
    expect(my.memory().numBytes - before).toBe(4_000_000);
    x.dispose();
    expect(my.memory().numBytes).toBe(before);
    expect(x.isDisposed).toBe(true);
    expect(() => x.exp()).toThrow(/exp: argument 0 is a disposed tensor/);
    expect(() => my.ones(2).add(x)).toThrow(/add: argument 1 is a disposed tensor/);
  });
  it('tidy frees intermediates and keeps returned and kept tensors', () => {
    const x = my.ones(256, 256);
    const before = my.memory().numBytes;
    let kept!: my.Tensor;
    const { y } = my.tidy(() => {
      const a = x.mul(2);
      const b = a.add(1);
      kept = my.keep(b.mul(3));
      return { y: b.sub(1) };
    });
    expect(my.memory().numBytes - before).toBe(2 * 256 * 256 * 4);
    expect(y.sum().item()).toBe(256 * 256 * 2);
    expect(kept.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
  });
  it('nested tidy hands returned tensors to the outer scope', () => {
    const before = my.memory().numBytes;
    my.tidy(() => {
      const inner = my.tidy(() => my.ones(100).mul(2));
      expect(inner.isDisposed).toBe(false);
      return undefined;
    });
    expect(my.memory().numBytes).toBe(before);
  });
});

describe('generator and threads', () => {
  it('manualSeed repeats every random op bit for bit', () => {
    const draw = () => {
      my.manualSeed(1234);
      return [my.rand(5).data(), my.randn(5).data(), my.randint(0, 10, [5]).data(), my.randperm(6).data(),
        my.bernoulli(my.full([5], 0.5)).data(), my.zeros(5).uniform_(-2, 2).data(), my.zeros(5, { dtype: 'float64' }).normal_(1, 3).data()];
    };
    expect(draw()).toEqual(draw());
  });
  it('random fills do not depend on the thread count', () => {
    my.manualSeed(7);
    const a = my.randn(100000).data();
    my.setNumThreads(1);
    my.manualSeed(7);
    const b = my.randn(100000).data();
    my.setNumThreads(2);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
  it('setNumThreads / getNumThreads and backendInfo', () => {
    const n = my.getNumThreads();
    my.setNumThreads(1);
    expect(my.getNumThreads()).toBe(1);
    expect(my.backendInfo().numThreads).toBe(1);
    my.setNumThreads(n);
    expect(['openblas', 'cblas', 'builtin']).toContain(my.backendInfo().blas);
    expect(() => my.setNumThreads(0)).toThrow(/set_num_threads/);
  });
  it("OMP_NUM_THREADS sets the starting count, as torch's; an invalid value falls back to every core", () => {
    const root = join(__dirname, '..');
    const count = (v?: string) => {
      const env = { ...process.env, OMP_NUM_THREADS: v };
      if (v === undefined) delete env.OMP_NUM_THREADS;
      return spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(root)}).getNumThreads()))`], { encoding: 'utf8', env }).stdout;
    };
    expect(count('1')).toBe('1');
    expect(count('3')).toBe('3');
    const all = count();
    expect(Number(all)).toBeGreaterThanOrEqual(1);
    expect(count('0')).toBe(all);
  });
});

describe('in-place forms', () => {
  // Each in-place op must equal its out-of-place twin (whose values the conformance
  // fixtures check against PyTorch), write into the same storage, and keep the dtype.
  const base = () => my.tensor([[0.5, -1.5, 2], [3, -0.25, 1]]);
  const other = my.tensor([2, -3, 0.5]);
  const cases: [string, (t: my.Tensor) => my.Tensor, (t: my.Tensor) => my.Tensor][] = [
    ['add_', (t) => t.add_(other), (t) => t.add(other)],
    ['add_ alpha', (t) => t.add_(other, { alpha: 2 }), (t) => t.add(other.mul(2))],
    ['sub_', (t) => t.sub_(1.5), (t) => t.sub(1.5)],
    ['mul_', (t) => t.mul_(other), (t) => t.mul(other)],
    ['div_', (t) => t.div_(other), (t) => t.div(other)],
    ['pow_', (t) => t.abs().pow_(1.5), (t) => t.abs().pow(1.5)],
    ['neg_', (t) => t.neg_(), (t) => t.neg()],
    ['exp_', (t) => t.exp_(), (t) => t.exp()],
    ['sqrt_', (t) => t.abs().sqrt_(), (t) => t.abs().sqrt()],
    ['relu_', (t) => t.relu_(), (t) => t.relu()],
    ['sigmoid_', (t) => t.sigmoid_(), (t) => t.sigmoid()],
    ['tanh_', (t) => t.tanh_(), (t) => t.tanh()],
    ['clamp_', (t) => t.clamp_(-1, 1), (t) => t.clamp(-1, 1)],
    ['maskedFill_', (t) => t.maskedFill_(t.lt(0), 9), (t) => t.maskedFill(t.lt(0), 9)],
  ];
  for (const [name, inPlace, outOfPlace] of cases) {
    it(name, () => {
      const a = base(), b = base();
      const r = inPlace(a);
      const want = outOfPlace(b).toArray();
      expect(r.toArray()).toEqual(want);
      expect(r.dtype).toBe('float32');
      if (r === a) expect(a.toArray()).toEqual(want);
    });
  }
  it('through a transposed view into the base', () => {
    const t = my.zeros(2, 3);
    t.t().add_(my.tensor([1, 2]));
    expect(t.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
  });
  it('zero_, fill_, copy_ with broadcast and cast, integer add_', () => {
    const t = my.ones(2, 3);
    expect(t.zero_().sum().item()).toBe(0);
    expect(t.fill_(2.5).toArray()).toEqual([[2.5, 2.5, 2.5], [2.5, 2.5, 2.5]]);
    expect(t.copy_(my.tensor([1, 2, 3], { dtype: 'int64' })).toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
    const i = my.tensor([1, 2, 3], { dtype: 'int32' });
    expect(i.add_(2).toArray()).toEqual([3, 4, 5]);
    expect(i.dtype).toBe('int32');
  });
  // copies whose innermost dim is a short broadcast (nearest upsampling) fill each row from one
  // read; the element at [.., h, r, w, k] is x[.., h, w] whatever the repeat counts, dtypes and
  // output strides
  for (const [r, k] of [[2, 2], [3, 1], [1, 5], [2, 8], [1, 9]]) {
    for (const dtype of ['float32', 'int64', 'bool', 'float16'] as const) {
      it(`a broadcast copy with repeats ${r}x${k}, ${dtype}`, () => {
        const x = my.tensor(Array.from({ length: 24 }, (_, i) => (i * 5) % 7), { dtype: 'int64' }).reshape(2, 3, 4).to(dtype);
        const xs = x.toArray() as (number | boolean)[][][];
        const want = xs.map((p) => p.flatMap((row) => Array.from({ length: r }, () => row.flatMap((v) => Array(k).fill(v)))));
        const y = x.reshape(2, 3, 1, 4, 1).expand(2, 3, r, 4, k).reshape(2, 3 * r, 4 * k);
        expect(y.toArray()).toEqual(want);
        // into a view of a wider buffer, rows contiguous but not a whole number of rows apart
        const buf = my.zeros(2, 3, r, 4 * k + 1, { dtype });
        const dst = buf.narrow(3, 0, 4 * k).reshape(2, 3, r, 4, k);
        dst.copy_(x.reshape(2, 3, 1, 4, 1).expand(2, 3, r, 4, k));
        expect(dst.reshape(2, 3 * r, 4 * k).toArray()).toEqual(want);
        expect(buf.narrow(3, 4 * k, 1).to('float32').sum().item()).toBe(0);
      });
    }
  }
});
