// The native layer_norm / layer_norm_backward ops and the 2-D GEMM form of linear on 3-D and
// larger input: outputs and gradients against PyTorch (test/fixtures/layer_norm_linear.json,
// scripts/gen_layer_norm_linear_fixtures.py), the composite fallbacks, and bad input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import * as ort from 'onnxruntime-node';
import { autograd, nn, onnx } from '../ts/index';

interface Enc { shape: number[]; data: number[] }
interface Case { name: string; dtype: 'float32' | 'float64'; in: Enc[]; y: Enc; dy: Enc; grads: Enc[] }
const FIX = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'layer_norm_linear.json'), 'utf8')) as { cases: Record<string, Case[]> };
const F = nn.functional;
const dec = (e: Enc, dtype: my.DType, grad = false): my.Tensor => my.tensor(e.data, { shape: e.shape, dtype, requiresGrad: grad });
function close(got: my.Tensor, want: Enc, dtype: string, what: string): void {
  const tol = dtype === 'float32' ? 2e-5 : 1e-10;
  expect(got.shape, what).toEqual(want.shape);
  const g = Array.from(got.contiguous().data() as Float32Array);
  const worst = g.reduce((m, v, i) => Math.max(m, Math.abs(v - want.data[i]) - tol * Math.abs(want.data[i])), 0);
  expect(worst, what).toBeLessThan(tol);
}
function runCase(c: Case, f: (...xs: my.Tensor[]) => my.Tensor): void {
  const ins = c.in.map((e) => dec(e, c.dtype, true));
  const y = f(...ins);
  close(y, c.y, c.dtype, `${c.name} y`);
  const grads = autograd.grad([y], ins, { gradOutputs: [dec(c.dy, c.dtype)] });
  grads.forEach((g, k) => close(g!, c.grads[k], c.dtype, `${c.name} grad ${k}`));
}

describe('layerNorm (native layer_norm)', () => {
  const shapes: Record<string, number[]> = { '3d_affine_f32': [32], two_dims_f64: [3, 8], wide_f32: [200] };
  const eps: Record<string, number> = { two_dims_f64: 1e-3 };
  for (const c of FIX.cases.layerNorm)
    it(`${c.name}: output and gradients match torch`, () => runCase(c, (x, w, b) => F.layerNorm(x, shapes[c.name], w, b, eps[c.name] ?? 1e-5)));

  it('records the native op and saves per-row statistics of torch\'s shape', () => {
    const x = my.randn([2, 3, 4], { requiresGrad: true });
    const r = my.layerNormStats(x, [4], null, null);
    expect(r.output.gradFn?.name).toBe('layer_norm');
    expect(r.mean.shape).toEqual([2, 3, 1]);
    expect(r.rstd.shape).toEqual([2, 3, 1]);
    const x2 = my.randn([2, 3, 4]);
    expect(my.layerNormStats(x2, [3, 4], null, null).mean.shape).toEqual([2, 1, 1]);
  });

  it('float16 and a broadcast weight keep the composite, with the same values', () => {
    my.manualSeed(3);
    const x = my.randn([3, 8]), w = my.rand([8]).add(0.5);
    const ref = F.layerNorm(x, [8], w, null);
    const half = F.layerNorm(x.to('float16'), [8], w.to('float16'), null).to('float32');
    expect(half.sub(ref).abs().max().item()).toBeLessThan(2e-2);
    const bw = F.layerNorm(x, [8], my.full([1], 2), null);   // weight [1]: broadcast, not of normalized shape
    expect(bw.sub(F.layerNorm(x, [8], null, null).mul(2)).abs().max().item()).toBeLessThan(1e-6);
  });

  it('nn.LayerNorm trains through the native op (weight and bias get gradients)', () => {
    const ln = new nn.LayerNorm([6]);
    const x = my.randn([4, 5, 6]);
    ln.forward(x).mul(my.randn([4, 5, 6])).sum().backward();
    expect(ln.weight!.grad!.shape).toEqual([6]);
    expect(ln.bias!.grad!.abs().sum().item()).toBeGreaterThan(0);
  });

  it('bad input throws a named error', () => {
    const x = my.randn([2, 4]);
    expect(() => my.layerNormStats(x, [3], null, null)).toThrow(/layer_norm: input \[2, 4\] does not end with normalized_shape \[3\]/);
    expect(() => my.layerNormStats(x, [], null, null)).toThrow(/layer_norm: normalized_shape must have at least one dim/);
    expect(() => my.layerNormStats(x, [4], my.randn([3]), null)).toThrow(/layer_norm: expected weight of shape \[4\], got \[3\]/);
    expect(() => my.layerNormStats(x, [4], null, my.randn([4], { dtype: 'float64' }))).toThrow(/layer_norm: expected bias of dtype float32, got float64/);
    expect(() => my.layerNormStats(x, [4], null, null, -1)).toThrow(/layer_norm: eps must be non-negative/);
    expect(() => my.layerNormStats(my.tensor([1, 2], { dtype: 'int32' }), [2], null, null)).toThrow(/layer_norm/);
    expect(() => my.layerNormStats(3 as unknown as my.Tensor, [2], null, null)).toThrow(/layerNorm: input/);
    const { mean, rstd } = my.layerNormStats(x, [4], null, null);
    expect(() => my.layerNormBackward(my.randn([2, 3]), x, [4], mean, rstd, null)).toThrow(/layer_norm_backward: grad_output \[2, 3\]/);
    expect(() => my.layerNormBackward(my.randn([2, 4]), x, [4], my.randn([3, 1]), rstd, null)).toThrow(/layer_norm_backward: expected mean with 2 values/);
    expect(() => my.layerNormBackward(my.randn([2, 4]), x, [4], mean, rstd, my.randn([5]))).toThrow(/layer_norm_backward: expected weight of shape \[4\]/);
    expect(() => F.layerNorm(x, [4], null, null, Number.NaN)).toThrow(/layerNorm: eps/);
  });
});

describe('linear on [*, in] as one 2-D GEMM', () => {
  const withBias = (x: my.Tensor, w: my.Tensor, b: my.Tensor) => F.linear(x, w, b);
  const fns: Record<string, (...t: my.Tensor[]) => my.Tensor> = {
    '3d_bias_f32': withBias, '4d_no_bias_f64': (x, w) => F.linear(x, w), noncontig_3d_f32: (x, w, b) => F.linear(x.transpose(0, 1), w, b),
  };
  for (const c of FIX.cases.linear) it(`${c.name}: output and gradients match torch`, () => runCase(c, fns[c.name]));

  it('float64 gradcheck, 3-D input with bias', () => {
    my.manualSeed(9);
    const r = (s: number[]) => my.randn(s, { dtype: 'float64', requiresGrad: true });
    expect(autograd.gradcheck((x, w, b) => F.linear(x, w, b), [r([2, 3, 4]), r([5, 4]), r([5])])).toBe(true);
  });

  it('a feature mismatch on 3-D input still names linear', () => {
    expect(() => F.linear(my.randn([2, 3, 4]), my.randn([5, 3]))).toThrow(/linear: input \[2, 3, 4\] has 4 features, weight \[5, 3\] expects 3/);
  });
});

describe('ONNX: LayerNorm exports as LayerNormalization, 3-D Linear as one MatMul over [rows, in]', () => {
  class Block extends nn.Module {
    fc = new nn.Linear(8, 6);
    ln = new nn.LayerNorm([6]);
    ln2 = new nn.LayerNorm([6], 1e-5, { elementwiseAffine: false });
    forward(x: my.Tensor): my.Tensor { return this.ln2.forward(this.ln.forward(this.fc.forward(x)).relu()); }
  }
  it('onnxruntime and onnx.load give myelin\'s outputs, with a dynamic batch', async () => {
    my.manualSeed(11);
    const m = new Block();
    my.noGrad(() => { m.ln.weight!.copy_(my.rand([6]).add(0.5)); m.ln.bias!.copy_(my.randn([6])); });
    m.eval();
    const x = my.randn([2, 5, 8]);
    const bytes = onnx.exportBytes(m, x, { inputNames: ['x'], outputNames: ['y'], dynamicAxes: { x: { 0: 'batch' }, y: { 0: 'batch' } } });
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).toContain('LayerNormalization');
    const s = await ort.InferenceSession.create(bytes);
    for (const xi of [x, my.randn([3, 5, 8])]) {
      const want = my.noGrad(() => m.forward(xi));
      const r = await s.run({ x: new ort.Tensor('float32', xi.contiguous().data() as Float32Array, [...xi.shape]) });
      expect([...r.y.dims]).toEqual(want.shape);
      const got = my.tensor(r.y.data as Float32Array, { shape: want.shape });
      expect(got.sub(want).abs().max().item()).toBeLessThan(1e-5);
      const back = onnx.load(bytes).run(xi).y;
      expect(back.sub(want).abs().max().item()).toBeLessThan(1e-5);
    }
  });
});
