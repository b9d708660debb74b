// The decoder side against torch 2.13 (test/fixtures/transformer_decoder.json, written by
// scripts/gen_transformer_decoder_fixtures.py, float64): TransformerDecoderLayer post- and pre-norm
// with causal target masks, memory masks and padding masks, a 2-layer TransformerDecoder, and whole
// nn.Transformer models loaded from torch state dicts: outputs and gradients of the inputs and of
// every weight; torch's key names; bad input is a named Error.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as my from '../ts/index';
import { nn, autograd } from '../ts/index';

type Num = number | string;
interface Arr { shape: number[]; dtype: 'float64' | 'bool'; data: Num[] }
/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'transformer_decoder.json'), 'utf8')) as any;
type D = 'float64' | 'float32';

const val = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
function T(a: Arr | null, dtype: D = 'float64'): my.Tensor | null {
  if (!a) return null;
  if (a.dtype === 'bool') return my.tensor(a.data.map((v) => Boolean(v))).reshape(a.shape);
  return my.tensor(Float64Array.from(a.data, val), { dtype: 'float64' }).reshape(a.shape).to(dtype);
}
const TT = (a: Arr, dtype: D = 'float64'): my.Tensor => T(a, dtype)!;
function maxDiff(got: my.Tensor, want: Arr, nonTrivial = true): number {
  expect([...got.shape]).toEqual(want.shape);
  const g = got.contiguous().to('float64').data() as Float64Array;
  const w = want.data.map(val);
  if (nonTrivial) expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(1e-3);
  let d = 0;
  for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - w[i]));
  expect(Number.isNaN(d)).toBe(false);
  return d;
}
function load(m: nn.Module, state: Record<string, Arr>, dtype: D = 'float64'): void {
  expect([...m.stateDict().keys()]).toEqual(Object.keys(state));   // torch's key names and order
  m.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, TT(v, dtype)])), { strict: true });
}
/** Gradients of sum(out * w) of every named parameter against torch's (inputs named in `inputs`). */
function checkParamGrads(m: nn.Module, grads: Record<string, Arr>, inputs: string[], tol: number): void {
  const named = Object.fromEntries(m.namedParameters());
  const keys = Object.keys(grads).filter((k) => !inputs.includes(k));
  expect(keys.sort()).toEqual(Object.keys(named).sort());
  for (const k of keys) expect(maxDiff(named[k].grad!, grads[k], false), k).toBeLessThan(tol);
}
const layerOpts = (o: any, dtype: D = 'float64') => ({ dimFeedforward: o.dim_feedforward, activation: o.activation, normFirst: o.norm_first, batchFirst: o.batch_first, bias: o.bias, layerNormEps: o.layer_norm_eps, dropout: 0, dtype });

describe('nn.TransformerDecoderLayer matches torch (float64, torch state dicts)', () => {
  for (const c of fx.layers) {
    it(`${c.name}: output and gradients of tgt, memory and every weight`, () => {
      const m = new nn.TransformerDecoderLayer(c.ctor.d_model, c.ctor.nhead, layerOpts(c.ctor));
      load(m, c.state);
      const tgt = TT(c.tgt).requiresGrad_(true), memory = TT(c.memory).requiresGrad_(true);
      const y = m.forward(tgt, memory, { tgtMask: T(c.tgt_mask), memoryMask: T(c.memory_mask), tgtKeyPaddingMask: T(c.tgt_key_padding_mask), memoryKeyPaddingMask: T(c.memory_key_padding_mask) });
      expect(maxDiff(y, c.out)).toBeLessThan(1e-12);
      y.mul(TT(c.loss_weight)).sum().backward();
      expect(maxDiff(tgt.grad!, c.grads.tgt)).toBeLessThan(1e-11);
      expect(maxDiff(memory.grad!, c.grads.memory)).toBeLessThan(1e-11);
      checkParamGrads(m, c.grads, ['tgt', 'memory'], 1e-11);
    });
  }
  it('the masks matter: without the memory mask and padding the output differs from torch\'s', () => {
    const c = fx.layers[0];
    const m = new nn.TransformerDecoderLayer(c.ctor.d_model, c.ctor.nhead, layerOpts(c.ctor));
    load(m, c.state);
    const y = my.noGrad(() => m.forward(TT(c.tgt), TT(c.memory), { tgtMask: T(c.tgt_mask) }));
    expect(maxDiff(y, c.out)).toBeGreaterThan(1e-3);
  });
  it('tgtIsCausal without a tgtMask builds the causal mask (equal to passing it)', () => {
    const c = fx.layers[1];
    const m = new nn.TransformerDecoderLayer(c.ctor.d_model, c.ctor.nhead, layerOpts(c.ctor));
    load(m, c.state);
    const y = my.noGrad(() => m.forward(TT(c.tgt), TT(c.memory), { tgtIsCausal: true, tgtKeyPaddingMask: T(c.tgt_key_padding_mask), memoryKeyPaddingMask: T(c.memory_key_padding_mask) }));
    expect(maxDiff(y, c.out)).toBeLessThan(1e-12);
  });
});

describe('float64 gradcheck (finite differences)', () => {
  it('decoder layer, pre-norm gelu, causal target and memory padding: gradients of tgt and memory', () => {
    my.manualSeed(14);
    const m = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, normFirst: true, activation: 'gelu', dtype: 'float64' });
    const kpm = my.tensor([[false, false, false, true]]);
    const r = (...s: number[]) => my.randn(s, { dtype: 'float64' }).requiresGrad_(true);
    expect(autograd.gradcheck((t, mem) => m.forward(t, mem, { tgtIsCausal: true, memoryKeyPaddingMask: kpm }), [r(3, 1, 4), r(4, 1, 4)])).toBe(true);
  });
});

describe('nn.TransformerDecoder matches torch', () => {
  it('2 layers + final LayerNorm, causal target, memory padding: output and every gradient (float64); float32 output', () => {
    const c = fx.decoder;
    const make = (dtype: D) => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(c.ctor.d_model, c.ctor.nhead, layerOpts(c.ctor, dtype)), c.num_layers, { norm: new nn.LayerNorm(c.ctor.d_model, 1e-5, { dtype }) });
    const dec = make('float64');
    load(dec, c.state);
    const tgt = TT(c.tgt).requiresGrad_(true), memory = TT(c.memory).requiresGrad_(true);
    const tgtMask = nn.Transformer.generateSquareSubsequentMask(c.tgt.shape[1], { dtype: 'float64' });
    const y = dec.forward(tgt, memory, { tgtMask, tgtIsCausal: true, memoryKeyPaddingMask: T(c.memory_key_padding_mask) });
    expect(maxDiff(y, c.out)).toBeLessThan(1e-12);
    y.mul(TT(c.loss_weight)).sum().backward();
    expect(maxDiff(tgt.grad!, c.grads.tgt)).toBeLessThan(1e-11);
    expect(maxDiff(memory.grad!, c.grads.memory)).toBeLessThan(1e-11);
    checkParamGrads(dec, c.grads, ['tgt', 'memory'], 1e-11);
    const d32 = make('float32');
    load(d32, c.state, 'float32');
    const y32 = my.noGrad(() => d32.forward(TT(c.tgt, 'float32'), TT(c.memory, 'float32'), { tgtMask: tgtMask.float(), memoryKeyPaddingMask: T(c.memory_key_padding_mask) }));
    expect(maxDiff(y32, c.out)).toBeLessThan(1e-5);
  });
  it('deep-copies the layer: equal weights at the start, separate parameters', () => {
    my.manualSeed(7);
    const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    const dec = new nn.TransformerDecoder(layer, 3);
    const w = (i: number) => (dec.layers.at(i) as nn.TransformerDecoderLayer).multihead_attn.in_proj_weight!;
    expect(w(2).sub(layer.multihead_attn.in_proj_weight!).abs().max().item()).toBe(0);
    expect(w(0)).not.toBe(w(1));
    expect(dec.parameters().length).toBe(3 * layer.parameters().length);
  });
});

describe('nn.Transformer matches torch (whole encoder-decoder models from torch state dicts)', () => {
  const make = (o: any, dtype: D = 'float64') => new nn.Transformer({
    dModel: o.d_model, nhead: o.nhead, numEncoderLayers: o.num_encoder_layers, numDecoderLayers: o.num_decoder_layers,
    dimFeedforward: o.dim_feedforward, activation: o.activation, normFirst: o.norm_first, batchFirst: o.batch_first,
    layerNormEps: o.layer_norm_eps, dropout: 0, dtype,
  });
  for (const c of fx.models) {
    it(`${c.name}: loadStateDict (strict), output and gradients of src, tgt and every weight (float64); float32 output`, () => {
      const m = make(c.ctor);
      load(m, c.state);
      const src = TT(c.src).requiresGrad_(true), tgt = TT(c.tgt).requiresGrad_(true);
      const masks = (d: D) => ({
        srcMask: T(c.src_mask, d), tgtMask: T(c.tgt_mask, d), memoryMask: T(c.memory_mask, d), srcKeyPaddingMask: T(c.src_key_padding_mask),
        tgtKeyPaddingMask: T(c.tgt_key_padding_mask), memoryKeyPaddingMask: T(c.memory_key_padding_mask),
      });
      const y = m.forward(src, tgt, masks('float64'));
      expect(maxDiff(y, c.out)).toBeLessThan(1e-12);
      y.mul(TT(c.loss_weight)).sum().backward();
      expect(maxDiff(src.grad!, c.grads.src)).toBeLessThan(1e-11);
      expect(maxDiff(tgt.grad!, c.grads.tgt)).toBeLessThan(1e-11);
      checkParamGrads(m, c.grads, ['src', 'tgt'], 1e-11);
      const m32 = make(c.ctor, 'float32');
      load(m32, c.state, 'float32');
      expect(maxDiff(my.noGrad(() => m32.forward(TT(c.src, 'float32'), TT(c.tgt, 'float32'), masks('float32'))), c.out)).toBeLessThan(2e-5);
    });
  }
  it('torch\'s keys and shapes, the final norms included; every matrix xavier-uniform, vectors as their layers made them', () => {
    my.manualSeed(8);
    const m = new nn.Transformer({ dModel: 16, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 });
    expect([...m.stateDict()].map(([k, v]) => [k, [...v.shape]])).toEqual(fx.default_keys);
    const lin = m.stateDict().get('decoder.layers.0.linear1.weight')!;   // [8, 16]: xavier bound sqrt(6 / 24)
    expect(lin.abs().max().item()).toBeLessThanOrEqual(Math.sqrt(6 / 24));
    expect(lin.abs().max().item()).toBeGreaterThan(0.8 * Math.sqrt(6 / 24));
    expect(m.stateDict().get('encoder.norm.weight')!.sub(1).abs().max().item()).toBe(0);
    expect(m.stateDict().get('decoder.layers.0.multihead_attn.in_proj_bias')!.abs().max().item()).toBe(0);
  });
  it('defaults as torch: dModel 512, nhead 8, 6 + 6 layers, dropout 0.1 acts in training only', () => {
    const d = new nn.Transformer({ numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 32 });
    expect([d.dModel, d.nhead, d.batchFirst]).toEqual([512, 8, false]);
    my.manualSeed(9);
    const m = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    expect((m.encoder as nn.TransformerEncoder).layers.length).toBe(1);
    const src = my.randn([6, 2, 8]), tgt = my.randn([4, 2, 8]);
    expect(m.forward(src, tgt).sub(m.forward(src, tgt)).abs().max().item()).toBeGreaterThan(1e-4);
    m.eval();
    expect(m.forward(src, tgt).sub(m.forward(src, tgt)).abs().max().item()).toBe(0);
    expect([...m.forward(src.select(1, 0), tgt.select(1, 0)).shape]).toEqual([4, 8]);   // unbatched
  });
  it('customEncoder / customDecoder replace the stacks (and get the options torch passes)', () => {
    my.manualSeed(10);
    const seen: string[] = [];
    class Enc extends nn.Module { lin = new nn.Linear(8, 8); forward(x: my.Tensor, o: any) { seen.push(`enc isCausal=${o.isCausal}`); return this.lin.forward(x); } }
    class Dec extends nn.Module { forward(t: my.Tensor, mem: my.Tensor, o: any) { seen.push(`dec tgtIsCausal=${o.tgtIsCausal}`); return t.add(mem.mean(0, { keepdim: true })); } }
    const m = new nn.Transformer({ dModel: 8, nhead: 2, customEncoder: new Enc(), customDecoder: new Dec() });
    expect([...m.stateDict().keys()]).toEqual(['encoder.lin.weight', 'encoder.lin.bias']);
    const y = m.forward(my.randn([3, 2, 8]), my.randn([4, 2, 8]), { srcIsCausal: true, tgtIsCausal: true });
    expect([...y.shape]).toEqual([4, 2, 8]);
    expect(seen).toEqual(['enc isCausal=true', 'dec tgtIsCausal=true']);
  });
});

describe('bad input is a named Error', () => {
  const tgt = my.randn([5, 2, 8]), mem = my.randn([6, 2, 8]);
  const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
  const model = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
  const cases: [string, () => unknown, RegExp][] = [
    ['decoder layer dModel vs nhead', () => new nn.TransformerDecoderLayer(10, 4), /MultiheadAttention: embed_dim \(10\) must be divisible by num_heads \(4\)/],
    ['Transformer dModel vs nhead', () => new nn.Transformer({ dModel: 10, nhead: 3 }), /MultiheadAttention: embed_dim \(10\) must be divisible by num_heads \(3\)/],
    ['bad activation', () => new nn.TransformerDecoderLayer(8, 2, { activation: 'swish' as never }), /TransformerDecoderLayer: activation should be 'relu', 'gelu' or a function, not 'swish'/],
    ['bad dropout', () => new nn.TransformerDecoderLayer(8, 2, { dropout: 1.5 }), /TransformerDecoderLayer: dropout must be between 0 and 1, got 1.5/],
    ['decoder of a non-layer', () => new nn.TransformerDecoder(new nn.TransformerEncoderLayer(8, 2) as never, 2), /TransformerDecoder: decoder_layer must be a TransformerDecoderLayer/],
    ['decoder numLayers', () => new nn.TransformerDecoder(layer, 0), /TransformerDecoder: num_layers must be an integer >= 1, got 0/],
    ['Transformer unknown custom', () => new nn.Transformer({ dModel: 8, nhead: 2, customEncoder: {} as never }), /Transformer: customEncoder must be a Module or null/],
    ['tgtMask shape', () => layer.forward(tgt, mem, { tgtMask: my.zeros([4, 4]) }), /TransformerDecoderLayer: tgtMask \[4, 4\] must be \[5, 5\] or \[N \* nhead, 5, 5\] = \[4, 5, 5\]/],
    ['tgtMask 3-D shape', () => layer.forward(tgt, mem, { tgtMask: my.zeros([2, 5, 5]) }), /TransformerDecoderLayer: tgtMask \[2, 5, 5\] must be/],
    ['memoryMask shape', () => layer.forward(tgt, mem, { memoryMask: my.zeros([5, 5], { dtype: 'bool' }) }), /TransformerDecoderLayer: memoryMask \[5, 5\] must be \[5, 6\]/],
    ['memoryMask dtype', () => layer.forward(tgt, mem, { memoryMask: my.zeros([5, 6], { dtype: 'int64' }) }), /TransformerDecoderLayer: memoryMask must be bool or floating point, got int64/],
    ['tgtKeyPaddingMask shape', () => layer.forward(tgt, mem, { tgtKeyPaddingMask: my.zeros([5, 2], { dtype: 'bool' }) }), /TransformerDecoderLayer: tgtKeyPaddingMask \[5, 2\] must be \[N, S\] = \[2, 5\]/],
    ['memoryKeyPaddingMask dtype', () => layer.forward(tgt, mem, { memoryKeyPaddingMask: my.zeros([2, 6], { dtype: 'int32' }) }), /TransformerDecoderLayer: memoryKeyPaddingMask must be bool or floating point, got int32/],
    ['mask not a tensor', () => layer.forward(tgt, mem, { tgtMask: [[0]] as never }), /TransformerDecoderLayer: tgtMask must be a Tensor or null/],
    ['memory batch', () => layer.forward(tgt, my.randn([6, 3, 8])), /TransformerDecoderLayer: memory \[6, 3, 8\] must have tgt's batch size 2/],
    ['memory features', () => layer.forward(tgt, my.randn([6, 2, 4])), /TransformerDecoderLayer: the feature number of tgt \[5, 2, 8\] and memory \[6, 2, 4\] must be d_model = 8/],
    ['memory missing', () => layer.forward(tgt, undefined as never), /TransformerDecoderLayer: memory must be a Tensor, got undefined/],
    ['tgtIsCausal not boolean', () => layer.forward(tgt, mem, { tgtIsCausal: 'yes' as never }), /TransformerDecoderLayer: tgtIsCausal must be a boolean, got "yes"/],
    ['Transformer batch mismatch', () => model.forward(my.randn([7, 3, 8]), tgt), /Transformer: the batch number of src \[7, 3, 8\] and tgt \[5, 2, 8\] must be equal/],
    ['Transformer features', () => model.forward(my.randn([7, 2, 6]), my.randn([5, 2, 6])), /Transformer: the feature number of src \[7, 2, 6\] and tgt \[5, 2, 6\] must be equal to d_model 8/],
    ['Transformer ranks', () => model.forward(my.randn([7, 8]), tgt), /Transformer: src \[7, 8\] and tgt \[5, 2, 8\] must both be 3-D \(batched\) or 2-D \(unbatched\)/],
    ['Transformer srcMask shape', () => model.forward(my.randn([7, 2, 8]), tgt, { srcMask: my.zeros([5, 5]) }), /Transformer: srcMask \[5, 5\] must be \[7, 7\]/],
    ['Transformer srcKeyPaddingMask shape', () => model.forward(my.randn([7, 2, 8]), tgt, { srcKeyPaddingMask: my.zeros([2, 5], { dtype: 'bool' }) }), /Transformer: srcKeyPaddingMask \[2, 5\] must be \[N, S\] = \[2, 7\]/],
    ['Transformer memoryMask shape', () => model.forward(my.randn([7, 2, 8]), tgt, { memoryMask: my.zeros([5, 5]) }), /TransformerDecoderLayer: memoryMask \[5, 5\] must be \[5, 7\]/],
    ['Transformer options', () => new nn.Transformer(5 as never), /Transformer: options must be/],
  ];
  for (const [name, f, re] of cases) it(name, () => expect(f).toThrow(re));
});
