// Transformer interop (issue 16's remaining items): a torch nn.TransformerEncoder saved by
// safetensors.torch.save_file and torch.save (scripts/gen_transformer_fixtures.py) loads into
// myelin's with strict keys and gives torch's outputs; ONNX export of encoder models (onnx.exportModel)
// runs in onnxruntime-node and onnx.load with myelin's outputs, at the traced and other batch sizes,
// and torch's weights exported by myelin give torch's outputs in onnxruntime. onnx.checker passed
// the files (transformer_onnx_checker.json: WRITE_ONNX=1 this test, then the generator's --checker).
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as my from '../ts/index';
import { nn, onnx } from '../ts/index';

const DIR = join(__dirname, 'fixtures', 'torch');
interface Arr { shape: number[]; dtype: 'float64' | 'bool'; data: number[] }
/* eslint-disable @typescript-eslint/no-explicit-any */
const c = JSON.parse(readFileSync(join(DIR, 'transformer_encoder.json'), 'utf8')) as any;
const T = (a: Arr): my.Tensor => (a.dtype === 'bool' ? my.tensor(a.data.map(Boolean)).reshape(a.shape) : my.tensor(a.data).reshape(a.shape));

function maxDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(1e-2);   // not a comparison of near-zeros
  let d = 0;
  for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  return d;
}
const data = (t: my.Tensor): Float32Array => t.contiguous().data() as Float32Array;

/** myelin's encoder with the options torch's was made with. */
function encoder(): nn.TransformerEncoder {
  const o = c.ctor;
  const layer = new nn.TransformerEncoderLayer(o.d_model, o.nhead, { dimFeedforward: o.dim_feedforward, batchFirst: o.batch_first, normFirst: o.norm_first, activation: o.activation });
  return new nn.TransformerEncoder(layer, c.num_layers, { norm: new nn.LayerNorm(o.d_model) });
}
// safetensors stores its header's keys sorted; torch.save keeps the state dict's order
const loaders: [string, () => Promise<Record<string, my.Tensor>>, (k: string[]) => string[]][] = [
  ['safetensors.torch.save_file', async () => my.io.loadSafetensors(join(DIR, 'transformer_encoder.safetensors')), (k) => [...k].sort()],
  ['torch.save', async () => (await my.io.loadTorch(join(DIR, 'transformer_encoder.pt'))) as Record<string, my.Tensor>, (k) => k],
];

describe('a torch nn.TransformerEncoder (2 pre-norm gelu layers + LayerNorm) loads into myelin with torch\'s outputs', () => {
  for (const [fmt, load, order] of loaders) {
    it(`${fmt}: strict keys; padding-mask and causal outputs within 1e-5`, async () => {
      const sd = await load();
      expect(Object.keys(sd)).toEqual(order(c.keys));
      const enc = encoder();
      expect([...enc.stateDict().keys()]).toEqual(c.keys);
      const r = enc.loadStateDict(sd, { strict: true });
      expect(r.missingKeys).toEqual([]);
      expect(r.unexpectedKeys).toEqual([]);
      enc.eval();
      my.noGrad(() => {
        const x = T(c.src);
        expect(maxDiff(data(enc.forward(x, { srcKeyPaddingMask: T(c.src_key_padding_mask) })), c.out.data)).toBeLessThan(1e-5);
        const mask = nn.Transformer.generateSquareSubsequentMask(x.shape[1]);
        expect(maxDiff(data(enc.forward(x, { mask, isCausal: true })), c.out_causal.data)).toBeLessThan(1e-5);
      });
    });
  }
  it('a strict load refuses a state dict with a layer missing, naming the keys', async () => {
    const sd = my.io.loadSafetensors(join(DIR, 'transformer_encoder.safetensors'));
    for (const k of Object.keys(sd)) if (k.startsWith('layers.1.')) delete sd[k];
    expect(() => encoder().loadStateDict(sd)).toThrow(/loadStateDict: .*Missing key\(s\) in state_dict: "layers\.1\.self_attn\.in_proj_weight"/s);
  });
});

// ---------------------------------------------------------------- ONNX
const checker = JSON.parse(readFileSync(join(DIR, 'transformer_onnx_checker.json'), 'utf8')) as { files: Record<string, { sha256: string; checker: string }> };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'myelin-onnx-tr-'));

function ortOf(x: my.Tensor): ort.Tensor {
  if (x.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(x.contiguous().data() as Uint8Array, Number), [...x.shape]);
  return new ort.Tensor('float32', data(x), [...x.shape]);
}
async function runOrt(bytes: Uint8Array, xs: my.Tensor[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await ort.InferenceSession.create(bytes);
  const feeds = Object.fromEntries(s.inputNames.map((n, i) => [n, ortOf(xs[i])]));
  const y = (await s.run(feeds))[s.outputNames[0]];
  return { data: y.data as Float32Array, dims: y.dims };
}
/** Exports through onnx.exportModel (the file API) and checks the bytes against onnx.checker's record. */
function exported(name: string, f: (...xs: my.Tensor[]) => my.Tensor, xs: my.Tensor[], options: onnx.ExportOptions): Uint8Array {
  const path = join(tmp, `${name}.onnx`);
  onnx.exportModel(f, xs, path, options);
  const bytes = new Uint8Array(readFileSync(path));
  if (process.env.WRITE_ONNX) writeFileSync(join(DIR, `transformer_${name}.onnx`), bytes);
  const rec = checker.files[`transformer_${name}.onnx`];
  expect(rec, `transformer_onnx_checker.json lacks transformer_${name}.onnx: WRITE_ONNX=1 npx vitest run test/io_transformer.test.ts, then scripts/gen_transformer_fixtures.py --checker`).toBeDefined();
  expect(rec.checker).toBe('passed');
  expect(sha(bytes), 'the exporter now writes other bytes than onnx.checker saw: re-record (see the file header)').toBe(rec.sha256);
  return bytes;
}
const mask = (n: number, S: number, pad: number[]): my.Tensor =>
  my.tensor(Array.from({ length: n * S }, (_, i) => pad[Math.floor(i / S)] > 0 && i % S >= S - pad[Math.floor(i / S)])).reshape([n, S]);

describe('ONNX export of Transformer encoders: onnxruntime and onnx.load give myelin\'s outputs', () => {
  it('TransformerEncoderLayer (post-norm, gelu, batch first) with a padding-mask input: batch 2 traced, then 1 and 4', async () => {
    my.manualSeed(31);
    const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true, activation: 'gelu' }).eval();
    const f = (x: my.Tensor, kpm: my.Tensor): my.Tensor => layer.forward(x, { srcKeyPaddingMask: kpm });
    const bytes = exported('encoder_layer', f, [my.randn([2, 6, 16]), mask(2, 6, [0, 2])],
      { inputNames: ['src', 'pad'], outputNames: ['y'], dynamicAxes: { src: { 0: 'batch' }, pad: { 0: 'batch' }, y: { 0: 'batch' } } });
    const loaded = onnx.load(bytes);
    expect(loaded.inputInfo[0].shape[0]).toBe('batch');
    for (const [n, pad] of [[2, [0, 2]], [1, [3]], [4, [0, 1, 5, 0]]] as [number, number[]][]) {
      const x = my.randn([n, 6, 16]), kpm = mask(n, 6, pad);
      const want = my.noGrad(() => f(x, kpm));
      const got = await runOrt(bytes, [x, kpm]);
      expect([...got.dims]).toEqual([n, 6, 16]);
      expect(maxDiff(got.data, data(want))).toBeLessThan(1e-5);
      const y = loaded.run([x, kpm]).y;
      expect(maxDiff(data(y), data(want))).toBeLessThan(1e-5);
    }
    loaded.dispose();
  });
  it('torch\'s TransformerEncoder weights, causal, exported by myelin: onnxruntime gives torch\'s output (1e-5), and myelin\'s at batch 1 and 5', async () => {
    const enc = encoder();
    enc.loadStateDict(my.io.loadSafetensors(join(DIR, 'transformer_encoder.safetensors')));
    enc.eval();
    const f = (x: my.Tensor): my.Tensor => enc.forward(x, { isCausal: true });
    const x0 = T(c.src);
    const bytes = exported('torch_encoder_causal', f, [x0], { dynamicAxes: { input_0: { 0: 'batch' }, output_0: { 0: 'batch' } } });
    const got = await runOrt(bytes, [x0]);
    expect([...got.dims]).toEqual(c.out_causal.shape);
    expect(maxDiff(got.data, c.out_causal.data)).toBeLessThan(1e-5);
    const loaded = onnx.load(bytes);
    for (const n of [1, 5]) {
      const x = my.randn([n, 7, 16]);
      const want = data(my.noGrad(() => f(x)));
      expect(maxDiff((await runOrt(bytes, [x])).data, want)).toBeLessThan(1e-5);
      expect(maxDiff(data(loaded.run(x)[loaded.outputNames[0]]), want)).toBeLessThan(1e-5);
    }
    loaded.dispose();
  });
  it('a layer in training mode exports as in eval (dropout off) and stays in training; a traced function with live dropout is refused', async () => {
    my.manualSeed(32);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const x = my.randn([3, 2, 8]);
    const bytes = onnx.exportBytes(layer, x);
    expect(layer.training).toBe(true);
    const want = data(my.noGrad(() => layer.eval().forward(x)));
    layer.train();
    expect(maxDiff((await runOrt(bytes, [x])).data, want)).toBeLessThan(1e-5);
    expect(() => onnx.exportBytes((t: my.Tensor) => layer.forward(t), x)).toThrow(/onnx\.exportModel|jit\.trace/);
  });
});
