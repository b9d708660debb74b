// ONNX export of the fused attention op (sdpa_flash): a traced call exports as MatMul/Softmax/MatMul
// with its masks (ts/onnx/emit.ts), and onnxruntime and onnx.load give myelin's own outputs.
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as my from '../ts/index';
import { onnx } from '../ts/index';

const f32 = (t: my.Tensor): ort.Tensor => new ort.Tensor('float32', t.contiguous().data() as Float32Array, [...t.shape]);

/** Exports fn(q, k, v), then checks onnxruntime's and onnx.load's outputs against myelin's for each input set. */
async function roundTrip(fn: (q: my.Tensor, k: my.Tensor, v: my.Tensor) => my.Tensor, inputs: my.Tensor[][], dynamicBatch: boolean): Promise<string> {
  const names = ['q', 'k', 'v'];
  const dyn = dynamicBatch ? { q: { 0: 'b' }, k: { 0: 'b' }, v: { 0: 'b' }, y: { 0: 'b' } } : undefined;
  const bytes = onnx.exportBytes(fn, inputs[0], { inputNames: names, outputNames: ['y'], dynamicAxes: dyn });
  const text = Buffer.from(bytes).toString('latin1');
  const s = await ort.InferenceSession.create(bytes);
  for (const xs of inputs) {
    const want = my.noGrad(() => fn(xs[0], xs[1], xs[2]));
    const r = await s.run(Object.fromEntries(names.map((n, i) => [n, f32(xs[i])])));
    expect([...r.y.dims]).toEqual(want.shape);
    const got = my.tensor(r.y.data as Float32Array, { shape: want.shape });
    expect(got.sub(want).abs().max().item()).toBeLessThan(2e-5);
    const back = onnx.load(bytes).run(Object.fromEntries(names.map((n, i) => [n, xs[i]]))).y;
    expect(back.sub(want).abs().max().item()).toBeLessThan(2e-5);
  }
  return text;
}
const qkv = (B: number, Hq: number, Hk: number, L: number, S: number, E: number): my.Tensor[] =>
  [my.randn([B, Hq, L, E]), my.randn([B, Hk, S, E]), my.randn([B, Hk, S, E])];

describe('ONNX export of sdpa_flash', () => {
  it('plain attention with a dynamic batch: MatMul, Softmax, MatMul, no mask nodes', async () => {
    my.manualSeed(1);
    const text = await roundTrip((q, k, v) => my.sdpaFlash(q, k, v)[0], [qkv(2, 3, 3, 5, 7, 4), qkv(3, 3, 3, 5, 7, 4)], true);
    expect(text).toContain('Softmax');
    expect(text).not.toContain('Where');
  });
  it('causal with grouped-query attention (4 query heads over 2 kv heads) and a custom scale', async () => {
    my.manualSeed(2);
    const fn = (q: my.Tensor, k: my.Tensor, v: my.Tensor): my.Tensor => my.sdpaFlash(q, k, v, null, true, 0.3)[0];
    await roundTrip(fn, [qkv(2, 4, 2, 6, 6, 8), qkv(3, 4, 2, 6, 6, 8)], true);
    // the reference itself: causal means row 0 is v's row 0 of its kv head
    const [q, k, v] = qkv(1, 4, 2, 6, 6, 8);
    const y = fn(q, k, v);
    expect(y.narrow(2, 0, 1).narrow(1, 3, 1).sub(v.narrow(2, 0, 1).narrow(1, 1, 1)).abs().max().item()).toBeLessThan(1e-6);
  });
  it('a boolean mask with a fully masked row gives 0 there (not Softmax\'s NaN)', async () => {
    my.manualSeed(3);
    const keep = my.rand([1, 1, 5, 7]).gt(0.4).logicalOr(my.eye(5, 7).reshape([1, 1, 5, 7]).gt(0));
    const mask = keep.logicalAnd(my.tensor([1, 1, 0, 1, 1], { dtype: 'float32' }).reshape([1, 1, 5, 1]).gt(0));  // row 2 fully masked
    const fn = (q: my.Tensor, k: my.Tensor, v: my.Tensor): my.Tensor => my.sdpaFlash(q, k, v, mask)[0];
    const inputs = [qkv(2, 2, 2, 5, 7, 4)];
    await roundTrip(fn, inputs, false);
    const y = fn(inputs[0][0], inputs[0][1], inputs[0][2]);
    expect(y.narrow(2, 2, 1).abs().max().item()).toBe(0);
    expect(y.narrow(2, 1, 1).abs().max().item()).toBeGreaterThan(0);
  });
  it('an additive float mask [B, 1, L, S] (padding as -inf) with L != S', async () => {
    my.manualSeed(4);
    const pad = my.zeros([2, 1, 1, 9]).maskedFill(my.tensor([0, 0, 0, 0, 0, 0, 0, 1, 1], { dtype: 'float32' }).reshape([1, 1, 1, 9]).gt(0), -Infinity);
    const mask = pad.add(my.randn([2, 1, 4, 9]).mul(0.5));
    await roundTrip((q, k, v) => my.sdpaFlash(q, k, v, mask)[0], [qkv(2, 3, 3, 4, 9, 6)], false);
  });
  it('refuses attention dropout and a used logsumexp, naming the op', () => {
    my.manualSeed(5);
    const xs = qkv(1, 2, 2, 3, 3, 4);
    expect(() => onnx.exportBytes((q: my.Tensor, k: my.Tensor, v: my.Tensor) => my.sdpaFlash(q, k, v, null, false, null, 0.2)[0], xs))
      .toThrow(/sdpa_flash.*dropout|from_array/);  // the trace itself refuses the dropout call's rng array first
    expect(() => onnx.exportBytes((q: my.Tensor, k: my.Tensor, v: my.Tensor) => my.sdpaFlash(q, k, v)[1], xs)).toThrow(/sdpa_flash.*logsumexp/);
  });
});
