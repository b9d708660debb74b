// Dropout inside the fused attention kernel (sdpa_flash with dropoutP > 0): the keep bits against
// an independent Philox4x32-10 written here in BigInts, the forward and backward against the
// composite (softmax(q kᵀ) * mask / (1 - p)) v in float64, float64 gradcheck with a fixed seed,
// repeatability under manualSeed, the statistics, routing from scaledDotProductAttention, bad input.
import { describe, it, expect } from 'vitest';
import { philox } from './philox_ref';
import { Tensor, tensor, randn, zeros, autograd, noGrad, nn, sdpaFlash, sdpaFlashBackward, manualSeed, getRngState } from '../ts/index';
import { sdpaDropoutFactors, sdpaDropoutRng } from '../ts/ops/attention';

const sdpa = nn.functional.scaledDotProductAttention;
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requiresGrad_();
/**
 * The documented rule (native/cpu/attention.cpp, Dropout): weight (bh, i, j) is kept when word j % 4 of
 * Philox block (seed, offset + (bh * L + i) * ceil(S / 4) + j / 4) is >= round(p * 2^32); kept ones scale by 1 / (1 - p).
 */
function refFactors(seed: bigint, offset: bigint, p: number, BH: number, L: number, S: number): Float64Array {
  const W = Math.ceil(S / 4), thresh = Math.round(p * 2 ** 32), f = new Float64Array(BH * L * S);
  for (let bh = 0; bh < BH; bh++) for (let i = 0; i < L; i++) for (let j4 = 0; j4 < W; j4++) {
    const w = philox(seed, offset + BigInt((bh * L + i) * W + j4));
    for (let c = 0; c < 4 && j4 * 4 + c < S; c++) f[(bh * L + i) * S + j4 * 4 + c] = w[c] >= thresh ? 1 / (1 - p) : 0;
  }
  return f;
}
/** (softmax(q kᵀ scale, causal) * F) v in Tensor ops: the composite the fused op must equal. */
function composite(q: Tensor, k: Tensor, v: Tensor, F: Tensor, causal: boolean, scale: number): Tensor {
  const L = q.shape[2], S = k.shape[2];
  let s = q.matmul(k.transpose(-2, -1)).mul(scale);
  if (causal) {
    const upper = tensor(Array.from({ length: L }, (_, i) => Array.from({ length: S }, (_, j) => j > i)));
    s = s.maskedFill(upper, -Infinity);
  }
  return s.softmax(-1).mul(F).matmul(v);
}
const maxDiff = (a: Tensor, b: Tensor): number => a.sub(b).abs().max().item();

describe('sdpa_flash dropout: the mask', () => {
  it('keep bits equal an independent Philox reference (several tiles, S not a multiple of 4)', () => {
    const [B, H, L, S, p] = [1, 2, 70, 263, 0.3];
    manualSeed(1234);
    const { seed, offset } = getRngState();
    const rng = sdpaDropoutRng(B, H, L, S);
    expect([...(rng.data() as BigInt64Array)]).toEqual([BigInt.asIntN(64, seed), BigInt.asIntN(64, offset)]);
    // the generator moved past the counters the call owns
    expect(getRngState().offset).toBe(offset + BigInt(B * H * L * Math.ceil(S / 4)));
    const F = sdpaDropoutFactors(rng, p, B, H, L, S, 'float64');
    expect([...(F.data() as Float64Array)]).toEqual([...refFactors(seed, offset, p, B * H, L, S)]);
  });
  it('kept fraction is 1 - p (p = 0.1, 0.5, 0.9)', () => {
    for (const p of [0.1, 0.5, 0.9]) {
      const F = sdpaDropoutFactors(sdpaDropoutRng(2, 4, 64, 128), p, 2, 4, 64, 128, 'float32');
      const kept = F.gt(0).to('float64').mean().item();  // 65536 draws: std of the fraction <= 0.002
      expect(Math.abs(kept - (1 - p))).toBeLessThan(0.01);
    }
  });
});

describe('sdpa_flash dropout: forward and backward against the composite with the same mask (float64)', () => {
  for (const [causal, L, S] of [[false, 70, 263], [true, 130, 130], [false, 5, 7]] as [boolean, number, number][]) {
    it(`causal ${causal}, L ${L}, S ${S}`, () => {
      const [B, H, E, p, scale] = [1, 2, 8, 0.25, 0.4];
      const q = f64([B, H, L, E]), k = f64([B, H, S, E]), v = f64([B, H, S, 6]);
      manualSeed(99);
      const { seed, offset } = getRngState();
      const [out] = sdpaFlash(q, k, v, null, causal, scale, p);
      const F = tensor(refFactors(seed, offset, p, B * H, L, S), { dtype: 'float64' }).reshape([B, H, L, S]);
      const ref = composite(q, k, v, F, causal, scale);
      expect(maxDiff(out, ref)).toBeLessThan(1e-12);
      const w = randn(out.shape, { dtype: 'float64' });
      const g = autograd.grad([out.mul(w).sum()], [q, k, v]);
      const r = autograd.grad([ref.mul(w).sum()], [q, k, v]);
      g.forEach((gi, i) => expect(maxDiff(gi!, r[i]!), `grad ${'qkv'[i]}`).toBeLessThan(1e-11));
    });
  }
  it('logsumexp is of the undropped weights', () => {
    const q = f64([1, 1, 4, 3]), k = f64([1, 1, 6, 3]), v = f64([1, 1, 6, 3]);
    const [, l0] = noGrad(() => sdpaFlash(q, k, v, null, false, 0.5));
    const [, l1] = noGrad(() => sdpaFlash(q, k, v, null, false, 0.5, 0.5));
    expect(maxDiff(l0, l1)).toBe(0);
  });
  it('dropoutP 0 is the op without dropout, bit for bit; dropoutP 1 gives zeros and zero gradients', () => {
    const q = f64([1, 2, 5, 4]), k = f64([1, 2, 6, 4]), v = f64([1, 2, 6, 4]);
    const [a] = noGrad(() => sdpaFlash(q, k, v, null, true, 0.5));
    const before = getRngState();
    const [b] = noGrad(() => sdpaFlash(q, k, v, null, true, 0.5, 0));
    expect(getRngState()).toEqual(before);  // p = 0 draws nothing
    expect(maxDiff(a, b)).toBe(0);
    const [z] = sdpaFlash(q, k, v, null, false, 0.5, 1);
    expect(z.abs().max().item()).toBe(0);
    const g = autograd.grad([z.sum()], [q, k, v]);
    g.forEach((gi) => expect(gi!.abs().max().item()).toBe(0));
  });
});

describe('sdpa_flash dropout: seeds, gradcheck, statistics', () => {
  it('manualSeed repeats the output exactly; the next call draws another mask', () => {
    const q = randn([2, 2, 9, 8]), k = randn([2, 2, 11, 8]), v = randn([2, 2, 11, 8]);
    manualSeed(7);
    const [a] = sdpaFlash(q, k, v, null, false, null, 0.2);
    const [b] = sdpaFlash(q, k, v, null, false, null, 0.2);
    manualSeed(7);
    const [c] = sdpaFlash(q, k, v, null, false, null, 0.2);
    expect([...(c.data() as Float32Array)]).toEqual([...(a.data() as Float32Array)]);
    expect(maxDiff(a, b)).toBeGreaterThan(0);
  });
  it('gradcheck (float64) with the generator re-seeded per evaluation: plain, causal, GQA, bool mask', () => {
    const seeded = (f: (q: Tensor, k: Tensor, v: Tensor) => Tensor) => (q: Tensor, k: Tensor, v: Tensor): Tensor => { manualSeed(5); return f(q, k, v); };
    const keep = tensor([[true, false, true, true], [true, true, true, false], [false, true, true, true]]);
    const cases: [(q: Tensor, k: Tensor, v: Tensor) => Tensor, number[][]][] = [
      [(q, k, v) => sdpa(q, k, v, { dropoutP: 0.3 }), [[1, 2, 3, 4], [1, 2, 5, 4], [1, 2, 5, 3]]],
      [(q, k, v) => sdpa(q, k, v, { dropoutP: 0.4, isCausal: true }), [[2, 1, 4, 3], [2, 1, 4, 3], [2, 1, 4, 2]]],
      [(q, k, v) => sdpa(q, k, v, { dropoutP: 0.3, enableGqa: true }), [[1, 4, 3, 2], [1, 2, 4, 2], [1, 2, 4, 2]]],
      [(q, k, v) => sdpa(q, k, v, { dropoutP: 0.3, attnMask: keep }), [[1, 2, 3, 3], [1, 2, 4, 3], [1, 2, 4, 2]]],
    ];
    for (const [f, shapes] of cases) expect(autograd.gradcheck(seeded(f), shapes.map(f64))).toBe(true);
  });
  it('createGraph: first derivatives equal the native backward (GQA), second ones exist', () => {
    const q = f64([1, 4, 3, 4]), k = f64([1, 2, 5, 4]), v = f64([1, 2, 5, 4]);
    const loss = (): Tensor => { manualSeed(11); return sdpa(q, k, v, { dropoutP: 0.3, enableGqa: true }).square().sum(); };
    const g0 = autograd.grad([loss()], [q, k, v]);
    const g1 = autograd.grad([loss()], [q, k, v], { createGraph: true });
    g0.forEach((g, i) => expect(maxDiff(g!, g1[i]!)).toBeLessThan(1e-12));
    const [hv] = autograd.grad([g1[0]!.square().sum()], [v]);
    expect(hv!.abs().sum().item()).toBeGreaterThan(0);
  });
  it('the mean output over many seeds approaches the output without dropout', () => {
    const q = randn([1, 1, 4, 8], { dtype: 'float64' }), k = randn([1, 1, 16, 8], { dtype: 'float64' }), v = randn([1, 1, 16, 8], { dtype: 'float64' });
    const [ref] = sdpaFlash(q, k, v);
    const N = 400;
    let sum = zeros(ref.shape, { dtype: 'float64' }), sq = zeros(ref.shape, { dtype: 'float64' });
    for (let n = 0; n < N; n++) {
      const [o] = sdpaFlash(q, k, v, null, false, null, 0.2);
      sum = sum.add(o); sq = sq.add(o.square());
    }
    const mean = sum.div(N), sd = sq.div(N).sub(mean.square()).clamp(0).sqrt();
    // |mean - E| within 5 standard errors, per element
    const z = mean.sub(ref).abs().div(sd.div(Math.sqrt(N)).add(1e-12));
    expect(z.max().item()).toBeLessThan(5);
  });
});

describe('routing and modules', () => {
  it('scaledDotProductAttention with dropoutP takes the fused op and draws the same mask as sdpaFlash', () => {
    const q = randn([2, 3, 5, 4]).requiresGrad_(), k = randn([2, 3, 6, 4]), v = randn([2, 3, 6, 4]);
    manualSeed(3);
    const a = sdpa(q, k, v, { dropoutP: 0.1 });
    expect(a.gradFn?.name).toBe('sdpa_flash');
    manualSeed(3);
    const [b] = sdpaFlash(q, k, v, null, false, null, 0.1);
    expect(maxDiff(a, b)).toBe(0);
  });
  it('TransformerEncoderLayer with dropout trains through the fused op (finite gradients, repeatable)', () => {
    const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0.1, batchFirst: true });
    const x = randn([2, 10, 16]);
    const run = (): number[] => {
      manualSeed(21);
      layer.zeroGrad();
      layer.forward(x).square().mean().backward();
      return [...(layer.self_attn.in_proj_weight!.grad!.data() as Float32Array)];
    };
    const g1 = run(), g2 = run();
    expect(g1.every(Number.isFinite)).toBe(true);
    expect(g2).toEqual(g1);
  });
});

describe('bad input', () => {
  const q = randn([1, 1, 3, 4]), k = randn([1, 1, 5, 4]), v = randn([1, 1, 5, 4]);
  it('dropoutP outside [0, 1] or not a number', () => {
    for (const p of [-0.1, 1.5, NaN]) expect(() => sdpaFlash(q, k, v, null, false, null, p)).toThrow(/sdpaFlash: dropoutP must be between 0 and 1, got/);
    expect(() => sdpaFlash(q, k, v, null, false, null, '0.1' as never)).toThrow(/sdpaFlash: dropoutP/);
    expect(() => sdpa(q, k, v, { dropoutP: 2 })).toThrow(/dropoutP must be between 0 and 1, got 2/);
  });
  it('backward with dropout but no rng, or a malformed rng', () => {
    const [out, lse] = noGrad(() => sdpaFlash(q, k, v));
    expect(() => sdpaFlashBackward(out, q, k, v, null, out, lse, false, null, 0.2, null)).toThrow(/sdpa_flash_backward: dropout_p 0\.2\d* > 0 needs rng/);
    expect(() => sdpaFlashBackward(out, q, k, v, null, out, lse, false, null, 0.2, tensor([1, 2]))).toThrow(/sdpa_flash_backward: rng must be an int64 tensor of shape \[2\].*float32/);
    expect(() => sdpaFlashBackward(out, q, k, v, null, out, lse, false, null, 0.2, tensor([1n, 2n, 3n]))).toThrow(/rng must be an int64 tensor of shape \[2\].*\[3\]/);
    expect(() => sdpaFlashBackward(out, q, k, v, null, out, lse, false, null, 1.2, tensor([1n, 2n]))).toThrow(/sdpaFlashBackward: dropoutP must be between 0 and 1, got 1\.2/);
  });
});
