// The native dropout op (native/cpu/random.cpp dropout_philox, ts/ops/dropout.ts): its keep bits
// against an independent Philox4x32-10 written here in BigInts, keep-rate statistics, repeatability
// under manualSeed, the gradient (its own op with the same rng) by float64 gradcheck with a fixed
// mask and to second order, routing from nn.functional.dropout / nn.Dropout, and bad input.
import { describe, it, expect } from 'vitest';
import { philox } from './philox_ref';
import { Tensor, tensor, randn, ones, full, autograd, nn, manualSeed, getRngState } from '../ts/index';
import { dropoutPhilox, dropoutRng } from '../ts/ops/dropout';

/**
 * The documented rule: element i, r = i % 512 in tile t = floor(i / 512), is kept when 16-bit half
 * floor(r / 64) % 2 (low first) of word floor(r / 128) of block (seed, offset + 64 t + r % 64) is >= round(p * 2^16).
 */
function refFactors(seed: bigint, offset: bigint, p: number, n: number): number[] {
  const thresh = Math.round(p * 2 ** 16), f: number[] = [];
  const blocks = new Map<bigint, number[]>();
  for (let i = 0; i < n; i++) {
    const t = Math.floor(i / 512), r = i % 512, c = offset + BigInt(64 * t + (r % 64));
    if (!blocks.has(c)) blocks.set(c, philox(seed, c));
    const word = blocks.get(c)![Math.floor(r / 128)], half = (word >>> (16 * (Math.floor(r / 64) % 2))) & 0xffff;
    f.push(half >= thresh ? 1 / (1 - p) : 0);
  }
  return f;
}
const f64 = (t: Tensor): number[] => [...(t.to('float64').data() as Float64Array)];

describe('dropout_philox: the mask', () => {
  it('keep bits and scale equal an independent Philox reference (several tiles, n not a multiple of 4)', () => {
    const n = 7 * 301, p = 0.3;  // 2107 elements: four full 512-element tiles and a partial one
    manualSeed(4321);
    const { seed, offset } = getRngState();
    const rng = dropoutRng(n);
    expect([...(rng.data() as BigInt64Array)]).toEqual([BigInt.asIntN(64, seed), BigInt.asIntN(64, offset)]);
    expect(getRngState().offset).toBe(offset + BigInt(Math.ceil(n / 512) * 64));  // the generator moved past the call's counters
    const ref = refFactors(seed, offset, p, n);
    const y64 = dropoutPhilox(ones([7, 301], { dtype: 'float64' }), p, rng);
    expect(f64(y64)).toEqual(ref);
    // float32 keeps the same elements (the factor rounded to float32)
    const y32 = f64(dropoutPhilox(ones([7, 301]), p, rng));
    expect(y32.map((v) => v > 0)).toEqual(ref.map((v) => v > 0));
    expect(Math.max(...y32.map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-6);
  });
  it('scales x elementwise in logical order, also for a non-contiguous input', () => {
    const x = randn([40, 30], { dtype: 'float64' }), xt = x.t(), rng = dropoutRng(1200), p = 0.5;
    const F = tensor(refFactors(...(([...(rng.data() as BigInt64Array)]) as [bigint, bigint]), p, 1200), { dtype: 'float64' }).reshape([30, 40]);
    expect(f64(dropoutPhilox(xt, p, rng))).toEqual(f64(xt.contiguous().mul(F)));
  });
  it('kept fraction is 1 - p and the mean is kept (p = 0.1, 0.5, 0.9; float32 and float64)', () => {
    for (const dtype of ['float32', 'float64'] as const) for (const p of [0.1, 0.5, 0.9]) {
      const y = nn.functional.dropout(ones([256, 256], { dtype }), p, true);  // 65536 draws: std of the fraction <= 0.002
      expect(Math.abs(y.gt(0).to('float64').mean().item() - (1 - p))).toBeLessThan(0.01);
      expect(Math.abs(y.to('float64').mean().item() - 1)).toBeLessThan(p === 0.9 ? 0.1 : 0.03);
    }
  });
  it('neighbouring draws are independent (the joint keep rate of adjacent elements is (1 - p)^2)', () => {
    const y = nn.functional.dropout(ones([65536], { dtype: 'float64' }), 0.5, true).gt(0).to('float64');
    const both = y.narrow(0, 0, 65535).mul(y.narrow(0, 1, 65535)).mean().item();
    expect(Math.abs(both - 0.25)).toBeLessThan(0.01);
  });
  it('manualSeed repeats the mask; a second draw differs', () => {
    const x = randn([33, 17]);
    manualSeed(7);
    const a = f64(nn.functional.dropout(x, 0.4, true)), b = f64(nn.functional.dropout(x, 0.4, true));
    manualSeed(7);
    expect(f64(nn.functional.dropout(x, 0.4, true))).toEqual(a);
    expect(b).not.toEqual(a);
  });
});

describe('dropout_philox: the gradient', () => {
  it('is the same mask applied to dy', () => {
    const x = randn([5, 9], { dtype: 'float64', requiresGrad: true }), w = randn([5, 9], { dtype: 'float64' });
    const rng = dropoutRng(45), p = 0.35;
    dropoutPhilox(x, p, rng).mul(w).sum().backward();
    const F = tensor(refFactors(...(([...(rng.data() as BigInt64Array)]) as [bigint, bigint]), p, 45), { dtype: 'float64' }).reshape([5, 9]);
    expect(f64(x.grad!)).toEqual(f64(w.mul(F)));
  });
  it('float64 gradcheck with a fixed mask, and to second order', () => {
    const rng = dropoutRng(24);
    const x = randn([4, 6], { dtype: 'float64', requiresGrad: true });
    expect(autograd.gradcheck((t) => dropoutPhilox(t, 0.3, rng).mul(t), [x])).toBe(true);
    // d/dx of sum(grad(sum(d(x) * x)) * x): the backward itself is differentiable (createGraph)
    const [g] = autograd.grad(dropoutPhilox(x, 0.3, rng).mul(x).sum(), [x], { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    const [gg] = autograd.grad(g!.sum(), [x]);
    const F = dropoutPhilox(ones([4, 6], { dtype: 'float64' }), 0.3, rng);
    expect(f64(gg!)).toEqual(f64(F.mul(2)));  // d/dx sum(F x + x F) ... each element 2 F
  });
});

describe('dropout: routing and edge cases', () => {
  it('nn.Dropout trains through the native op and is the identity in eval', () => {
    const layer = new nn.Dropout(0.2), x = randn([8, 16]);
    manualSeed(11);
    const y = layer.forward(x);
    manualSeed(11);
    expect(f64(y)).toEqual(f64(dropoutPhilox(x, 0.2, dropoutRng(128))));
    layer.eval();
    expect(layer.forward(x)).toBe(x);
  });
  it('p = 0 returns x, p = 1 gives zeros, float16 keeps the composite', () => {
    const x = randn([4, 4]);
    expect(nn.functional.dropout(x, 0, true)).toBe(x);
    expect(f64(nn.functional.dropout(x, 1, true)).every((v) => v === 0)).toBe(true);
    expect(f64(dropoutPhilox(x, 1, dropoutRng(16))).every((v) => v === 0)).toBe(true);
    // dropped elements are x * 0, as torch's mask product: NaN stays NaN
    expect(f64(dropoutPhilox(full([600], NaN), 0.5, dropoutRng(600))).every((v) => Number.isNaN(v))).toBe(true);
    const h = nn.functional.dropout(ones([128, 128], { dtype: 'float16' }), 0.5, true);
    expect(h.dtype).toBe('float16');
    expect(Math.abs(h.gt(0).to('float64').mean().item() - 0.5)).toBeLessThan(0.02);
  });
  it('bad input: a named Error each', () => {
    const x = randn([3]), rng = dropoutRng(3);
    expect(() => nn.functional.dropout(x, 1.5, true)).toThrow(/dropout: probability has to be between 0 and 1, but got 1\.5/);
    expect(() => dropoutPhilox(x, -0.1, rng)).toThrow(/dropoutPhilox: p must be between 0 and 1, got -0\.1/);
    expect(() => dropoutPhilox(tensor([1, 2, 3], { dtype: 'int32' }), 0.5, rng)).toThrow(/dropout_philox: expected a float32 or float64 input, got int32/);
    expect(() => dropoutPhilox(x, 0.5, tensor([1, 2, 3], { dtype: 'int64' }))).toThrow(/dropout_philox: rng must be an int64 tensor of shape \[2\]/);
    expect(() => dropoutPhilox(x, 0.5, tensor([1, 2]))).toThrow(/dropout_philox: rng must be an int64 tensor of shape \[2\].*float32/);
  });
});
