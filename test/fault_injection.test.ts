// Fault injection (issue 14, "guard it for good"): bad input to every public function, each
// case in a child process that must stay healthy, plus the issue's crash reproducers.
//
// The cases come from two tables (test/fault/table.ts: functions and their argument kinds;
// test/fault/bad_values.ts: the bad values of each kind). CI runs every function's good-argument
// case and a seeded sample of the rest (FAULT_SAMPLE=<n>|all, FAULT_SEED=<n> to change it);
// `node scripts/fault_sweep.js` runs all of them and prints one reproducer line per failure.
import { describe, it, expect, beforeAll } from 'vitest';
import { allCases, sample, describe as caseLine } from './fault/cases';
import { runCases, failures, sickChildren, summary, type Run } from './fault/run';
import { ROWS } from './fault/table';
import { node, caughtErrors, terminateWorkers, wrappingStride, poolEmptyWindow } from './fault/repro';
import * as m from '../ts/index';

const SEED = Number(process.env.FAULT_SEED ?? 20261206);
const SAMPLE = process.env.FAULT_SAMPLE === 'all' ? Infinity : Number(process.env.FAULT_SAMPLE ?? 4000);
const FATAL = new Set(['crash', 'hang', 'unhealthy']);

/** What a failure list looks like in an assertion message: counts by outcome, then the first lines. */
const report = (lines: string[], max = 80) =>
  `${lines.length} failing case(s)\n${lines.slice(0, max).join('\n')}${lines.length > max ? `\n... and ${lines.length - max} more (node scripts/fault_sweep.js)` : ''}`;

describe('fault injection: bad input to every public function', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runCases(sample(SAMPLE, SEED), { procs: 3 });
  }, 170_000);

  it('the table reaches every public function of the top level, Tensor, nn, optim, data, train, autograd and text', () => {
    const ids = new Set(ROWS.map((r) => r.id.replace(/\(.*\)$/, '')));
    const covered = (name: string) => [...ids].some((id) => id === name || id.startsWith(`${name}.`));
    // not under fault injection, with the reason: no argument to get wrong, an abstract base, reached
    // through a covered row, or reading files and datasets outside the test's control
    const EXEMPT = new Set([
      'getNumThreads', 'backendInfo', 'memory', 'noGrad', 'enableGrad', 'setGradEnabled', 'isGradEnabled', 'OPS', 'DTYPES',
      'emptyLike', 'onesLike', 'randnLike', // zerosLike's and randLike's code path
      'adamStep_', 'sgdStep_', 'rmspropStep_', 'adagradStep_', // reached through optim.*.step
      'batchNormStats', 'batchNormBackward', // reached through batchNorm and nn.BatchNorm1d
      'layerNormStats', 'layerNormBackward', // reached through nn.functional.layerNorm and nn.LayerNorm; bad input in test/layer_norm.test.ts
      'groupNormStats', 'groupNormBackward', // reached through nn.functional.groupNorm and nn.GroupNorm; bad input: conv.json's group_norm error cases and test/group_norm.test.ts
      'siluBackward', // reached through Tensor.silu's backward; bad input: binary.json's cases (broadcast, dtypes)
      'dropoutPhilox', // reached through nn.functional.dropout and nn.Dropout; bad input in test/dropout_native.test.ts and creation.json's error cases
      'edgeSoftmax', 'edgeSoftmaxBackward', 'edgeWeightedSum', 'edgeDot', // reached through gnn.GATConv/GCNConv; bad input: index.json error cases and test/gnn_edge.test.ts
      'nn.Parameter', 'nn.ModuleList', 'nn.ModuleDict', // containers: their modules are the rows
      'optim.LRScheduler', 'optim.Optimizer', 'data.Dataset', // abstract bases
      'optim.SequentialLR', 'train.fitAsync', 'train.makeProgress', 'data.Generator', // through their covered siblings
      'data.defaultMnistRoot', 'data.loadMnist', 'data.loadBoston', // dataset files: test/data.test.ts, readIdx rows
      'autograd.noGrad', 'autograd.enableGrad', 'autograd.setGradEnabled', 'autograd.isGradEnabled',
      // async and external-memory entries: their bad input has its own tables (test/async_context.test.ts:
      // tidyAsync's and the default device's refusals; test/io.test.ts: fromBuffer's 13 bad buffers and options)
      'tidyAsync', 'defaultDevice', 'setDefaultDevice', 'fromBuffer',
      // the generator's state: getRngState takes nothing; setRngState's and withSeed's bad input is in test/rng_state.test.ts
      'getRngState', 'setRngState', 'withSeed',
      // corpora read @stdlib data packages (6,046 mails, 233 speeches): their counts, values and bad options
      // are in test/text_corpora.test.ts
      'text.loadSpamAssassin', 'text.loadSotu', 'text.loadMobyDick', 'text.mobyDickText', 'text.loadUsBirths',
      // model files: each bad file and argument class has its own table and a 10,000-case mutation fuzz
      // (test/io_safetensors.test.ts, test/io_torch.test.ts, test/io_torch_fuzz.test.ts); loadTorch and
      // inspectFile are async, which the child-process rows do not await
      'io.readSafetensors', 'io.loadSafetensors', 'io.saveSafetensors', 'io.serializeSafetensors', 'io.loadTorch', 'io.inspectFile',
      // exportModel is exportBytes (a row) plus an atomic file write, checked in test/onnx.test.ts
      'onnx.exportModel',
      // abstract bases of the recurrent layers and cells: RNN/LSTM/GRU and the three cells are the rows
      'nn.RNNBase', 'nn.RNNCellBase',
      // checkpoint files: their bad paths, arguments and malformed files are in test/io_checkpoint.test.ts
      'io.saveCheckpoint', 'io.loadCheckpoint', 'io.resume',
      // the denoising transform: its bad std, clamp and input are in test/gen_models.test.ts
      'data.addGaussianNoise',
      // summary runs a whole model: its bad shapes, non-modules and failing forward passes are in test/train_summary.test.ts
      'train.summary',
      // a whole diffusion training run: its bad variant and the models' bad input are in test/diffusion.test.ts
      'train.trainDdpmMnist',
    ]);
    const missing: string[] = [];
    const proto = m.Tensor.prototype as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(m))
      // top-level aliases of Tensor methods are one-line forwards (ts/functional.ts): the method is the row
      if (typeof v === 'function' && /^[a-z]/.test(k) && !covered(k) && !covered(`Tensor.${k}`) && typeof proto[k] !== 'function' && !EXEMPT.has(k)) missing.push(k);
    for (const ns of ['nn', 'optim', 'data', 'nn.init', 'nn.utils', 'train', 'autograd', 'text', 'io', 'onnx']) {
      const o = ns.split('.').reduce((a: Record<string, unknown>, k) => a[k] as Record<string, unknown>, m as unknown as Record<string, unknown>);
      for (const [k, v] of Object.entries(o)) if (typeof v === 'function' && !covered(`${ns}.${k}`) && !EXEMPT.has(`${ns}.${k}`)) missing.push(`${ns}.${k}`);
    }
    expect(missing).toEqual([]);
    expect(allCases().length).toBeGreaterThan(10_000);
  });

  it('no case kills its process, hangs, or leaves it computing wrongly', () => {
    const fatal = failures(run).filter((l) => FATAL.has(l.split(' ')[0]));
    expect(fatal, report(fatal)).toEqual([]);
    const sick = sickChildren(run).map((c) => `code ${c.code} signal ${c.signal}: ${c.stderr.slice(-300)}`);
    expect(sick).toEqual([]);
    expect(run.results.length).toBe(sample(SAMPLE, SEED).length);
  });

  it('every case throws an Error naming the function, or returns a sane result that no view changes', () => {
    const lines = failures(run);
    const s = summary(run);
    expect(lines, `${report(lines)}\noutcomes ${JSON.stringify(s.outcomes)}`).toEqual([]);
  });

  it('every function works on its good arguments (the table itself is right)', () => {
    const cases = allCases();
    const bad = run.results.filter((r) => !cases[r.n].bad && r.outcome !== 'ok').map((r) => `${caseLine(cases[r.n])}: ${r.detail}`);
    expect(bad).toEqual([]);
  });
});

describe('crash reproducers (issue 14, items 1-4)', () => {
  it('item 1: 50,000 rounds of four kinds of caught errors in a tight loop, then a correct matmul', () => {
    const r = node(caughtErrors(50_000), 150_000);
    expect(r.signal, r.stderr.slice(-500)).toBeNull();
    expect(r.status).toBe(0);
    expect(r.last).toEqual({ caught: [50_000, 50_000, 50_000, 50_000], sum: 64 * 64 * 64 });
  }, 160_000);

  it('item 2: worker.terminate() during addon calls, 12 rounds of two workers', () => {
    const r = node(terminateWorkers(12, false), 120_000);
    expect(r.stderr).not.toMatch(/terminate called|Napi::Error|FATAL/);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.last).toEqual({ terminated: 24 });
  }, 130_000);

  it('item 2: process.exit() while two workers are inside the addon, 5 times', () => {
    for (let i = 0; i < 5; i++) {
      const r = node(terminateWorkers(0, true), 60_000);
      expect(r.stderr).not.toMatch(/terminate called|Napi::Error|FATAL/);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
    }
  }, 200_000);

  it('item 3: asStrided refuses views whose extent wraps int64, so sum and fill_ never run on them', () => {
    const r = node(wrappingStride, 60_000);
    expect(r.signal, r.stderr.slice(-300)).toBeNull();
    expect(r.status).toBe(0);
    const out = r.last as Record<string, string>;
    for (const k of ['sum', 'fill', '2d']) expect(out[k]).toMatch(/^as_strided: /);
  }, 70_000);

  it('item 4: maxPool2d windows wholly in the padding give -inf (torch), never memory outside the input', () => {
    const r = node(poolEmptyWindow, 60_000);
    expect(r.signal, r.stderr.slice(-300)).toBeNull();
    expect(r.status).toBe(0);
    // [1, 1, 1, 1] with padding 1, dilation 2: rows -1 and 1, columns -1 and 1, all outside
    expect(r.last).toEqual({ small: [1, 1, 1, 1], smallNonInf: 0, wide: [1, 1, 1, 4096], wideNonInf: 0 });
  }, 70_000);
});

// The argument checks added to modules, data and autograd while building this suite (each was a
// failing fault case: V8's "x.relu is not a function", a silently skipped state-dict entry, ...).
describe('bad arguments to modules, data and autograd are named Errors', () => {
  it('nn modules check their inputs and sizes', () => {
    expect(() => new m.nn.ReLU().forward('x' as never)).toThrow(/^ReLU: input must be a Tensor, got "x"$/);
    expect(() => new m.nn.Linear(3, 4).forward(undefined as never)).toThrow(/^Linear: input must be a Tensor, got undefined$/);
    expect(() => new m.nn.Linear(NaN, 4)).toThrow(/^Linear: in_features must be an integer >= 0, got NaN$/);
    expect(() => new m.nn.Embedding(5, 4, { paddingIdx: 1.5 })).toThrow(/^Embedding: paddingIdx must be an integer, got 1.5$/);
    expect(() => new m.nn.Softmax(Symbol('d') as never)).toThrow(/^Softmax: dim must be an integer, got symbol$/);
    expect(() => new m.nn.BatchNorm2d(2, { eps: -1 })).toThrow(/^BatchNorm2d: eps must be a finite number >= 0, got -1$/);
    expect(() => new m.nn.GroupNorm(NaN, 4)).toThrow(/^GroupNorm: num_groups must be an integer >= 1, got NaN$/);
    expect(() => new m.nn.ZeroPad2d({} as never)).toThrow(/^ZeroPad2d: padding must be a number or \[left, right, top, bottom\]/);
    expect(() => new m.nn.MaxPool2d(2).forward(5 as never)).toThrow(/^MaxPool2d: input must be a Tensor, got 5$/);
    const x = m.ones([2, 3]);
    x.dispose();
    expect(() => new m.nn.Sigmoid().forward(x)).toThrow(/^Sigmoid: input is a disposed tensor$/);
  });
  it('loadStateDict refuses an entry that is no tensor, and counts an undefined one as missing', () => {
    const lin = new m.nn.Linear(3, 4);
    expect(() => lin.loadStateDict({ weight: '1' as never, bias: m.zeros([4]) })).toThrow(/^loadStateDict: state_dict\["weight"\] must be a Tensor/);
    expect(() => lin.loadStateDict({ weight: undefined as never, bias: m.zeros([4]) })).toThrow(/Missing key\(s\) in state_dict: "weight"/);
  });
  it('data and utils name the function', () => {
    const ds = new m.data.TensorDataset(m.ones([4, 2]));
    expect(() => new m.data.TensorDataset('x' as never)).toThrow(/^TensorDataset: argument 0 must be a Tensor, got string$/);
    expect(() => new m.data.DataLoader(ds, { shuffle: true, seed: NaN })).toThrow(/^DataLoader: seed must be a finite number, got NaN$/);
    expect(() => new m.data.DataLoader(ds, { batchSize: Symbol('b') as never })).toThrow(/^DataLoader: batchSize should be a positive integer, got symbol$/);
    expect(() => new m.data.Subset(ds, {} as never)).toThrow(/^Subset: indices must be an array of numbers, got object$/);
    expect(() => m.data.randomSplit(ds, '1' as never)).toThrow(/^randomSplit: lengths must be an array/);
    expect(() => m.data.normalize('x' as never, 0, 1)).toThrow(/^normalize: x must be a live Tensor, got string$/);
    const p = m.ones([3]).requiresGrad_();
    p.grad = m.ones([3]);
    expect(() => m.nn.utils.clipGradNorm_([p], NaN)).toThrow(/^clipGradNorm_: maxNorm must be a non-negative number, got NaN$/);
    expect(p.grad.toArray()).toEqual([1, 1, 1]);
  });
  it('nn.init, nn.utils, Standardizer, defaultCollate and Perceptron check what they are given', () => {
    expect(() => m.nn.init.kaimingUniform_('w' as never)).toThrow(/^calculateFanInAndFanOut: tensor must be a Tensor, got "w"$/);
    expect(() => m.nn.init.zeros_({} as never)).toThrow(/^constant_: tensor must be a Tensor, got an object$/);
    expect(() => m.nn.init.constant_(m.ones([2]), '1' as never)).toThrow(/^constant_: value must be a number, got string$/);
    expect(() => m.nn.init.xavierUniform_(m.ones([2, 2]), NaN)).toThrow(/^xavierUniform_: gain must be a finite number, got NaN$/);
    expect(m.nn.init.orthogonal_(m.zeros([0, 3])).shape).toEqual([0, 3]);   // empty: unchanged, as torch
    const p = m.ones([2]).requiresGrad_();
    p.grad = m.tensor([0.5, -2]);
    expect(() => m.nn.utils.clipGradValue_([p], -1)).toThrow(/^clipGradValue_: clipValue must be a non-negative number, got -1$/);
    expect(p.grad.toArray()).toEqual([0.5, -2]);
    expect(() => m.nn.utils.l1Penalty([p, 'q'] as never)).toThrow(/^l1Penalty: every parameter must be a live Tensor, got string$/);
    expect(() => new m.data.Standardizer().fit('x' as never)).toThrow(/^Standardizer.fit: x must be a live Tensor, got string$/);
    expect(() => m.data.defaultCollate([m.ones([2]), 5])).toThrow(/^defaultCollate: mixed element types/);
    expect(() => m.data.defaultCollate('ab' as never)).toThrow(/^defaultCollate: expected an array of items, got string$/);
    expect(() => new m.models.Perceptron(NaN)).toThrow(/^Perceptron: inFeatures must be an integer >= 0, got NaN$/);
    expect(() => new m.models.Perceptron(2).fit(m.ones([3, 2]), 'y' as never)).toThrow(/^Perceptron.fit: y must be a Tensor, got "y"$/);
  });
  it('autograd.grad checks outputs, inputs and gradOutputs', () => {
    const w = m.ones([2]).requiresGrad_();
    expect(() => m.autograd.grad('y' as never, w)).toThrow(/^grad: outputs\[0\] must be a Tensor, got string$/);
    expect(() => m.autograd.grad(w.sum(), [w, 3] as never)).toThrow(/^grad: inputs\[1\] must be a Tensor, got number$/);
    expect(() => m.autograd.grad(w.mul(2), w, { gradOutputs: [{}] as never })).toThrow(/^grad: gradOutputs\[0\] must be a Tensor, got object$/);
    expect(() => m.autograd.gradcheck((x) => x.sin(), [undefined] as never)).toThrow(/^gradcheck: input 0 must be a live Tensor, got undefined$/);
  });
});
