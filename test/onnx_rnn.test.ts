// ONNX export of models with nn.LSTM / nn.GRU: jit.trace unrolls each layer into matmuls and
// gate math (one set of nodes per time step), which onnxruntime runs with myelin's outputs at
// the traced batch and at other batch sizes (the zero initial state and each step's rows are
// computed from the input's shape at run time); onnx.load runs the same bytes; onnx.checker
// passed them (checker.json). A dynamic time axis and other unexportable cases are named errors.
import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as my from '../ts/index';
import { onnx, nn } from '../ts/index';
import { decodeModel } from '../ts/onnx/proto';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { rnnSamples } = require('../scripts/write_onnx_samples.js');
interface Sample { name: string; model: nn.Module; input: my.Tensor; options: onnx.ExportOptions }

const FIX = join(__dirname, 'fixtures', 'onnx');
const checker = JSON.parse(readFileSync(join(FIX, 'checker.json'), 'utf8')) as { files: Record<string, { sha256: string; checker: string }> };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function ortTensor(x: my.Tensor): ort.Tensor {
  const d = x.contiguous().data();
  return x.dtype === 'int64' ? new ort.Tensor('int64', d as BigInt64Array, [...x.shape]) : new ort.Tensor('float32', d as Float32Array, [...x.shape]);
}
async function runOrt(bytes: Uint8Array, x: my.Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await ort.InferenceSession.create(bytes);
  const y = (await s.run({ [s.inputNames[0]]: ortTensor(x) }))[s.outputNames[0]];
  return { data: y.data as Float32Array, dims: y.dims };
}
const eager = (m: nn.Module, x: my.Tensor): { data: Float32Array; shape: number[] } =>
  my.tidy(() => my.noGrad(() => { const y = m.forward(x) as my.Tensor; return { data: y.contiguous().data() as Float32Array, shape: [...y.shape] }; }));

let samples: Sample[];
beforeAll(() => { samples = rnnSamples(my); for (const s of samples) s.model.eval(); });
const sample = (name: string): Sample => samples.find((s) => s.name === name)!;

/** The example input with another batch size (dim `axis`), fresh values of the same kind. */
function batchOf(s: Sample, axis: number, n: number): my.Tensor {
  const shape = [...s.input.shape];
  shape[axis] = n;
  return s.input.dtype === 'int64' ? my.randint(0, 20, shape) : my.randn(...shape);
}

const CASES: [string, number][] = [['lstm_classifier', 0], ['gru_regressor', 1]];

describe('exportModel of LSTM / GRU models: onnxruntime and onnx.load give myelin\'s outputs', () => {
  for (const [name, axis] of CASES) {
    it(`${name}: the traced batch, then batch 1, 3 and 6 through the dynamic axis`, async () => {
      const s = sample(name);
      const bytes = onnx.exportBytes(s.model, s.input, s.options);
      const rec = checker.files[`myelin_${name}.onnx`];
      expect(rec, `checker.json lacks myelin_${name}.onnx: re-run scripts/gen_onnx_fixtures.py`).toBeDefined();
      expect(rec.checker).toBe('passed');
      expect(sha(bytes), 'the exporter now writes other bytes than onnx.checker saw: re-run node scripts/write_onnx_samples.js and scripts/gen_onnx_fixtures.py --checker-only').toBe(rec.sha256);
      expect(sha(readFileSync(join(FIX, `myelin_${name}.onnx`)))).toBe(rec.sha256);
      const loaded = onnx.load(bytes);
      expect(loaded.inputInfo[0].shape[axis]).toBe('batch');
      my.manualSeed(5);
      for (const x of [s.input, batchOf(s, axis, 1), batchOf(s, axis, 3), batchOf(s, axis, 6)]) {
        const want = eager(s.model, x);
        expect(Math.max(...Array.from(want.data, Math.abs))).toBeGreaterThan(1e-2);   // not a comparison of near-zeros
        const got = await runOrt(bytes, x);
        expect([...got.dims]).toEqual(want.shape);
        expect(maxDiff(got.data, want.data)).toBeLessThan(1e-5);
        const y = loaded.run(x)[loaded.outputNames[0]];
        expect([...y.shape]).toEqual(want.shape);
        expect(maxDiff(y.contiguous().data() as Float32Array, want.data)).toBeLessThan(1e-5);
      }
      loaded.dispose();
    });
  }

  it('the LSTM is unrolled: 3 Sigmoid and 2 Tanh per step, layer and direction; the zero initial state is an Expand of the input\'s batch', () => {
    const s = sample('lstm_classifier');
    const g = decodeModel('test', 'lstm', onnx.exportBytes(s.model, s.input, s.options)).graph!;
    const count = (op: string): number => g.node!.filter((n) => n.opType === op).length;
    const T = 7, L = 2, D = 2;
    expect(count('LSTM')).toBe(0);
    expect(count('Sigmoid')).toBe(3 * T * L * D);
    expect(count('Tanh')).toBe(2 * T * L * D);
    // h0 and c0 ([L * D, B, H] zeros) from Shape(tokens)[0]; no initializer has the traced batch in its shape
    const expand = g.node!.filter((n) => n.opType === 'Expand');
    expect(expand.length).toBeGreaterThanOrEqual(2);
    expect(g.node!.some((n) => n.opType === 'Shape' && n.input![0] === 'tokens')).toBe(true);
    expect(g.initializer!.map((t) => t.name)).toContain('lstm.weight_hh_l1_reverse');
  });
});

describe('exportModel of LSTM / GRU layer variants and of torch weights', () => {
  const variants: [string, () => nn.LSTM | nn.GRU, number[], number][] = [
    ['LSTM projSize 3, 2 layers, bidirectional, time major', () => new nn.LSTM(4, 6, { projSize: 3, numLayers: 2, bidirectional: true }), [5, 2, 4], 1],
    ['GRU bidirectional, batch first, no bias', () => new nn.GRU(4, 6, { bidirectional: true, batchFirst: true, bias: false }), [2, 5, 4], 0],
  ];
  for (const [what, mk, shape, axis] of variants) {
    it(`${what}: output and final states in onnxruntime at batch 2 (traced) and 4`, async () => {
      my.manualSeed(9);
      const layer = mk();
      layer.eval();
      // every output of the layer: the sequence and the final state(s)
      const f = (x: my.Tensor): my.Tensor[] => {
        const [out, st] = layer.forward(x) as [my.Tensor, my.Tensor | [my.Tensor, my.Tensor]];
        return [out, ...(Array.isArray(st) ? st : [st])];
      };
      const bytes = onnx.exportBytes(f, my.randn(...shape), { dynamicAxes: { input_0: { [axis]: 'batch' } } });
      const s = await ort.InferenceSession.create(bytes);
      for (const b of [2, 4]) {
        const sh = [...shape];
        sh[axis] = b;
        const x = my.randn(...sh);
        const r = await s.run({ [s.inputNames[0]]: ortTensor(x) });
        const want = my.noGrad(() => f(x));
        expect(s.outputNames.length).toBe(want.length);
        want.forEach((w, k) => {
          const y = r[s.outputNames[k]];
          expect([...y.dims]).toEqual([...w.shape]);
          expect(maxDiff(y.data as Float32Array, w.contiguous().data() as Float32Array)).toBeLessThan(1e-5);
        });
      }
    });
  }

  it('torch\'s Embedding -> LSTM -> Linear weights (safetensors), exported by myelin, give torch\'s logits in onnxruntime', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const c = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'torch', 'rnn_cases.json'), 'utf8')).cases.classifier as any;
    class Classifier extends nn.Module {
      emb = new nn.Embedding(12, 5);
      lstm = new nn.LSTM(5, 6, { numLayers: 2, batchFirst: true, bidirectional: true });
      fc = new nn.Linear(12, 3);
      forward(x: my.Tensor): my.Tensor { const [out] = this.lstm.forward(this.emb.forward(x)); return this.fc.forward(out.select(1, -1)); }
    }
    const net = new Classifier();
    net.loadStateDict(my.io.loadSafetensors(join(__dirname, 'fixtures', 'torch', 'rnn_classifier.safetensors')), { strict: true });
    const tokens = my.tensor(c.tokens.data, { dtype: 'int64' }).reshape(c.tokens.shape);
    // traced on one row: the batch of 2 runs through the dynamic axis
    const bytes = onnx.exportBytes(net, tokens.narrow(0, 0, 1), { dynamicAxes: { input_0: { 0: 'batch' } } });
    const got = await runOrt(bytes, tokens);
    expect([...got.dims]).toEqual(c.logits.shape);
    expect(maxDiff(got.data, c.logits.data)).toBeLessThan(1e-5);
  });
});

describe('exportModel of RNNs: what does not export is a named error', () => {
  it('a dynamic time axis (the trace unrolls one set of ops per step)', () => {
    const s = sample('gru_regressor');
    expect(() => onnx.exportBytes(s.model, s.input, { dynamicAxes: { input_0: { 0: 'time' } } }))
      .toThrow(/onnx\.exportModel: the model runs different ops when the dynamic axes change size.*time axis/);
  });

  it('a batch-sized constant that is not filled with one value', () => {
    my.manualSeed(1);
    const noise = new Map([2, 3].map((b) => [b, my.randn(b, 4)]));
    const f = (x: my.Tensor): my.Tensor => x.add(noise.get(x.shape[0])!);
    expect(() => onnx.exportBytes(f, my.randn(2, 4), { dynamicAxes: { input_0: { 0: 'batch' } } }))
      .toThrow(/onnx\.exportModel: a constant of the model \[2, 4\] changes shape with the dynamic axes and its elements differ/);
  });

  it('a uniform constant whose size follows no input dim', () => {
    const f = (x: my.Tensor): my.Tensor => my.cat([x, my.zeros(x.shape[0] + 1, 4)], 0);
    expect(() => onnx.exportBytes(f, my.randn(2, 4), { dynamicAxes: { input_0: { 0: 'batch' } } }))
      .toThrow(/onnx\.exportModel: a constant of the model \[3, 4\] changes shape with the dynamic axes, and its dim 0 is no dynamic input dim/);
  });

  it('a slice of the dynamic axis that is not the same fraction of it at every size', () => {
    const f = (x: my.Tensor): my.Tensor => x.narrow(0, 0, 1).mul(2);
    expect(() => onnx.exportBytes(f, my.randn(2, 4), { dynamicAxes: { input_0: { 0: 'batch' } } }))
      .toThrow(/onnx\.exportModel: op 'narrow' \(step 0\) cannot be exported: slices the dynamic axis/);
  });
});
