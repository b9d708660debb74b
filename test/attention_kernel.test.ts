// The fused attention op (sdpa_flash / sdpa_flash_backward, native/cpu/attention.cpp) under
// nn.functional.scaledDotProductAttention: outputs and gradients against PyTorch
// (test/fixtures/attention.json, scripts/gen_attention_fixtures.py) with causal, boolean,
// additive and padding masks, fully masked rows, GQA and several tiles; float64 gradchecks
// (fully masked rows included); the composite fallbacks; bad input as named errors.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, tensor, randn, ones, zeros, autograd, noGrad, nn, sdpaFlash, sdpaFlashBackward } from '../ts/index';
import { FIXTURE_DIR, baseTensor, compare, readResult, type TensorSpec, type Tol } from './helpers';

interface AttnCase {
  name: string; dtype: 'float32' | 'float64'; isCausal: boolean; scale: number | null; enableGqa: boolean;
  in: TensorSpec[]; mask: TensorSpec | null; out: TensorSpec; grad: TensorSpec[];
}
const FIX = JSON.parse(readFileSync(join(FIXTURE_DIR, 'attention.json'), 'utf8')) as { cases: AttnCase[] };
// float32: the online softmax sums in another order than torch's, and the GEMMs block and use FMA
const TOL32: Tol = { rtol: 1e-4, atol: 2e-5 };
const sdpa = nn.functional.scaledDotProductAttention;
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requiresGrad_();
/** The output came from sdpa_flash (directly, or through the reshape back to the batch dims). */
const fused = (t: Tensor): boolean => t.gradFn?.name === 'sdpa_flash' || (t.gradFn?.name === 'reshape' && t.gradFn.next[0]?.name === 'sdpa_flash');
const expectClose = (t: Tensor, spec: TensorSpec, tol: Tol | undefined, what: string): void => {
  expect(compare(readResult(t), spec, tol), what).toEqual([]);
};

describe('scaledDotProductAttention (fused) against PyTorch', () => {
  for (const c of FIX.cases) {
    it(`${c.name}: output and the gradients of q, k, v`, () => {
      const [q, k, v] = c.in.slice(0, 3).map((s) => baseTensor(s).requiresGrad_());
      const w = baseTensor(c.in[3]);
      const out = sdpa(q, k, v, { attnMask: c.mask ? baseTensor(c.mask) : null, isCausal: c.isCausal, scale: c.scale, enableGqa: c.enableGqa });
      expect(fused(out)).toBe(true);
      const tol = c.dtype === 'float32' ? TOL32 : undefined;
      expectClose(out, c.out, tol, 'out');
      out.mul(w).sum().backward();
      [q, k, v].forEach((t, i) => expectClose(t.grad!, c.grad[i], tol, `grad ${'qkv'[i]}`));
    });
  }
});

describe('gradcheck (float64)', () => {
  const check = (fn: (...xs: Tensor[]) => Tensor, shapes: number[][]): void => {
    expect(autograd.gradcheck(fn, shapes.map(f64))).toBe(true);
  };
  it('plain, causal, GQA', () => {
    check((q, k, v) => sdpa(q, k, v), [[1, 2, 3, 4], [1, 2, 5, 4], [1, 2, 5, 3]]);
    check((q, k, v) => sdpa(q, k, v, { isCausal: true, scale: 0.7 }), [[2, 1, 4, 3], [2, 1, 4, 3], [2, 1, 4, 2]]);
    check((q, k, v) => sdpa(q, k, v, { enableGqa: true }), [[1, 4, 3, 2], [1, 2, 4, 2], [1, 2, 4, 2]]);
  });
  it('boolean and additive masks, fully masked rows included (their output and gradients are 0)', () => {
    const keep = tensor([[true, false, true, true], [false, false, false, false], [true, true, false, true]]);
    check((q, k, v) => sdpa(q, k, v, { attnMask: keep }), [[1, 2, 3, 3], [1, 2, 4, 3], [1, 2, 4, 2]]);
    const add = tensor([[0.5, -Infinity, 0, -1], [-Infinity, -Infinity, -Infinity, -Infinity], [1, 2, -Infinity, 0]], { dtype: 'float64' });
    check((q, k, v) => sdpa(q, k, v, { attnMask: add }), [[2, 1, 3, 3], [2, 1, 4, 3], [2, 1, 4, 2]]);
    const q = f64([1, 1, 3, 3]), k = f64([1, 1, 4, 3]), v = f64([1, 1, 4, 2]);
    const y = sdpa(q, k, v, { attnMask: keep });
    expect([...(y.narrow(2, 1, 1).data() as Float64Array)]).toEqual([0, 0]);
    y.sum().backward();
    expect([...(q.grad!.narrow(2, 1, 1).data() as Float64Array)]).toEqual([0, 0, 0]);
  });
  it('an additive mask that requires grad takes the composite path, and gets its gradient', () => {
    const m = f64([3, 4]);
    check((q, k, v, mm) => sdpa(q, k, v, { attnMask: mm }), [[1, 1, 3, 2], [1, 1, 4, 2], [1, 1, 4, 2], [3, 4]]);
    const y = sdpa(f64([1, 1, 3, 2]), f64([1, 1, 4, 2]), f64([1, 1, 4, 2]), { attnMask: m });
    expect(fused(y)).toBe(false);
  });
  it('createGraph: first derivatives equal the native backward, second ones exist', () => {
    const q = f64([1, 2, 3, 4]), k = f64([1, 2, 5, 4]), v = f64([1, 2, 5, 4]);
    const loss = (): Tensor => sdpa(q, k, v, { isCausal: true }).square().sum();
    const g0 = autograd.grad([loss()], [q, k, v]);
    const g1 = autograd.grad([loss()], [q, k, v], { createGraph: true });
    g0.forEach((g, i) => expect(g!.sub(g1[i]!).abs().max().item()).toBeLessThan(1e-12));
    const [hq] = autograd.grad([g1[0]!.square().sum()], [v]);
    expect(hq!.abs().sum().item()).toBeGreaterThan(0);
  });
});

describe('the fused op in detail', () => {
  it('matches the composite path (MultiheadAttention with needWeights false and a padding mask)', () => {
    const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true, dtype: 'float64' });
    const x = randn([2, 7, 16], { dtype: 'float64' });
    const pad = tensor([[false, false, false, false, false, true, true], [false, false, false, false, false, false, false]]);
    const [a] = mha.forward(x, x, x, { keyPaddingMask: pad, needWeights: false });
    const [b] = mha.forward(x, x, x, { keyPaddingMask: pad, needWeights: true });
    expect(a.sub(b).abs().max().item()).toBeLessThan(1e-12);
  });
  it('logsumexp output: +inf on a fully masked row; out 0 there', () => {
    const q = randn([1, 1, 2, 3]), k = randn([1, 1, 4, 3]), v = randn([1, 1, 4, 3]);
    const m = tensor([[true, true, false, true], [false, false, false, false]]);
    const [out, lse] = noGrad(() => sdpaFlash(q, k, v, m, false, 0.5));
    const s = q.matmul(k.transpose(-2, -1)).mul(0.5).narrow(2, 0, 1).maskedFill(tensor([true, true, false, true]).logicalNot(), -Infinity);
    expect(Math.abs((lse.data() as Float32Array)[0] - s.logsumexp(-1).item())).toBeLessThan(1e-5);
    expect((lse.data() as Float32Array)[1]).toBe(Infinity);
    expect([...(out.narrow(2, 1, 1).data() as Float32Array)]).toEqual([0, 0, 0]);
  });
  it('long causal sequence over many tiles equals a masked softmax of the full score matrix', () => {
    const q = randn([1, 2, 300, 8]), k = randn([1, 2, 300, 8]), v = randn([1, 2, 300, 8]);
    const y = sdpa(q, k, v, { isCausal: true });
    const s = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(8));
    const tri = nn.functional.tril(ones([300, 300])).eq(0);
    const ref = s.maskedFill(tri, -Infinity).softmax(-1).matmul(v);
    expect(y.sub(ref).abs().max().item()).toBeLessThan(2e-5);
  });
  it('empty and degenerate sizes: S = 0 rows are fully masked (0), E = 0 gives the mean of v', () => {
    const y = sdpa(randn([1, 1, 3, 4]), zeros([1, 1, 0, 4]), zeros([1, 1, 0, 2]));
    expect(y.shape).toEqual([1, 1, 3, 2]);
    expect(y.abs().sum().item()).toBe(0);
    const v = randn([1, 1, 5, 2]);
    const y2 = sdpa(zeros([1, 1, 3, 0]), zeros([1, 1, 5, 0]), v, { scale: 1 });
    expect(y2.sub(v.mean(2, { keepdim: true })).abs().max().item()).toBeLessThan(1e-6);
  });
});

describe('bad input is a named error', () => {
  const t = (shape: number[], dtype: 'float32' | 'float64' | 'int64' = 'float32'): Tensor => randn(shape).to(dtype);
  const cases: [string, () => unknown, RegExp][] = [
    ['3-D query', () => sdpaFlash(t([1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, false, 1), /sdpa_flash: expected query of 4 dims \[B, Hq, L, E\], got \[1, 3, 4\]/],
    ['feature mismatch', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 3, 5]), t([1, 1, 3, 4]), null, false, 1), /sdpa_flash: key \[1, 1, 3, 5\] must have query's feature size 4/],
    ['value length', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 2, 4]), null, false, 1), /sdpa_flash: value \[1, 1, 2, 4\] must match key/],
    ['heads not a multiple', () => sdpaFlash(t([1, 3, 3, 4]), t([1, 2, 3, 4]), t([1, 2, 3, 4]), null, false, 1), /sdpa_flash: query heads \(3\) must be a multiple of key\/value heads \(2\)/],
    ['batch mismatch', () => sdpaFlash(t([2, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, false, 1), /sdpa_flash: .*must have one batch size/],
    ['int query', () => sdpaFlash(t([1, 1, 3, 4], 'int64'), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, false, 1), /sdpa_flash: query must be float32 or float64, got int64/],
    ['dtype mismatch', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 3, 4], 'float64'), t([1, 1, 3, 4]), null, false, 1), /sdpa_flash: key has dtype float64 but query float32/],
    ['mask shape', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 5, 4]), t([1, 1, 5, 4]), t([3, 4]), false, 1), /sdpa_flash: attn_mask \[3, 4\] does not broadcast to \[1, 1, 3, 5\]/],
    ['mask dtype', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 5, 4]), t([1, 1, 5, 4]), t([3, 5], 'int64'), false, 1), /sdpa_flash: attn_mask must be bool or query's dtype float32, got int64/],
    ['mask with causal', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 5, 4]), t([1, 1, 5, 4]), t([3, 5]), true, 1), /sdpa_flash: attn_mask must not be given with is_causal/],
    ['scale not finite', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, false, NaN), /sdpaFlash: .*scale/],
    ['scale infinite (native check)', () => sdpaFlashBackward(t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, t([1, 1, 3, 4]), t([1, 1, 3]), false, Infinity), /sdpaFlashBackward: .*scale/],
    ['scale not a number', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, false, 'x' as never), /sdpaFlash: .*scale/],
    ['isCausal not a boolean', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, 1 as never, 1), /sdpaFlash: .*isCausal/],
    ['q not a tensor', () => sdpaFlash([1] as never, t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, false, 1), /sdpaFlash: q/],
    ['mask needing grad', () => sdpaFlash(t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([3, 3]).requiresGrad_(), false, 1), /sdpaFlash: attnMask requires grad/],
    ['backward: grad_out shape', () => sdpaFlashBackward(t([1, 1, 3, 3]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, t([1, 1, 3, 4]), t([1, 1, 3]), false, 1),
      /sdpa_flash_backward: expected grad_out of shape \[1, 1, 3, 4\], got \[1, 1, 3, 3\] float32/],
    ['backward: logsumexp shape', () => sdpaFlashBackward(t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), null, t([1, 1, 3, 4]), t([1, 3]), false, 1),
      /sdpa_flash_backward: expected logsumexp of shape \[1, 1, 3\], got \[1, 3\]/],
    ['public: mask with isCausal', () => sdpa(t([1, 3, 4]), t([1, 3, 4]), t([1, 3, 4]), { attnMask: t([3, 3]), isCausal: true }), /scaledDotProductAttention: attnMask must not be given with isCausal/],
  ];
  for (const [name, f, re] of cases) it(name, () => expect(f).toThrow(re));
});
