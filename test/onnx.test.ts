// ONNX export and import: files myelin writes run in onnxruntime (another implementation)
// with myelin's outputs, passed onnx.checker (checker.json, by sha256 of the same bytes), and
// load back into myelin; torch-exported fixtures load and give torch's outputs; bad graphs
// and damaged files throw named Errors (fuzzed with fast-check).
import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import * as my from '../ts/index';
import { onnx, nn } from '../ts/index';
import { encodeModel, decodeModel, int64, type ModelProto } from '../ts/onnx/proto';
import { main } from '../ts/cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildSamples } = require('../scripts/write_onnx_samples.js');
interface Sample { name: string; big?: boolean; model: nn.Module; input: my.Tensor; options: onnx.ExportOptions }

const FIX = join(__dirname, 'fixtures', 'onnx');
const checker = JSON.parse(readFileSync(join(FIX, 'checker.json'), 'utf8')) as { files: Record<string, { sha256: string; checker: string }> };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const f32 = (t: my.Tensor): Float32Array => t.contiguous().data() as Float32Array;
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
async function runOrt(bytes: Uint8Array, x: my.Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', f32(x), [...x.shape]) });
  const y = r[s.outputNames[0]];
  return { data: y.data as Float32Array, dims: y.dims };
}
const eager = (m: nn.Module, x: my.Tensor): Float32Array => my.tidy(() => my.noGrad(() => f32(m.forward(x) as my.Tensor)));

let samples: Sample[];
beforeAll(() => { samples = buildSamples(my); });
const sample = (name: string): Sample => samples.find((s) => s.name === name)!;

describe('exportModel: onnxruntime gives myelin\'s outputs; the bytes are the ones onnx.checker passed', () => {
  for (const name of ['mlp', 'lenet5', 'cnn_ops', 'resnet18', 'efficientnet_b0']) {
    it(name, async () => {
      const s = sample(name);
      const bytes = onnx.exportBytes(s.model, s.input, s.options);
      const rec = checker.files[`myelin_${name}.onnx`];
      expect(rec, `checker.json lacks myelin_${name}.onnx: re-run scripts/gen_onnx_fixtures.py`).toBeDefined();
      expect(rec.checker).toBe('passed');
      expect(sha(bytes), 'the exporter now writes other bytes than onnx.checker saw: re-run node scripts/write_onnx_samples.js and scripts/gen_onnx_fixtures.py').toBe(rec.sha256);
      if (!s.big) expect(sha(readFileSync(join(FIX, `myelin_${name}.onnx`)))).toBe(rec.sha256);
      const want = eager(s.model, s.input);
      const got = await runOrt(bytes, s.input);
      expect(got.dims).toEqual([...s.model.forward(s.input).shape]);
      const scale = Math.max(...Array.from(want, Math.abs));
      expect(scale).toBeGreaterThan(1e-3);   // the comparison is not of near-zeros
      expect(maxDiff(got.data, want)).toBeLessThan(1e-4 * Math.max(1, scale));
      // onnx.load of the same bytes runs in myelin and gives the eager outputs
      const m = onnx.load(bytes);
      const y = m.run(s.input)[m.outputNames[0]];
      expect(maxDiff(f32(y), want)).toBeLessThan(1e-5 * Math.max(1, scale));
      m.dispose();
    });
  }

  it('a dynamic batch axis: exported at batch 1, run at batch 3 (ResNet-18 and EfficientNet-B0, onnxruntime and onnx.load)', async () => {
    for (const name of ['resnet18', 'efficientnet_b0']) {
      const s = sample(name);
      const bytes = onnx.exportBytes(s.model, s.input, s.options);
      expect(onnx.load(bytes).inputInfo[0].shape).toEqual(['batch', 3, 64, 64]);
      my.manualSeed(3);
      const x3 = my.randn(3, 3, 64, 64);
      const want = eager(s.model, x3);
      const got = await runOrt(bytes, x3);
      expect(got.dims).toEqual([3, 1000]);
      expect(maxDiff(got.data, want)).toBeLessThan(1e-4);
      expect(maxDiff(f32(onnx.load(bytes).run(x3)[onnx.load(bytes).outputNames[0]]), want)).toBeLessThan(1e-5);
    }
  });

  it('the MLP sample: named inputs/outputs, dynamic batch in the declared shapes, opset and initializer names', () => {
    const s = sample('mlp');
    const m = decodeModel('test', 'mlp', onnx.exportBytes(s.model, s.input, s.options));
    expect(int64(m.opsetImport![0].version)).toBe(17);
    expect(m.graph!.input![0].name).toBe('x');
    expect(m.graph!.input![0].type!.tensorType!.shape!.dim![0].dimParam).toBe('batch');
    expect(m.graph!.output![0].name).toBe('logp');
    expect(m.graph!.initializer!.map((t) => t.name)).toContain('1.weight');
    const ops = new Set(m.graph!.node!.map((n) => n.opType));
    expect(ops.has('Flatten') && ops.has('MatMul') && ops.has('Erf') && ops.has('LogSoftmax')).toBe(true);
    expect(ops.has('Dropout')).toBe(false);   // eval mode: dropout is not in the trace
    expect(s.model.training).toBe(false);
    // a module in training mode is exported in eval mode and left in training mode
    s.model.train();
    expect(() => onnx.exportBytes(s.model, s.input)).not.toThrow();
    expect(s.model.training).toBe(true);
    s.model.eval();
  });

  it('opsetVersion 18 writes reduction axes as inputs (cnn_ops) and inspectOnnx lists the file', async () => {
    const m = decodeModel('test', 'cnn', readFileSync(join(FIX, 'myelin_cnn_ops.onnx')));
    expect(int64(m.opsetImport![0].version)).toBe(18);
    // ReduceMean takes axes as an attribute at 17 and as an input from 18; both run in onnxruntime
    const f = (x: my.Tensor) => x.mean(1).add(x.amax(0, { keepdim: true }).sum());
    const x = my.randn(3, 4);
    for (const opsetVersion of [17, 18]) {
      const b = onnx.exportBytes(f, x, { opsetVersion });
      const rm = decodeModel('test', 'f', b).graph!.node!.find((n) => n.opType === 'ReduceMean')!;
      expect(rm.input!.length).toBe(opsetVersion === 17 ? 1 : 2);
      expect(maxDiff((await runOrt(b, x)).data, f32(f(x)))).toBeLessThan(1e-5);
    }
    const lines = onnx.inspectOnnx(join(FIX, 'myelin_mlp.onnx'));
    expect(lines[0]).toMatch(/^opset 17, \d+ nodes$/);
    expect(lines).toContain('input x float32 [batch, 1, 4, 4]');
    expect(lines).toContain('output logp float32 [batch, 4]');
    expect(lines).toContain('initializer 1.weight float32 [12, 16]');
  });
});

describe('onnx.load runs torch.onnx.export files with torch\'s outputs', () => {
  const J = JSON.parse(readFileSync(join(FIX, 'torch_cases.json'), 'utf8')) as { models: Record<string, { file: string; cases: { x: { shape: number[]; data: number[] }; y: { shape: number[]; data: number[] } }[] }> };
  for (const [name, m] of Object.entries(J.models)) {
    it(`${name} at batch 2 and 3 (dynamic axis)`, () => {
      const model = onnx.load(join(FIX, m.file));
      expect(model.inputNames).toEqual(['x']);
      for (const c of m.cases) {
        const y = model.run({ x: my.tensor(Float32Array.from(c.x.data), { shape: c.x.shape }) }).y;
        expect([...y.shape]).toEqual(c.y.shape);
        expect(maxDiff(f32(y), c.y.data)).toBeLessThan(1e-4);
      }
    });
  }
});

/** A model with one node whose graph we edit to make bad files. */
function tinyModel(): ModelProto {
  return decodeModel('test', 'mlp', readFileSync(join(FIX, 'myelin_mlp.onnx')));
}

describe('bad input is a named Error', () => {
  it('an op without a mapping lists every unmapped op of the graph', () => {
    const f = (x: my.Tensor) => x.sort({ dim: 1 }).values.add(x.oneHot !== undefined ? x.var(1, { keepdim: true }) : x);
    expect(() => onnx.exportBytes(f, my.randn(2, 3))).toThrow(/^onnx\.exportModel: no ONNX mapping for op 'sort' \(ops without one: sort, var\)$/);
  });
  it('bad arguments to exportModel', () => {
    const m = new nn.Linear(2, 2);
    expect(() => onnx.exportBytes(m, my.randn(1, 2), { opsetVersion: 13 })).toThrow(/exportModel: opsetVersion must be an integer from 17/);
    expect(() => onnx.exportBytes(m, [1, 2] as unknown as my.Tensor)).toThrow(/exportModel: exampleInputs\[0\] must be a Tensor/);
    expect(() => onnx.exportBytes(42 as unknown as nn.Module, my.randn(1, 2))).toThrow(/exportModel: moduleOrGraph must be/);
    expect(() => onnx.exportBytes(m, my.randn(1, 2), { dynamicAxes: { nope: { 0: 'b' } } })).toThrow(/dynamicAxes names 'nope'/);
    expect(() => onnx.exportBytes(my.jit.trace(m, my.randn(1, 2)), my.randn(1, 2), { dynamicAxes: { input_0: { 0: 'b' } } })).toThrow(/dynamicAxes needs the Module/);
    expect(() => onnx.exportModel(m, my.randn(1, 2), '')).toThrow(/exportModel: path must be/);
    // batch-dependent control flow cannot have a dynamic batch
    const sliceBatch = (x: my.Tensor) => x.narrow(0, 0, 1).mul(2);
    expect(() => onnx.exportBytes(sliceBatch, my.randn(2, 3), { dynamicAxes: { input_0: { 0: 'b' } } })).toThrow(/onnx\.exportModel: op 'narrow' \(step 0\) cannot be exported: slices the dynamic axis/);
  });
  it('an unknown op type on import names it (and every other unknown one)', () => {
    const m = tinyModel();
    m.graph!.node![0].opType = 'FancyOp';
    m.graph!.node![1].opType = 'OtherOp';
    expect(() => onnx.load(encodeModel(m))).toThrow(/onnx\.load: <bytes>: unsupported op type 'FancyOp' \(unsupported here: FancyOp, OtherOp\)/);
    const d = tinyModel();
    d.graph!.node![0].domain = 'com.example';
    expect(() => onnx.load(encodeModel(d))).toThrow(/unsupported op type 'com\.example\.Flatten'/);
  });
  it('a cyclic graph, an undefined value, a value defined twice', () => {
    const m = tinyModel(), nodes = m.graph!.node!;
    nodes[0].input = [nodes[2].output![0]];   // Flatten reads a later node's output: a cycle
    expect(() => onnx.load(encodeModel(m))).toThrow(/onnx\.load: <bytes>: the graph has a cycle \(nodes that wait on each other: node 'Flatten_0'/);
    const u = tinyModel();
    u.graph!.node![1].input![0] = 'nowhere';
    expect(() => onnx.load(encodeModel(u))).toThrow(/reads 'nowhere', which no initializer, graph input or node defines/);
    const t = tinyModel();
    t.graph!.node![1].output = t.graph!.node![0].output;
    expect(() => onnx.load(encodeModel(t))).toThrow(/value '.*' is defined twice/);
  });
  it('bad initializers: data length against dims, unknown dtype, external data, negative dims', () => {
    const cases: [(m: ModelProto) => void, RegExp][] = [
      [(m) => { m.graph!.initializer![0].dims = [99, 99]; }, /initializer '1\.weight' has dims \[99, 99\] \(9801 float32 elements, 39204 bytes\) but 768 bytes of raw_data/],
      [(m) => { m.graph!.initializer![0].dataType = 8; }, /initializer '1\.weight' has ONNX data type 8 \(STRING\), which myelin does not hold/],
      [(m) => { m.graph!.initializer![0].dataType = 77; }, /ONNX data type 77 \(unknown\)/],
      [(m) => { m.graph!.initializer![0].dataLocation = 1; }, /keeps its data in an external file/],
      [(m) => { m.graph!.initializer![0].dims = [-1, 16]; }, /dim -1 is not a non-negative integer/],
      [(m) => { m.graph!.input![0].type!.tensorType!.elemType = 14; }, /graph input 'x' has ONNX data type 14 \(COMPLEX64\)/],
      [(m) => { m.opsetImport = [{ domain: 'com.x', version: 1 }]; }, /imports no ai\.onnx opset/],
      [(m) => { delete m.graph; }, /the model has no graph/],
    ];
    for (const [edit, re] of cases) {
      const m = tinyModel();
      edit(m);
      expect(() => onnx.load(encodeModel(m))).toThrow(re);
    }
  });
  it('truncated, empty and garbage files; missing files; bad run inputs', () => {
    const good = readFileSync(join(FIX, 'myelin_mlp.onnx'));
    expect(() => onnx.load(good.subarray(0, good.length - 100))).toThrow(/onnx\.load: <bytes>: not a valid ONNX protobuf|onnx\.load: <bytes>: /);
    expect(() => onnx.load(new Uint8Array(0))).toThrow(/onnx\.load: <bytes>: the file is empty/);
    expect(() => onnx.load(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(/onnx\.load: <bytes>: not a valid ONNX protobuf/);
    expect(() => onnx.load('/nonexistent/m.onnx')).toThrow(/onnx\.load: cannot read \/nonexistent\/m\.onnx/);
    expect(() => onnx.load(3 as unknown as string)).toThrow(/onnx\.load: expected a path or a Uint8Array, got 3/);
    expect(() => onnx.inspectOnnx('/nonexistent/m.onnx')).toThrow(/inspectOnnx: cannot read/);
    const m = onnx.load(good);
    expect(() => m.run(my.randn(2, 1, 4, 5))).toThrow(/onnx model\.run: input 'x' must have shape \[batch, 1, 4, 4\], got \[2, 1, 4, 5\]/);
    expect(() => m.run(my.randn(2, 1, 4, 4).to('float64'))).toThrow(/input 'x' must be float32, got float64/);
    expect(() => m.run({ y: my.randn(1) })).toThrow(/missing input 'x'/);
    expect(() => m.run([])).toThrow(/takes 1 inputs \(x\), got 0/);
    m.dispose();
    expect(() => m.run(my.randn(2, 1, 4, 4))).toThrow(/the model was disposed/);
  });

  it('fuzz: 10,000 mutated exports each load or throw an Error (the MLP runs when it loads)', () => {
    const good = new Uint8Array(readFileSync(join(FIX, 'myelin_mlp.onnx')));
    const x = my.randn(2, 1, 4, 4);
    const t0 = Date.now();
    let loaded = 0, threw = 0;
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.option(fc.nat(good.length), { nil: undefined }),
      (edits, cut) => {
        const b = good.slice(0, cut ?? good.length);
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        let m: onnx.OnnxModel;
        try { m = onnx.load(b); } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toMatch(/^onnx\.load: /);
          threw++;
          return;
        }
        loaded++;
        try { my.tidy(() => { m.run(x); }); } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toMatch(/^onnx model\.run: /);
        } finally { m.dispose(); }
      }), { numRuns: 10_000, seed: 16 });
    expect(loaded + threw).toBe(10_000);
    expect(threw).toBeGreaterThan(100);
    expect(Date.now() - t0).toBeLessThan(120_000);
  }, 180_000);
});

describe('myelin export-onnx', () => {
  it('exports a recipe with its trained weights; the file runs in onnxruntime with the module\'s outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'myelin-onnx-'));
    try {
      my.manualSeed(5);
      const { mnistMlp } = await import('../ts/train/recipes');
      const model = mnistMlp();
      model.save(join(dir, 'w.safetensors'));
      const lines: string[] = [];
      const code = await main(['node', 'myelin', 'export-onnx', 'mnist-mlp', '--model', join(dir, 'w.safetensors'), '--out', join(dir, 'm.onnx')], (s) => lines.push(s));
      expect(code).toBe(0);
      expect(lines[0]).toMatch(/^wrote .*m\.onnx \(mnist-mlp, input \[batch, 1, 28, 28\]\)$/);
      const x = my.randn(3, 1, 28, 28);
      const got = await runOrt(readFileSync(join(dir, 'm.onnx')), x);
      expect(maxDiff(got.data, eager(model.eval(), x))).toBeLessThan(1e-4);
      const bad: string[] = [];
      expect(await main(['node', 'myelin', 'export-onnx', 'nope', '--model', join(dir, 'w.safetensors'), '--out', join(dir, 'n.onnx')], (s) => bad.push(s))).toBe(1);
      expect(bad[0]).toMatch(/export-onnx: unknown recipe 'nope'/);
      expect(await main(['node', 'myelin', 'export-onnx', 'mnist-cnn', '--model', join(dir, 'w.safetensors'), '--out', join(dir, 'n.onnx')], (s) => bad.push(s))).toBe(1);
      expect(bad[1]).toMatch(/does not hold mnist-cnn's weights/);
      expect(existsSync(join(dir, 'n.onnx'))).toBe(false);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
