// The defects found in issue 15 trying the code as a new user would, each with the test that
// would have caught it. References: float64 central differences (autograd.gradcheck) and
// PyTorch's numbers in test/fixtures/defects15.json (scripts/gen_defects15_fixtures.py).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as my from '../ts/index';
import { nn, autograd } from '../ts/index';

type T = { shape: number[]; dtype: my.DType; data: (number | boolean)[] };
type BinaryCase = { name: string; in: T; out: T; r?: T; grad?: T };
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'defects15.json'), 'utf8')) as {
  binary: BinaryCase[];
  linear: Record<'weight' | 'bias' | 'x' | 'out' | 'r' | 'gradX' | 'gradWeight' | 'gradBias', T>;
};
const F64 = { dtype: 'float64' as const };
const mk = (t: T, grad = false): my.Tensor => {
  const x = my.tensor(t.data as number[], { dtype: t.dtype, shape: t.shape });
  return grad ? x.requiresGrad_() : x;
};
/** Values of a tensor as plain numbers (bool as 0/1) to compare against a fixture. */
const values = (x: my.Tensor): number[] => Array.from(x.contiguous().data() as ArrayLike<number | bigint>, Number);
const expectClose = (got: my.Tensor, want: T, tol = 1e-12): void => {
  expect([...got.shape]).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const g = values(got), w = want.data.map(Number);
  g.forEach((v, i) => {
    if (!(Math.abs(v - w[i]) <= tol * (1 + Math.abs(w[i])) || v === w[i])) throw new Error(`element ${i}: got ${v}, torch ${w[i]}`);
  });
};

describe('stack is differentiable (the export itself)', () => {
  it('stack([a, a.mul(2)]).sum().backward() gives a.grad = 3', () => {
    const a = my.tensor([1.5, -2], F64).requiresGrad_();
    my.stack([a, a.mul(2)]).sum().backward();
    expect(values(a.grad!)).toEqual([3, 3]);
  });
  it('gradcheck of stack along each dim, with an input that needs no grad', () => {
    const a = my.randn([3, 4], { dtype: 'float64', requiresGrad: true }), b = my.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    const c = my.randn([3, 4], F64);
    for (const dim of [0, 1, 2, -1, -3]) {
      const w = my.randn(dim === 0 || dim === -3 ? [3, 3, 4] : dim === 1 ? [3, 3, 4] : [3, 4, 3], F64);  // a weighted sum: no gradient hides
      expect(autograd.gradcheck((x, y) => my.stack([x, y.square(), c], dim).mul(w), [a, b])).toBe(true);
    }
  });
  it('is a composite of recorded parts (cat of unsqueeze views), so autograd and jit.trace see it', () => {
    const a = my.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const y = my.stack([a, a]);
    expect(y.gradFn?.name).toBe('cat');
    expect(y.gradFn?.next.map((n) => n?.name)).toEqual(['unsqueeze', 'unsqueeze']);
    const g = my.jit.trace((x: my.Tensor) => my.stack([x, x.mul(2)], 1), my.tensor([1, 2]));
    expect(g.run(my.tensor([3, 4])).toArray()).toEqual([[3, 6], [4, 8]]);
  });
});

describe('number-first binary ops take the number as a weakly typed scalar (as torch\'s operators)', () => {
  const fns: Record<string, (x: my.Tensor) => my.Tensor> = {
    'add(1, int32)': (x) => my.add(1, x), 'add(1.5, int32)': (x) => my.add(1.5, x),
    'sub(3, int32)': (x) => my.sub(3, x), 'sub(1.5, int32)': (x) => my.sub(1.5, x),
    'mul(2.5, int64)': (x) => my.mul(2.5, x), 'div(2, int32)': (x) => my.div(2, x), 'pow(2, int32)': (x) => my.pow(2, x.abs()),
    'sub(1.1, float64)': (x) => my.sub(1.1, x), 'div(1.1, float64)': (x) => my.div(1.1, x),
    'pow(1.7, float64)': (x) => my.pow(1.7, x), 'pow(0, float64)': (x) => my.pow(0, x),
    'maximum(1, float32)': (x) => my.maximum(1, x), 'minimum(1, int32)': (x) => my.minimum(1, x),
    'lt(1, float32)': (x) => my.lt(1, x), 'le(2, int32)': (x) => my.le(2, x), 'gt(1, float32)': (x) => my.gt(1, x),
    'ge(3, int32)': (x) => my.ge(3, x), 'eq(2, float32)': (x) => my.eq(2, x), 'ne(2, float32)': (x) => my.ne(2, x),
    'where(c, 0, x)': (x) => my.where(cond, 0, x), 'where(c, x, 0)': (x) => my.where(cond, x, 0), 'where(c, 2.5, x)': (x) => my.where(cond, 2.5, x),
  };
  const cond = my.tensor([true, false, false, true]);
  it('covers every fixture case', () => expect(Object.keys(fns).sort()).toEqual(fx.binary.map((c) => c.name).sort()));
  for (const c of fx.binary) {
    it(`${c.name}: values, dtype${c.grad ? ' and gradient' : ''} as torch`, () => {
      const x = mk(c.in, !!c.grad);
      const y = fns[c.name](x);
      expectClose(y, c.out, 1e-7);
      if (!c.grad) return;
      y.mul(mk(c.r!)).sum().backward();
      expectClose(x.grad!, c.grad, 1e-7);
    });
  }
  it('where with the tensor second passes float64 gradcheck (the second operand broadcast)', () => {
    const x = my.randn([2, 3], { dtype: 'float64', requiresGrad: true });
    const c = my.tensor([[true, false, true], [false, false, true]]);
    expect(autograd.gradcheck((t) => my.where(c, 0.5, t.unsqueeze(0)).square(), [x])).toBe(true);
    expect(autograd.gradcheck((t) => my.where(c, t.sum(0), -1), [x])).toBe(true);
  });
  it('scalar-first sub, div and pow differentiate twice (createGraph)', () => {
    const x = my.tensor([0.5, 1.5], { dtype: 'float64', requiresGrad: true });
    const [g] = autograd.grad(my.pow(2, x).sum(), x, { createGraph: true });
    const [gg] = autograd.grad(g!.sum(), x);  // d2/dx2 2^x = 2^x ln(2)^2
    values(gg!).forEach((v, i) => expect(v).toBeCloseTo(2 ** [0.5, 1.5][i] * Math.LN2 ** 2, 12));
    const [gd] = autograd.grad(autograd.grad(my.div(1, x).sum(), x, { createGraph: true })[0]!.sum(), x);  // 2/x^3
    values(gd!).forEach((v, i) => expect(v).toBeCloseTo(2 / [0.5, 1.5][i] ** 3, 12));
  });
  it('a bad operand is a named Error; matmul refuses a number as torch does', () => {
    const t = my.tensor([1, 2]);
    expect(() => my.matmul(2 as unknown as my.Tensor, t)).toThrow(/^matmul: input must be a Tensor, got 2$/);
    expect(() => my.matmul(t, 2 as unknown as my.Tensor)).toThrow(/^matmul: other must be a Tensor, got 2$/);
    expect(() => my.maximum(1, 2)).toThrow(/^maximum: other must be a Tensor when input is a number, got 2$/);
    expect(() => my.gt('1' as unknown as number, t)).toThrow(/^gt: input must be a Tensor or a number, got "1"$/);
    expect(() => my.sub(1, null as unknown as my.Tensor)).toThrow(/^sub: other must be a Tensor when input is a number, got null$/);
    expect(() => my.where(my.tensor([true]), 1, 'x' as unknown as number)).toThrow(/^where: other must be a Tensor or a number, got "x"$/);
  });
});

describe('nn layers take { dtype }', () => {
  it('a float64 Linear matches torch float64 (output and gradients)', () => {
    const L = fx.linear;
    const fc = new nn.Linear(3, 2, F64);
    expect(fc.weight.dtype).toBe('float64');
    expect(fc.bias!.dtype).toBe('float64');
    fc.loadStateDict({ weight: mk(L.weight), bias: mk(L.bias) });
    const x = mk(L.x, true);
    const y = fc.forward(x);
    expectClose(y, L.out);
    y.mul(mk(L.r)).sum().backward();
    expectClose(x.grad!, L.gradX);
    expectClose(fc.weight.grad!, L.gradWeight);
    expectClose(fc.bias!.grad!, L.gradBias);
  });
  it('every parameterized layer makes its parameters and float buffers in the dtype', () => {
    const layers: [string, nn.Module][] = [
      ['Linear', new nn.Linear(3, 2, F64)], ['Bilinear', new nn.Bilinear(2, 3, 4, F64)],
      ['Conv2d', new nn.Conv2d(2, 3, 3, F64)], ['Conv1d', new nn.Conv1d(2, 3, 3, F64)], ['ConvTranspose2d', new nn.ConvTranspose2d(2, 3, 3, F64)],
      ['BatchNorm1d', new nn.BatchNorm1d(3, F64)], ['BatchNorm2d', new nn.BatchNorm2d(3, F64)], ['LayerNorm', new nn.LayerNorm(3, 1e-5, F64)],
      ['GroupNorm', new nn.GroupNorm(1, 3, 1e-5, F64)], ['Embedding', new nn.Embedding(5, 3, F64)],
    ];
    for (const [name, m] of layers) {
      expect(m.parameters().length, name).toBeGreaterThan(0);
      for (const [k, p] of m.namedParameters()) expect(p.dtype, `${name}.${k}`).toBe('float64');
      for (const [k, b] of m.namedBuffers()) expect(b.dtype, `${name}.${k}`).toBe(k === 'num_batches_tracked' ? 'int64' : 'float64');
    }
    expect(new nn.Linear(3, 2).weight.dtype).toBe('float32');
    const bn = new nn.BatchNorm2d(3, F64);
    expect(bn.forward(my.randn([2, 3, 4, 4], F64)).dtype).toBe('float64');
    expect(new nn.Conv2d(2, 3, 3, F64).forward(my.randn([1, 2, 5, 5], F64)).dtype).toBe('float64');
  });
  it('an integer or unknown dtype is a named Error', () => {
    expect(() => new nn.Linear(3, 2, { dtype: 'int64' })).toThrow(/^Linear: dtype must be a floating dtype \('float32' or 'float64'\) for trainable parameters, got 'int64'$/);
    expect(() => new nn.Conv2d(1, 1, 3, { dtype: 'int32' })).toThrow(/^Conv2d: dtype must be a floating dtype/);
    expect(() => new nn.BatchNorm2d(3, { dtype: 'bool' })).toThrow(/^BatchNorm2d: dtype must be a floating dtype/);
    expect(() => new nn.Embedding(3, 2, { dtype: 'float16' as my.DType })).toThrow(/^Embedding: /);
  });
});

describe('tensor(array, { shape })', () => {
  it('reshapes the data (nested or flat, and a TypedArray)', () => {
    const a = my.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
    expect([...a.shape]).toEqual([2, 3]);
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(my.tensor([[1, 2], [3, 4]], { shape: [4] }).toArray()).toEqual([1, 2, 3, 4]);
    expect(my.tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 1, 2] }).toArray()).toEqual([[[1, 2]], [[3, 4]]]);
    expect([...my.tensor([7], { shape: [] }).shape]).toEqual([]);
  });
  it('a wrong element count is a named Error', () => {
    expect(() => my.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/^tensor: shape \[2, 2\] is invalid for input of size 3$/);
    expect(() => my.tensor(new Float32Array(4), { shape: [3] })).toThrow(/^tensor: shape \[3\] is invalid for input of size 4$/);
    expect(() => my.tensor([1, 2], { shape: [-1, 2] })).toThrow(/^tensor: /);
  });
});

describe('BatchNorm2d names itself', () => {
  it('expects 4D input, in its own name', () => {
    expect(() => new nn.BatchNorm2d(3).forward(my.randn(2, 3))).toThrow(/^BatchNorm2d: expected 4D input \(got 2D input\)$/);
    expect(() => new nn.BatchNorm2d(3).forward(my.randn(2, 3, 4))).toThrow(/^BatchNorm2d: expected 4D input \(got 3D input\)$/);
    expect(() => new nn.BatchNorm2d(3).forward(my.randn(2, 4, 2, 2))).toThrow(/^BatchNorm2d: expected 3 channels, got input \[2, 4, 2, 2\]$/);
    expect(() => new nn.BatchNorm1d(3).forward(my.randn(2, 3, 2, 2))).toThrow(/^BatchNorm1d: expected 2D or 3D input \(got 4D input\)$/);
  });
});

describe('normal_ and uniform_: vectorized Philox tiles, deterministic on any thread count', () => {
  const draw = (threads: number, fill: (x: my.Tensor) => void, n: number, dtype: my.DType = 'float32'): Float32Array | Float64Array => {
    const prev = my.getNumThreads();
    my.setNumThreads(threads);
    try {
      my.manualSeed(1234);
      const x = my.empty([n], { dtype });
      fill(x);
      return x.data() as Float32Array | Float64Array;
    } finally { my.setNumThreads(prev); }
  };
  // 1e6 + 37: many tiles per thread and a partial last tile
  for (const [name, fill, dtype] of [
    ['normal_ float32', (x: my.Tensor) => x.normal_(0.5, 2), 'float32'], ['normal_ float64', (x: my.Tensor) => x.normal_(0.5, 2), 'float64'],
    ['uniform_ float32', (x: my.Tensor) => x.uniform_(-1, 3), 'float32'], ['uniform_ float64', (x: my.Tensor) => x.uniform_(-1, 3), 'float64'],
  ] as const) {
    it(`${name}: the same seed gives the same values with 1 and 2 threads`, () => {
      const a = draw(1, fill, 1_000_037, dtype), b = draw(2, fill, 1_000_037, dtype);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      expect(Buffer.from(a.buffer).equals(Buffer.from(draw(2, fill, 1_000_037, dtype).buffer))).toBe(true);
      my.manualSeed(1234);
      const first = my.empty([1_000_037], { dtype });
      fill(first);
      const second = my.empty([1_000_037], { dtype });
      fill(second);  // the generator moved on: different values
      expect(Buffer.from(first.data().buffer).equals(Buffer.from(second.data().buffer))).toBe(false);
    });
  }
  /** Standard normal CDF. */
  const phi = (z: number): number => {
    // Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7: far below the 1e-3 tolerance used
    const x = Math.abs(z) / Math.SQRT2, t = 1 / (1 + 0.3275911 * x);
    const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
    return 0.5 * (1 + Math.sign(z) * erf);
  };
  it('normal_ is N(mean, std): moments and the CDF at 13 points (float32 and float64), no NaN or infinity', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      my.manualSeed(7);
      const n = 2_000_000, v = my.empty([n], { dtype }).normal_(0.5, 2).data() as Float32Array;
      let s = 0, s2 = 0;
      for (const x of v) { s += x; s2 += x * x; }
      const mean = s / n, sd = Math.sqrt(s2 / n - mean * mean);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);  // 5 standard errors (2 / sqrt(2e6) = 0.0014)
      expect(Math.abs(sd - 2)).toBeLessThan(0.005);
      const sorted = Float64Array.from(v).sort();
      expect(Number.isFinite(sorted[0]) && Number.isFinite(sorted[n - 1])).toBe(true);
      for (const z of [-3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3]) {
        let lo = 0, hi = n;  // count of values < 0.5 + 2z
        while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m] < 0.5 + 2 * z) lo = m + 1; else hi = m; }
        expect(Math.abs(lo / n - phi(z)), `${dtype} CDF at z = ${z}`).toBeLessThan(1e-3);  // KS-scale: 1.36 / sqrt(n) = 1e-3
      }
    }
  });
  it('uniform_ covers [from, to) evenly; both fills work on non-contiguous views and 0-d tensors', () => {
    my.manualSeed(3);
    const v = my.empty([1_000_000]).uniform_(-1, 3).data() as Float32Array;
    const bins = new Array(8).fill(0);
    let outside = 0;
    for (const x of v) { if (x >= -1 && x < 3) bins[Math.floor((x + 1) * 2)]++; else outside++; }
    expect(outside).toBe(0);
    for (const b of bins) expect(Math.abs(b / 1e6 - 0.125)).toBeLessThan(0.002);
    const base = my.zeros([300, 7]);
    const col = base.select(1, 2).normal_(0, 1);
    expect(base.select(1, 3).abs().sum().item()).toBe(0);  // the other columns untouched
    expect(col.abs().sum().item()).toBeGreaterThan(0);
    expect(Number.isFinite(my.empty([]).normal_().item() as number)).toBe(true);
    expect(my.empty([0]).normal_().numel()).toBe(0);
  });
  it('bad arguments are named Errors', () => {
    expect(() => my.empty([3]).normal_(0, -1)).toThrow(/^normal_: std must be non-negative, got -1/);
    expect(() => my.zeros([3], { dtype: 'int64' }).normal_()).toThrow(/^normal_: expected a floating-point tensor, got int64$/);
    expect(() => my.empty([3]).uniform_(2, 1)).toThrow(/^uniform_: expected from <= to/);
    const d = my.empty([3]);
    d.dispose();
    expect(() => d.normal_()).toThrow(/^normal_: argument 0 is a disposed tensor$/);
  });
});

describe('backendInfo().parallel', () => {
  it('reports the threads parallel_for runs on in this build (OpenMP with oneDNN, else the pool)', () => {
    const info = my.backendInfo();
    expect(info.parallel).toBe(info.conv === 'onednn' ? 'openmp' : 'pool');
  });
});

describe('plain JS numbers make float32 tensors (JS has no float literal)', () => {
  it('numbers float32, bigints int64, booleans bool, TypedArrays their own dtype', () => {
    expect(my.tensor([5]).dtype).toBe('float32');
    expect(my.tensor(5).dtype).toBe('float32');
    expect(my.tensor([[1, 2], [3, 4]]).dtype).toBe('float32');
    expect(my.tensor([true, 2]).dtype).toBe('float32');
    expect(my.scalarTensor(3).dtype).toBe('float32');
    expect(my.tensor([1n, 2n]).dtype).toBe('int64');
    expect(my.tensor(7n).toArray()).toBe(7);
    expect(my.tensor([[1n], [2]]).toArray()).toEqual([[1], [2]]);  // integers beside bigints stay integers
    expect(my.tensor([true, false]).dtype).toBe('bool');
    expect(my.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(my.tensor(BigInt64Array.from([1n])).dtype).toBe('int64');
    expect(my.tensor([1, 2], { dtype: 'int64' }).dtype).toBe('int64');
    expect(my.tensor([]).dtype).toBe('float32');
  });
  it('arange, randint and full keep torch\'s semantics; scalars in binary ops stay weak', () => {
    expect(my.arange(3).dtype).toBe('int64');
    expect(my.randint(0, 3, [2]).dtype).toBe('int64');
    expect(my.full([2], 4).dtype).toBe('int64');
    expect(my.arange(3).add(1).dtype).toBe('int64');
    expect(my.tensor([1, 2]).add(1).dtype).toBe('float32');
  });
  it('a bigint beside a fraction is a named Error', () => {
    expect(() => my.tensor([1n, 2.5])).toThrow(/^tensor: bigints make an int64 tensor, but the data also holds 2.5/);
  });
  it('an integer-only argument given float32 says why', () => {
    const hint = /\(tensor\(\) makes float32 from JS numbers: give \{ dtype: 'int64' \}, an Int32Array or BigInt64Array, or bigints like \[0n, 2n\]\)$/;
    const x = my.randn(4, 3);
    expect(() => x.indexSelect(0, my.tensor([0, 2]))).toThrow(hint);
    expect(() => x.gather(1, my.tensor([[0], [1], [2], [0]]))).toThrow(hint);
    expect(() => my.tensor([0, 2]).oneHot(3)).toThrow(hint);
    expect(() => nn.functional.crossEntropy(x, my.tensor([0, 2, 1, 1]).reshape(4, 1))).toThrow(/^crossEntropy: /);
    expect(() => nn.functional.nllLoss(x, my.tensor([0, 2, 1, 1]))).toThrow(hint);
    expect(() => nn.functional.embedding(my.tensor([0, 2]), my.randn(3, 2))).toThrow(hint);
    expect(() => x.indexSelect(0, my.tensor([true, false]))).toThrow(/expected index dtype int64, got bool$/);  // no hint: not a float
    expect(values(x.indexSelect(0, my.tensor([0n, 2n])))).toEqual(values(x).filter((_, i) => i < 3 || (i >= 6 && i < 9)));
  });
});
