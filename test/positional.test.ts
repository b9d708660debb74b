// Positional encodings against references someone else computed (test/fixtures/transformer_decoder.json,
// scripts/gen_transformer_decoder_fixtures.py): the sinusoid table from torch (the PyTorch tutorial's
// formula in float64) and from the paper's formula in NumPy; a learned table against torch's
// x + Embedding(positions) with gradients; RoPE against NumPy's per-pair rotation and torch running
// HF LLaMA's rotate_half, gradients from torch; a float64 gradcheck; bad input.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as my from '../ts/index';
import { nn, autograd } from '../ts/index';

interface Arr { shape: number[]; dtype: 'float64'; data: number[] }
/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'transformer_decoder.json'), 'utf8')) as any;
const TT = (a: Arr, dtype: 'float64' | 'float32' = 'float64'): my.Tensor => my.tensor(Float64Array.from(a.data), { dtype: 'float64' }).reshape(a.shape).to(dtype);
function maxDiff(got: my.Tensor, want: Arr): number {
  expect([...got.shape]).toEqual(want.shape);
  const g = got.contiguous().to('float64').data() as Float64Array;
  expect(Math.max(...want.data.map(Math.abs))).toBeGreaterThan(1e-2);
  let d = 0;
  for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - want.data[i]));
  expect(Number.isNaN(d)).toBe(false);
  return d;
}

describe('nn.SinusoidalPositionalEncoding', () => {
  const c = fx.sinusoidal;
  it('the table equals torch\'s (tutorial formula, float64) and the paper\'s (NumPy), odd widths too', () => {
    const pe = new nn.SinusoidalPositionalEncoding(c.d_model, c.max_len, { dtype: 'float64' });
    expect(maxDiff(pe.pe, c.pe)).toBeLessThan(1e-13);
    expect(maxDiff(new nn.SinusoidalPositionalEncoding(7, c.max_len, { dtype: 'float64' }).pe, c.pe_odd7)).toBeLessThan(1e-13);
    expect([...pe.stateDict().keys()]).toEqual([]);   // a constant: not saved
    expect(new nn.SinusoidalPositionalEncoding(c.d_model, c.max_len).pe.dtype).toBe('float32');
  });
  it('adds the table to [S, N, E] input (eval: no dropout), at an offset too; float32 within 1e-6', () => {
    const pe = new nn.SinusoidalPositionalEncoding(c.d_model, c.max_len, { dtype: 'float64' }).eval();
    expect(maxDiff(pe.forward(TT(c.x)), c.out)).toBeLessThan(1e-13);
    expect(maxDiff(pe.forward(TT(c.x), { offset: 11 }), c.out_offset_11)).toBeLessThan(1e-13);
    const p32 = new nn.SinusoidalPositionalEncoding(c.d_model, c.max_len).eval();
    expect(maxDiff(p32.forward(TT(c.x, 'float32')), c.out)).toBeLessThan(1e-6);
    // batchFirst: the same sums with the batch leading
    const bf = new nn.SinusoidalPositionalEncoding(c.d_model, c.max_len, { dtype: 'float64', batchFirst: true }).eval();
    expect(bf.forward(TT(c.x).transpose(0, 1)).transpose(0, 1).sub(TT(c.out)).abs().max().item()).toBeLessThan(1e-13);
  });
  it('dropout (default 0.1) acts in training only', () => {
    my.manualSeed(11);
    const pe = new nn.SinusoidalPositionalEncoding(16, 32, { dropout: 0.5 });
    const x = my.randn([8, 2, 16]);
    const y = pe.forward(x);
    const zeros = (y.eq(0).sum().item() as number) / y.numel();
    expect(zeros).toBeGreaterThan(0.3);
    expect(zeros).toBeLessThan(0.7);
    pe.eval();
    expect(pe.forward(x).eq(0).sum().item()).toBe(0);
    expect(new nn.SinusoidalPositionalEncoding(16).dropout.p).toBe(0.1);
  });
});

describe('nn.LearnedPositionalEmbedding', () => {
  const c = fx.learned;
  it('x + weight[offset .. offset + S] as torch (batchFirst, offset 3): output and gradients of x and weight', () => {
    const m = new nn.LearnedPositionalEmbedding(c.max_len, c.d_model, { batchFirst: true, dtype: 'float64' });
    expect([...m.stateDict().keys()]).toEqual(['weight']);
    m.loadStateDict({ weight: TT(c.weight) });
    const x = TT(c.x).requiresGrad_(true);
    const y = m.forward(x, { offset: c.offset });
    expect(maxDiff(y, c.out)).toBeLessThan(1e-14);
    y.mul(TT(c.loss_weight)).sum().backward();
    expect(maxDiff(x.grad!, c.grads.x)).toBeLessThan(1e-14);
    expect(maxDiff(m.weight.grad!, c.grads.weight)).toBeLessThan(1e-13);
  });
  it('initialized N(0, 1) as nn.Embedding', () => {
    my.manualSeed(12);
    const w = new nn.LearnedPositionalEmbedding(256, 64).weight;
    expect(Math.abs(w.mean().item() as number)).toBeLessThan(0.02);
    expect(Math.abs((w.std().item() as number) - 1)).toBeLessThan(0.02);
  });
});

describe('nn.RotaryEmbedding (rotate-half, HF LLaMA)', () => {
  for (const c of fx.rotary) {
    it(`${c.name}: equals the per-pair formula (NumPy) and torch's rotate_half; gradients as torch; float32 within 1e-5`, () => {
      const rope = new nn.RotaryEmbedding(c.head_dim, { base: c.base, maxLen: c.max_len, dtype: 'float64' });
      const q = TT(c.q).requiresGrad_(true), k = TT(c.k).requiresGrad_(true);
      const [qr, kr] = rope.apply(q, k, c.offset);
      expect(maxDiff(qr, c.q_formula)).toBeLessThan(1e-13);
      expect(maxDiff(kr, c.k_formula)).toBeLessThan(1e-13);
      expect(maxDiff(qr, c.q_torch)).toBeLessThan(1e-13);
      expect(maxDiff(kr, c.k_torch)).toBeLessThan(1e-13);
      qr.add(kr.mul(2)).mul(TT(c.loss_weight)).sum().backward();
      expect(maxDiff(q.grad!, c.grads.q)).toBeLessThan(1e-13);
      expect(maxDiff(k.grad!, c.grads.k)).toBeLessThan(1e-13);
      const r32 = new nn.RotaryEmbedding(c.head_dim, { base: c.base, maxLen: c.max_len });
      expect(maxDiff(r32.rotate(TT(c.q, 'float32'), c.offset), c.q_torch)).toBeLessThan(1e-5);
    });
  }
  it('keeps norms and relative positions: <rope(q, m), rope(k, n)> depends on m - n only; float64 gradcheck', () => {
    my.manualSeed(13);
    const rope = new nn.RotaryEmbedding(8, { maxLen: 32, dtype: 'float64' });
    const q = my.randn([1, 8], { dtype: 'float64' }), k = my.randn([1, 8], { dtype: 'float64' });
    const dot = (m: number, n: number) => rope.rotate(q, m).mul(rope.rotate(k, n)).sum().item() as number;
    expect(Math.abs(dot(3, 1) - dot(12, 10))).toBeLessThan(1e-12);
    expect(Math.abs(dot(3, 1) - dot(3, 2))).toBeGreaterThan(1e-3);
    expect(Math.abs((rope.rotate(q, 9).norm().item() as number) - (q.norm().item() as number))).toBeLessThan(1e-12);
    const r = (...s: number[]) => my.randn(s, { dtype: 'float64' }).requiresGrad_(true);
    expect(autograd.gradcheck((a, b) => { const [x, y] = rope.apply(a, b, 2); return x.add(y); }, [r(2, 3, 8), r(2, 3, 8)])).toBe(true);
  });
  it('no state dict entries; Module.apply(fn) still walks modules', () => {
    const rope = new nn.RotaryEmbedding(4);
    expect([...rope.stateDict().keys()]).toEqual([]);
    const seen: string[] = [];
    rope.apply((m) => { seen.push(m.constructor.name); });
    expect(seen).toEqual(['RotaryEmbedding']);
  });
});

describe('bad input is a named Error', () => {
  const sin = new nn.SinusoidalPositionalEncoding(8, 10), lrn = new nn.LearnedPositionalEmbedding(10, 8, { batchFirst: true }), rope = new nn.RotaryEmbedding(8, { maxLen: 10 });
  const cases: [string, () => unknown, RegExp][] = [
    ['sinusoidal sequence longer than the table', () => sin.forward(my.randn([11, 2, 8])), /SinusoidalPositionalEncoding: sequence length 11 is longer than the table's maxLen 10/],
    ['sinusoidal offset past the table', () => sin.forward(my.randn([4, 2, 8]), { offset: 7 }), /SinusoidalPositionalEncoding: sequence length 4 at offset 7 is longer than the table's maxLen 10/],
    ['sinusoidal features', () => sin.forward(my.randn([4, 2, 6])), /SinusoidalPositionalEncoding: input \[4, 2, 6\] has 6 features, expected dModel 8/],
    ['sinusoidal rank', () => sin.forward(my.randn([8])), /SinusoidalPositionalEncoding: input must be 3-D \[S, N, E\] or 2-D \[S, E\], got \[8\]/],
    ['sinusoidal int input', () => sin.forward(my.zeros([4, 8], { dtype: 'int64' })), /SinusoidalPositionalEncoding: input must be floating point, got int64/],
    ['sinusoidal negative offset', () => sin.forward(my.randn([4, 8]), { offset: -1 }), /SinusoidalPositionalEncoding: offset must be an integer >= 0, got -1/],
    ['sinusoidal dropout', () => new nn.SinusoidalPositionalEncoding(8, 10, { dropout: -0.1 }), /SinusoidalPositionalEncoding: dropout must be between 0 and 1, got -0.1/],
    ['sinusoidal maxLen', () => new nn.SinusoidalPositionalEncoding(8, 0), /SinusoidalPositionalEncoding: max_len must be an integer >= 1, got 0/],
    ['learned sequence longer than the table', () => lrn.forward(my.randn([2, 12, 8])), /LearnedPositionalEmbedding: sequence length 12 is longer than the table's maxLen 10/],
    ['learned dModel', () => new nn.LearnedPositionalEmbedding(10, 2.5), /LearnedPositionalEmbedding: d_model must be an integer >= 1, got 2.5/],
    ['rope sequence longer than the table', () => rope.apply(my.randn([1, 2, 11, 8]), my.randn([1, 2, 11, 8])), /RotaryEmbedding: sequence length 11 is longer than the table's maxLen 10/],
    ['rope offset past the table', () => rope.apply(my.randn([2, 1, 8]), my.randn([2, 1, 8]), 10), /RotaryEmbedding: sequence length 1 at offset 10 is longer than the table's maxLen 10/],
    ['rope odd head dim', () => new nn.RotaryEmbedding(7), /RotaryEmbedding: head_dim must be even \(features pair up to rotate\), got 7/],
    ['rope features', () => rope.apply(my.randn([2, 3, 6]), my.randn([2, 3, 6])), /RotaryEmbedding: q \[2, 3, 6\] has 6 features, expected head_dim 8/],
    ['rope k missing', () => rope.apply(my.randn([2, 3, 8]), undefined as never), /RotaryEmbedding: k must be a Tensor, got undefined/],
    ['rope base', () => new nn.RotaryEmbedding(8, { base: 1 }), /RotaryEmbedding: base must be greater than 1, got 1/],
    ['rope int input', () => rope.rotate(my.zeros([2, 8], { dtype: 'int32' })), /RotaryEmbedding: input must be floating point, got int32/],
  ];
  for (const [name, f, re] of cases) it(name, () => expect(f).toThrow(re));
});
