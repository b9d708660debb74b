// Attention and the encoder stack against torch 2.13 (test/fixtures/transformer.json, written by
// scripts/gen_transformer_fixtures.py, float64): SDPA with causal, boolean, additive and fully
// masked rows (zeros, as torch), MultiheadAttention (weights, kdim/vdim, padding, batchFirst,
// biasKv/zeroAttn), encoder layers post/pre-norm relu/gelu and a 2-layer stack loaded from torch's
// state dicts, gradients of inputs and every weight; float64 gradcheck of SDPA; bad input.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as my from '../ts/index';
import { nn, autograd } from '../ts/index';

type Num = number | string;
interface Arr { shape: number[]; dtype: 'float64' | 'bool'; data: Num[] }
/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'transformer.json'), 'utf8')) as any;
const F = nn.functional;

const val = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
function T(a: Arr | null, dtype: 'float64' | 'float32' = 'float64'): my.Tensor | null {
  if (!a) return null;
  if (a.dtype === 'bool') return my.tensor(a.data.map((v) => Boolean(v))).reshape(a.shape);
  return my.tensor(Float64Array.from(a.data, val), { dtype: 'float64' }).reshape(a.shape).to(dtype);
}
const TT = (a: Arr, dtype: 'float64' | 'float32' = 'float64'): my.Tensor => T(a, dtype)!;

/** Max |got - want| over the elements (NaN must meet NaN), after checking the shape; checks the reference is not all near zero. */
function maxDiff(got: my.Tensor, want: Arr, nonTrivial = true): number {
  expect([...got.shape]).toEqual(want.shape);
  const g = got.contiguous().to('float64').data() as Float64Array;
  const w = want.data.map(val);
  if (nonTrivial) expect(Math.max(...w.filter((x) => Number.isFinite(x)).map(Math.abs))).toBeGreaterThan(1e-3);
  let d = 0;
  for (let i = 0; i < g.length; i++) {
    if (Number.isNaN(w[i]) || Number.isNaN(g[i])) { expect(Number.isNaN(g[i]), `element ${i}: got ${g[i]}, want ${w[i]}`).toBe(Number.isNaN(w[i])); continue; }
    d = Math.max(d, Math.abs(g[i] - w[i]));
  }
  return d;
}
const req = (a: Arr): my.Tensor => TT(a).requiresGrad_(true);

function mhaOf(c: any, dtype: 'float64' | 'float32' = 'float64'): nn.MultiheadAttention {
  const o = c.ctor;
  const m = new nn.MultiheadAttention(o.embed_dim, o.num_heads, { kdim: o.kdim, vdim: o.vdim, batchFirst: o.batch_first, bias: o.bias, addBiasKv: o.add_bias_kv, addZeroAttn: o.add_zero_attn, dtype });
  const sd = Object.fromEntries(Object.entries(c.state as Record<string, Arr>).map(([k, v]) => [k, TT(v, dtype)]));
  expect([...m.stateDict().keys()]).toEqual(Object.keys(c.state));   // torch's key names and order
  m.loadStateDict(sd, { strict: true });
  return m.eval();
}
function layerOf(o: any, dtype: 'float64' | 'float32' = 'float64'): nn.TransformerEncoderLayer {
  return new nn.TransformerEncoderLayer(o.d_model, o.nhead, { dimFeedforward: o.dim_feedforward, activation: o.activation, normFirst: o.norm_first, batchFirst: o.batch_first, bias: o.bias, layerNormEps: o.layer_norm_eps, dtype });
}
function load(m: nn.Module, state: Record<string, Arr>, dtype: 'float64' | 'float32' = 'float64'): void {
  expect([...m.stateDict().keys()]).toEqual(Object.keys(state));
  m.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, TT(v, dtype)])), { strict: true });
}
/** Gradients of sum(out * w) of every named parameter against torch's. */
function checkParamGrads(m: nn.Module, grads: Record<string, Arr>, tol: number): void {
  const named = Object.fromEntries(m.namedParameters());
  const keys = Object.keys(grads).filter((k) => !['src', 'query', 'key', 'value'].includes(k));
  expect(keys.sort()).toEqual(Object.keys(named).sort());
  for (const k of keys) expect(maxDiff(named[k].grad!, grads[k], false), k).toBeLessThan(tol);
}

describe('tril, triu and the square subsequent mask (torch)', () => {
  it('tril(-1), tril(0), triu(2) of a [2, 3, 5] tensor; generateSquareSubsequentMask(4)', () => {
    const x = TT(fx.tril_triu.x);
    expect(maxDiff(F.tril(x, -1), fx.tril_triu.tril_m1)).toBe(0);
    expect(maxDiff(F.tril(x), fx.tril_triu.tril_0)).toBe(0);
    expect(maxDiff(F.triu(x, 2), fx.tril_triu.triu_2)).toBe(0);
    const m = nn.Transformer.generateSquareSubsequentMask(4, { dtype: 'float64' });
    const w = (fx.square_mask_4 as Arr).data.map(val);
    expect(Array.from(m.data() as Float64Array)).toEqual(w);
    expect(nn.Transformer.generateSquareSubsequentMask(3).dtype).toBe('float32');
  });
});

describe('scaledDotProductAttention matches torch (float64)', () => {
  for (const c of fx.sdpa) {
    it(`${c.name}: output${c.grads ? ' and gradients of q, k, v' : ''}`, () => {
      const q = req(c.q), k = req(c.k), v = req(c.v);
      const y = F.scaledDotProductAttention(q, k, v, { attnMask: T(c.attn_mask), isCausal: c.is_causal, scale: c.scale, enableGqa: c.enable_gqa });
      expect(maxDiff(y, c.out)).toBeLessThan(1e-12);
      if (!c.grads) return;
      y.mul(TT(c.loss_weight)).sum().backward();
      for (const [n, t] of [['q', q], ['k', k], ['v', v]] as const) {
        expect(t.grad!.isnan().any().item(), `${n}.grad has NaN`).toBe(false);
        expect(maxDiff(t.grad!, c.grads[n], false), n).toBeLessThan(1e-12);
      }
    });
  }
  it('a fully masked row gives zeros (torch 2.13) with a zero gradient, not NaN', () => {
    const c = fx.sdpa.find((s: any) => s.name === 'bool_mask_fully_masked_row');
    const y = F.scaledDotProductAttention(TT(c.q), TT(c.k), TT(c.v), { attnMask: T(c.attn_mask) });
    expect(y.narrow(2, 2, 1).abs().max().item()).toBe(0);
    expect(y.narrow(2, 1, 1).abs().max().item()).toBeGreaterThan(0.01);
  });
  it('float64 gradcheck: additive mask, bool mask with a fully masked row, causal, GQA', () => {
    my.manualSeed(3);
    const r = (...s: number[]) => my.randn(s, { dtype: 'float64' }).requiresGrad_(true);
    const bm = my.tensor([[true, false, true, true], [false, false, false, false], [true, true, false, true]]);
    expect(autograd.gradcheck((q, k, v, m) => F.scaledDotProductAttention(q, k, v, { attnMask: m }), [r(2, 3, 4), r(2, 4, 4), r(2, 4, 3), r(3, 4)])).toBe(true);
    expect(autograd.gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: bm }), [r(2, 3, 4), r(2, 4, 4), r(2, 4, 3)])).toBe(true);
    expect(autograd.gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }), [r(1, 2, 3, 4), r(1, 2, 3, 4), r(1, 2, 3, 2)])).toBe(true);
    expect(autograd.gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { enableGqa: true }), [r(1, 4, 2, 3), r(1, 2, 3, 3), r(1, 2, 3, 3)])).toBe(true);
  });
  it('dropoutP: zeroes weights (output changes, its mean stays near) and 0 gives the exact output', () => {
    my.manualSeed(4);
    const q = my.randn([2, 2, 16, 8]), k = my.randn([2, 2, 16, 8]), v = my.ones([2, 2, 16, 8]);
    const y0 = F.scaledDotProductAttention(q, k, v);
    expect(y0.sub(1).abs().max().item()).toBeLessThan(1e-6);   // rows of weights sum to 1
    const y = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 });
    expect(y.sub(1).abs().max().item()).toBeGreaterThan(0.1);
    expect(Math.abs((y.mean().item() as number) - 1)).toBeLessThan(0.15);
    expect(F.scaledDotProductAttention(q, k, v, { dropoutP: 0 }).sub(y0).abs().max().item()).toBe(0);
  });
});

describe('nn.MultiheadAttention matches torch (float64, torch state dicts)', () => {
  for (const c of fx.mha) {
    it(`${c.name}: output${c.weights ? ', weights' : ''}${c.grads ? ', gradients of inputs and every weight' : ''}`, () => {
      const m = mhaOf(c);
      const q = req(c.query), k = c.key === c.query ? q : req(c.key), v = req(c.value);
      const [y, w] = m.forward(q, k, v, { keyPaddingMask: T(c.key_padding_mask), attnMask: T(c.attn_mask), needWeights: c.need_weights, averageAttnWeights: c.average_attn_weights });
      expect(maxDiff(y, c.out)).toBeLessThan(1e-12);
      if (c.weights) expect(maxDiff(w!, c.weights)).toBeLessThan(1e-12);
      else expect(w).toBeNull();
      if (!c.grads) return;
      y.mul(TT(c.loss_weight)).sum().backward();
      expect(maxDiff(q.grad!, c.grads.query, false)).toBeLessThan(1e-12);
      expect(maxDiff(k.grad!, c.grads.key, false)).toBeLessThan(1e-12);
      expect(maxDiff(v.grad!, c.grads.value, false)).toBeLessThan(1e-12);
      checkParamGrads(m, c.grads, 1e-12);
    });
  }
  it('init as torch: in_proj_weight xavier-uniform bound, in_proj_bias and out_proj.bias zero; q/k/v_proj_weight with kdim', () => {
    my.manualSeed(1);
    const m = new nn.MultiheadAttention(64, 4);
    const bound = Math.sqrt(6 / (64 + 192));
    const w = m.in_proj_weight!;
    expect([...w.shape]).toEqual([192, 64]);
    expect(w.abs().max().item()).toBeLessThanOrEqual(bound);
    expect(w.abs().max().item()).toBeGreaterThan(bound * 0.95);
    expect(m.in_proj_bias!.abs().max().item()).toBe(0);
    expect(m.out_proj.bias!.abs().max().item()).toBe(0);
    const kv = new nn.MultiheadAttention(8, 2, { kdim: 3, vdim: 5 });
    expect([...kv.stateDict().keys()]).toEqual(['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(kv.in_proj_weight).toBeNull();
  });
  it('dropout acts in training only', () => {
    my.manualSeed(2);
    const m = new nn.MultiheadAttention(8, 2, { dropout: 0.5 });
    const x = my.randn([6, 2, 8]);
    const a = m.forward(x, x, x)[0], b = m.forward(x, x, x)[0];
    expect(a.sub(b).abs().max().item()).toBeGreaterThan(1e-3);
    m.eval();
    expect(m.forward(x, x, x)[0].sub(m.forward(x, x, x)[0]).abs().max().item()).toBe(0);
  });
});

describe('nn.TransformerEncoderLayer / TransformerEncoder match torch', () => {
  for (const c of fx.layers) {
    it(`${c.name}: output and gradients of src and every weight (float64)`, () => {
      const m = layerOf(c.ctor);
      load(m, c.state);
      m.eval();
      const src = req(c.src);
      const y = m.forward(src, { srcMask: T(c.src_mask), srcKeyPaddingMask: T(c.src_key_padding_mask) });
      expect(maxDiff(y, c.out)).toBeLessThan(1e-12);
      y.mul(TT(c.loss_weight)).sum().backward();
      expect(maxDiff(src.grad!, c.grads.src, false)).toBeLessThan(1e-11);
      checkParamGrads(m, c.grads, 1e-11);
    });
  }
  it('a 2-layer stack with a final LayerNorm, causal and padding masks: output and every gradient (float64); float32 output', () => {
    const c = fx.encoder;
    const make = (dtype: 'float64' | 'float32') => new nn.TransformerEncoder(layerOf(c.ctor, dtype), c.num_layers, { norm: new nn.LayerNorm(c.ctor.d_model, 1e-5, { dtype }) });
    const enc = make('float64');
    load(enc, c.state);
    enc.eval();
    const src = req(c.src);
    const mask = nn.Transformer.generateSquareSubsequentMask(c.src.shape[1], { dtype: 'float64' });
    const y = enc.forward(src, { mask, srcKeyPaddingMask: T(c.src_key_padding_mask) });
    expect(maxDiff(y, c.out)).toBeLessThan(1e-12);
    y.mul(TT(c.loss_weight)).sum().backward();
    expect(maxDiff(src.grad!, c.grads.src, false)).toBeLessThan(1e-11);
    checkParamGrads(enc, c.grads, 1e-11);
    const e32 = make('float32');
    load(e32, c.state, 'float32');
    e32.eval();
    expect(maxDiff(my.noGrad(() => e32.forward(TT(c.src, 'float32'), { mask: mask.float(), srcKeyPaddingMask: T(c.src_key_padding_mask) })), c.out)).toBeLessThan(1e-5);
  });
  it('the stack deep-copies the layer: equal weights at the start, separate parameters; isCausal without a mask builds it', () => {
    my.manualSeed(5);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const enc = new nn.TransformerEncoder(layer, 3);
    const w = (i: number) => (enc.layers.at(i) as nn.TransformerEncoderLayer).self_attn.in_proj_weight!;
    expect(w(0).sub(layer.self_attn.in_proj_weight!).abs().max().item()).toBe(0);
    expect(w(2).sub(w(0)).abs().max().item()).toBe(0);
    expect(w(0)).not.toBe(w(1));
    expect(enc.parameters().length).toBe(3 * layer.parameters().length);
    enc.eval();
    const x = my.randn([5, 2, 8]);
    const a = enc.forward(x, { isCausal: true }), b = enc.forward(x, { mask: nn.Transformer.generateSquareSubsequentMask(5) });
    expect(a.sub(b).abs().max().item()).toBe(0);
    expect(a.sub(enc.forward(x)).abs().max().item()).toBeGreaterThan(1e-3);
  });
  it('dropout: training outputs vary, eval outputs are repeatable; an activation function works', () => {
    my.manualSeed(6);
    const m = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: (t) => t.tanh() });
    const x = my.randn([4, 2, 8]);
    expect(m.forward(x).sub(m.forward(x)).abs().max().item()).toBeGreaterThan(1e-4);
    m.eval();
    expect(m.forward(x).sub(m.forward(x)).abs().max().item()).toBe(0);
  });
});

describe('bad input is a named Error', () => {
  const x = my.randn([2, 3, 4]);
  const cases: [string, () => unknown, RegExp][] = [
    ['embedDim not divisible by numHeads', () => new nn.MultiheadAttention(10, 3), /MultiheadAttention: embed_dim \(10\) must be divisible by num_heads \(3\)/],
    ['TransformerEncoderLayer d_model vs nhead', () => new nn.TransformerEncoderLayer(10, 4), /MultiheadAttention: embed_dim \(10\) must be divisible by num_heads \(4\)/],
    ['bad activation', () => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never }), /TransformerEncoderLayer: activation should be 'relu', 'gelu' or a function, not 'tanh'/],
    ['sdpa q/k feature mismatch', () => F.scaledDotProductAttention(x, my.randn([2, 3, 5]), my.randn([2, 3, 5])), /scaledDotProductAttention: key \[2, 3, 5\] must have query's feature size 4/],
    ['sdpa k/v length mismatch', () => F.scaledDotProductAttention(x, x, my.randn([2, 4, 4])), /scaledDotProductAttention: value \[2, 4, 4\] must match key/],
    ['sdpa batch mismatch', () => F.scaledDotProductAttention(x, my.randn([3, 3, 4]), my.randn([3, 3, 4])), /scaledDotProductAttention: query \[2, 3, 4\] and key \[3, 3, 4\] must have the same batch dims/],
    ['sdpa mask shape', () => F.scaledDotProductAttention(x, x, x, { attnMask: my.ones([4, 3]) }), /scaledDotProductAttention: attnMask \[4, 3\] does not broadcast to the attention weights \[2, 3, 3\]/],
    ['sdpa mask dtype', () => F.scaledDotProductAttention(x, x, x, { attnMask: my.zeros([3, 3], { dtype: 'int64' }) }), /scaledDotProductAttention: attnMask must be bool or floating point, got int64/],
    ['sdpa mask with isCausal', () => F.scaledDotProductAttention(x, x, x, { attnMask: my.ones([3, 3]), isCausal: true }), /scaledDotProductAttention: attnMask must not be given with isCausal/],
    ['sdpa GQA heads', () => F.scaledDotProductAttention(my.randn([1, 3, 2, 4]), my.randn([1, 2, 2, 4]), my.randn([1, 2, 2, 4]), { enableGqa: true }), /scaledDotProductAttention: with enableGqa the number of query heads \(3\) must be a multiple of key\/value heads \(2\)/],
    ['sdpa int query', () => F.scaledDotProductAttention(my.zeros([2, 2], { dtype: 'int64' }), x, x), /scaledDotProductAttention: query must be floating point/],
    ['sdpa dropoutP', () => F.scaledDotProductAttention(x, x, x, { dropoutP: 2 }), /scaledDotProductAttention: dropoutP must be between 0 and 1, got 2/],
    ['mha embed mismatch', () => new nn.MultiheadAttention(8, 2).forward(x, x, x), /MultiheadAttention: query \[2, 3, 4\] \(\[L, N, E\]\) has 4 features, expected embed_dim 8/],
    ['mha kdim mismatch', () => new nn.MultiheadAttention(4, 2, { kdim: 3 }).forward(x, x, x), /MultiheadAttention: key \[2, 3, 4\] has 4 features, expected kdim 3/],
    ['mha kpm shape', () => new nn.MultiheadAttention(4, 2).forward(x, x, x, { keyPaddingMask: my.zeros([3, 3], { dtype: 'bool' }) }), /MultiheadAttention: keyPaddingMask \[3, 3\] must be \[N, S\] = \[3, 2\]/],
    ['mha kpm dtype', () => new nn.MultiheadAttention(4, 2).forward(x, x, x, { keyPaddingMask: my.zeros([3, 2], { dtype: 'int64' }) }), /MultiheadAttention: only bool and floating types of keyPaddingMask are supported, got int64/],
    ['mha attn mask shape', () => new nn.MultiheadAttention(4, 2).forward(x, x, x, { attnMask: my.zeros([3, 3]) }), /MultiheadAttention: the 2-D attnMask \[3, 3\] must be \[L, S\] = \[2, 2\]/],
    ['mha 3-D mask shape', () => new nn.MultiheadAttention(4, 2).forward(x, x, x, { attnMask: my.zeros([3, 2, 2]) }), /MultiheadAttention: the 3-D attnMask \[3, 2, 2\] must be \[N \* numHeads, L, S\] = \[6, 2, 2\]/],
    ['mha rank', () => new nn.MultiheadAttention(4, 2).forward(my.randn([4]), x, x), /MultiheadAttention: query, key and value must all be 3-D/],
    ['encoder of a non-layer', () => new nn.TransformerEncoder(new nn.Linear(2, 2) as never, 2), /TransformerEncoder: encoder_layer must be a TransformerEncoderLayer/],
    ['tril of a vector', () => F.tril(my.randn([3])), /tril: input tensor must have at least 2 dimensions, got \[3\]/],
  ];
  for (const [name, f, re] of cases) it(name, () => expect(f).toThrow(re));
});
