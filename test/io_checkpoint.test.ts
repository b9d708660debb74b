// Checkpoints: round trips (optimizer state by name, scheduler, generator, extra), a crash
// test (a saving child SIGKILLed at random moments, 60 times: the path always holds a whole
// checkpoint that was written), and every bad argument or malformed file as a named Error.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import * as m from '../ts/index';
import { nn, optim, data, io } from '../ts/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-ck-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dist = path.join(__dirname, '..', 'dist', 'index.js');
const at = (f: string) => path.join(tmp, f);

/** A small model, its Adam after `steps` steps, and its ExponentialLR. */
function setup(steps = 2, seed = 0) {
  m.manualSeed(seed);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new optim.ExponentialLR(optimizer, { gamma: 0.5 });
  const x = m.randn(5, 4), y = m.tensor([0, 1, 2, 0, 1], { dtype: 'int64' });
  for (let i = 0; i < steps; i++) m.tidy(() => {
    optimizer.zeroGrad();
    nn.functional.crossEntropy(model.forward(x) as m.Tensor, y).backward();
    optimizer.step();
    scheduler.step();
  });
  return { model, optimizer, scheduler };
}
const values = (t: m.Tensor) => Array.from(t.data() as Float32Array);

describe('io.saveCheckpoint / loadCheckpoint / resume: round trips', () => {
  it('model, optimizer (by name), scheduler, epoch, step, extra (NaN, Infinity, BigInt) and the generator', () => {
    const a = setup(3);
    io.saveCheckpoint(at('rt.safetensors'), { ...a, epoch: 3, step: 30, extra: { best: Infinity, nan: NaN, big: 2n ** 70n, tag: 'x' } });
    const after = values(m.randn(4));  // drawn from the state the checkpoint captured
    const b = setup(0, 99);
    const r = io.resume(at('rt.safetensors'), b);
    expect(r).toEqual({ epoch: 3, step: 30, extra: { best: Infinity, nan: NaN, big: 2n ** 70n, tag: 'x' } });
    expect(values(m.randn(4))).toEqual(after);
    for (const [k, v] of a.model.stateDict()) expect(values(b.model.stateDict().get(k)!)).toEqual(values(v));
    expect(b.optimizer.paramGroups[0].lr).toBe(a.optimizer.paramGroups[0].lr);
    expect(b.scheduler.lastEpoch).toBe(3);
    const pa = a.model.parameters(), pb = b.model.parameters();
    pa.forEach((p, i) => {
      const sa = a.optimizer.state.get(p)!, sb = b.optimizer.state.get(pb[i])!;
      expect(sb.step).toBe(3);
      expect(values(sb.expAvg as m.Tensor)).toEqual(values(sa.expAvg as m.Tensor));
      expect(values(sb.expAvgSq as m.Tensor)).toEqual(values(sa.expAvgSq as m.Tensor));
    });
  });

  it('optimizer state follows the parameter NAME when the optimizer lists the parameters in another order', () => {
    const a = setup(2);
    io.saveCheckpoint(at('order.safetensors'), { model: a.model, optimizer: a.optimizer });
    m.manualSeed(5);
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
    const optimizer = new optim.Adam([...model.parameters()].reverse(), { lr: 0.01 });
    io.resume(at('order.safetensors'), { model, optimizer });
    const names = model.namedParameters();
    for (const [n, p] of a.model.namedParameters()) {
      const q = names.find(([k]) => k === n)![1];
      expect(values(optimizer.state.get(q)!.expAvg as m.Tensor), n).toEqual(values(a.optimizer.state.get(p)!.expAvg as m.Tensor));
    }
  });

  it('loadCheckpoint gives the parts for PyTorch-style loading; a model-only checkpoint; no tensors leak from resume', () => {
    const a = setup(1);
    io.saveCheckpoint(at('parts.safetensors'), { model: a.model, optimizer: a.optimizer, rng: false });
    const ck = io.loadCheckpoint(at('parts.safetensors'));
    expect([...ck.modelState.keys()].sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(ck.optimizerState!.paramNames).toEqual([['0.weight', '0.bias', '2.weight', '2.bias']]);
    expect(ck.rng).toBeNull();
    expect(ck.epoch).toBeNull();
    const b = setup(0, 3);
    b.model.loadStateDict(ck.modelState);
    b.optimizer.loadStateDict(ck.optimizerState!);
    expect(b.optimizer.state.get(b.model.parameters()[0])!.step).toBe(1);
    for (const t of ck.modelState.values()) t.dispose();
    io.saveCheckpoint(at('model_only.safetensors'), { model: a.model });
    const before = m.memory().numTensors;
    io.resume(at('model_only.safetensors'), { model: b.model });
    expect(m.memory().numTensors).toBe(before);
  });

  it('Generator and DataLoader state: the next permutation repeats', () => {
    const g = new data.Generator(42);
    g.next();
    const s = g.stateDict();
    const p = g.permutation(10);
    g.loadStateDict(s);
    expect(g.permutation(10)).toEqual(p);
    const ds = new data.TensorDataset(m.arange(10));
    const l1 = new data.DataLoader(ds, { batchSize: 10, shuffle: true, seed: 1 });
    [...l1];
    const st = l1.stateDict();
    const next = values([...l1][0][0].float());
    const l2 = new data.DataLoader(ds, { batchSize: 10, shuffle: true, seed: 2 });
    l2.loadStateDict(st);
    expect(values([...l2][0][0].float())).toEqual(next);
  });
});

// The crash test's child: saves checkpoints in a loop; checkpoint k holds weight values
// sin(7.13 k + i) (float32), step k, and the weight's SHA-256 in extra. Prints "saved k" after each.
const crashChild = `
const m = require(${JSON.stringify(dist)});
const crypto = require('node:crypto');
const [file, base] = [process.argv[1], Number(process.argv[2])];
const model = new m.nn.Linear(512, 512);
for (let k = base; ; k++) {
  const w = Float32Array.from({ length: 512 * 512 }, (_, i) => Math.sin(7.13 * k + i));
  m.noGrad(() => { const t = m.tensor(w, { shape: [512, 512] }); model.weight.copy_(t); t.dispose(); });
  const sha = crypto.createHash('sha256').update(Buffer.from(w.buffer)).digest('hex');
  m.io.saveCheckpoint(file, { model, step: k, extra: { sha } });
  process.stdout.write('saved ' + k + '\\n');
}
`;
/** Runs the child until it has saved at least once, kills it with SIGKILL after a random delay; returns the last step it reported. */
function killedRun(file: string, base: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', crashChild, file, String(base)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', armed = false;
    c.stdout.on('data', (d) => {
      out += d;
      if (!armed && out.includes('saved')) { armed = true; setTimeout(() => c.kill('SIGKILL'), delayMs); }
    });
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended by ${signal}: ${err}`));
      const steps = [...out.matchAll(/saved (\d+)\n/g)].map((x) => Number(x[1]));
      resolve(steps[steps.length - 1]);
    });
  });
}

describe('io.saveCheckpoint: crash safety', () => {
  it('60 children SIGKILLed at random moments mid-loop: the checkpoint at the path always loads and is one that was written', async () => {
    const file = at('crash.safetensors');
    let rnd = 12345;
    const random = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const seen: number[] = [];
    for (let trial = 0; trial < 60; trial++) {
      const base = trial * 1_000_000;
      const last = await killedRun(file, base, Math.floor(random() * 250));
      const ck = io.loadCheckpoint(file);  // must not throw: never a torn file
      // the rename after the last reported save happened; at most one more save finished after the report
      expect(ck.step! - last, `trial ${trial}`).toBeGreaterThanOrEqual(0);
      expect(ck.step! - last, `trial ${trial}`).toBeLessThanOrEqual(1);
      const w = ck.modelState.get('weight')!.data() as Float32Array;
      const expected = Float32Array.from({ length: 512 * 512 }, (_, i) => Math.sin(7.13 * ck.step! + i));
      const sha = createHash('sha256').update(Buffer.from(w.buffer, w.byteOffset, w.byteLength)).digest('hex');
      expect(sha).toBe((ck.extra as { sha: string }).sha);
      expect(Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(expected.buffer))).toBe(true);
      for (const t of ck.modelState.values()) t.dispose();
      seen.push(ck.step! - base);
    }
    // leftover temporary files (a kill between write and rename) are other names: each either
    // is a whole checkpoint or fails as a named error, and none is the path itself
    const temps = fs.readdirSync(tmp).filter((f) => f.startsWith('crash.safetensors.'));
    let torn = 0;
    for (const f of temps) { try { io.loadCheckpoint(at(f)); } catch (e) { expect((e as Error).message).toMatch(/^loadCheckpoint: crash\.safetensors\.\S+: /); torn++; } }
    console.log(`crash test: 60 kills, saves per run ${Math.min(...seen)}-${Math.max(...seen)}, ${temps.length} leftover temp files (${torn} torn)`);
    expect(Math.max(...seen)).toBeGreaterThan(0);  // kills landed after several saves, not only at the first
  }, 120_000);
});

describe('checkpoint bad input: named errors', () => {
  const good = () => setup(1);
  const refuse = (f: () => unknown, re: RegExp) => expect(f).toThrow(re);

  it('saveCheckpoint refuses bad arguments before writing', () => {
    const { model, optimizer, scheduler } = good();
    const f = at('bad_save.safetensors');
    refuse(() => io.saveCheckpoint('' as string, { model }), /^saveCheckpoint: path must be a non-empty string, got ""/);
    refuse(() => io.saveCheckpoint(3 as unknown as string, { model }), /^saveCheckpoint: path must be a non-empty string, got 3/);
    refuse(() => io.saveCheckpoint(f, null as never), /^saveCheckpoint: expected \{ model, optimizer\?/);
    refuse(() => io.saveCheckpoint(f, { model: { forward() {} } as never }), /^saveCheckpoint: model must be an nn\.Module, got an object/);
    refuse(() => io.saveCheckpoint(f, { model, optimizer: {} as never }), /^saveCheckpoint: optimizer must be an optim\.Optimizer/);
    refuse(() => io.saveCheckpoint(f, { model, scheduler: { step() {} } as never }), /^saveCheckpoint: scheduler must have stateDict\(\) and loadStateDict\(\)/);
    refuse(() => io.saveCheckpoint(f, { model, epoch: -1 }), /^saveCheckpoint: epoch must be a non-negative integer, got -1/);
    refuse(() => io.saveCheckpoint(f, { model, step: 1.5 }), /^saveCheckpoint: step must be a non-negative integer, got 1.5/);
    refuse(() => io.saveCheckpoint(f, { model, rng: 'yes' as never }), /^saveCheckpoint: rng must be a boolean, got "yes"/);
    refuse(() => io.saveCheckpoint(f, { model, extra: { t: m.zeros(2) } }), /^saveCheckpoint: extra cannot be written as JSON: extra holds a tensor/);
    const cyclic: Record<string, unknown> = {}; cyclic.self = cyclic;
    refuse(() => io.saveCheckpoint(f, { model, extra: cyclic }), /^saveCheckpoint: extra cannot be written as JSON: .*circular/);
    const other = new optim.SGD([m.zeros(2).requiresGrad_()], { lr: 0.1 });
    refuse(() => io.saveCheckpoint(f, { model, optimizer: other }), /^saveCheckpoint: the optimizer's parameter 0 in group 0 is not a parameter of the model/);
    refuse(() => io.saveCheckpoint(at('no/such/dir/ck.safetensors'), { model, optimizer, scheduler }), /^saveCheckpoint: cannot write .*no\/such\/dir/);
    expect(fs.existsSync(f)).toBe(false);
  });

  /** A safetensors file with the given tensors and metadata (bypassing saveCheckpoint). */
  const raw = (name: string, tensors: Record<string, m.Tensor>, metadata?: Record<string, string>) => { io.saveSafetensors(tensors, at(name), metadata); return at(name); };
  const FMT = { format: 'myelin.checkpoint/1' };

  it('loadCheckpoint: bad paths and malformed checkpoints', () => {
    const { model, optimizer } = good();
    io.saveCheckpoint(at('ok.safetensors'), { model, optimizer, epoch: 1 });
    const bytes = fs.readFileSync(at('ok.safetensors'));
    fs.writeFileSync(at('torn.safetensors'), bytes.subarray(0, bytes.length - 10));
    fs.mkdirSync(at('adir.safetensors'), { recursive: true });
    const w = m.zeros(2);
    const cases: [string, RegExp][] = [
      [at('missing.safetensors'), /^loadCheckpoint: missing\.safetensors: cannot open .*no such file/],
      [at('adir.safetensors'), /^loadCheckpoint: adir\.safetensors: .*directory/],
      [at('torn.safetensors'), /^loadCheckpoint: torn\.safetensors: the tensors need \d+ data bytes, the file has \d+ \(truncated\)/],
      [raw('plain.safetensors', { w }), /^loadCheckpoint: plain\.safetensors: no "format" in the metadata: a safetensors file, but not a myelin checkpoint/],
      [raw('v9.safetensors', { 'model.w': w }, { format: 'myelin.checkpoint/9' }), /^loadCheckpoint: v9\.safetensors: metadata format "myelin.checkpoint\/9" is not "myelin.checkpoint\/1"/],
      [raw('nojson.safetensors', { 'model.w': w }, { ...FMT, optimizer: '{"paramGroups": [' }), /^loadCheckpoint: nojson\.safetensors: metadata "optimizer" is not valid JSON/],
      [raw('extra.safetensors', { 'model.w': w }, { ...FMT, extra: 'not json' }), /^loadCheckpoint: extra\.safetensors: metadata "extra" is not valid JSON/],
      [raw('epoch.safetensors', { 'model.w': w }, { ...FMT, epoch: '-2' }), /^loadCheckpoint: epoch\.safetensors: metadata "epoch" must be a non-negative integer, got "-2"/],
      [raw('rng.safetensors', { 'model.w': w }, { ...FMT, rng: '{"seed": 1, "offset": "x"}' }), /^loadCheckpoint: rng\.safetensors: metadata "rng" must be \{ seed, offset \}/],
      [raw('stray.safetensors', { 'model.w': w, 'other.w': w }, FMT), /^loadCheckpoint: stray\.safetensors: tensor "other.w" is neither a model tensor/],
      [raw('optshape.safetensors', { 'model.w': w }, { ...FMT, optimizer: '{"paramGroups": {}, "state": {}}' }), /^loadCheckpoint: optshape\.safetensors: metadata "optimizer" must be \{ paramGroups: \[\.\.\.\], state: \{\.\.\.\} \}/],
      [raw('optidx.safetensors', { 'model.w': w }, { ...FMT, optimizer: '{"paramGroups": [{"params": [1], "paramNames": ["w"]}], "state": {}}' }), /^loadCheckpoint: optidx\.safetensors: optimizer param group 0: params\[0\] must be 0, got 1/],
      [raw('optnames.safetensors', { 'model.w': w }, { ...FMT, optimizer: '{"paramGroups": [{"params": [0], "paramNames": []}], "state": {}}' }), /^loadCheckpoint: optnames\.safetensors: optimizer param group 0 has 1 params but 0 paramNames/],
      [raw('optmiss.safetensors', { 'model.w': w }, { ...FMT, optimizer: '{"paramGroups": [{"params": [0], "paramNames": ["w"]}], "state": {"0": {"expAvg": {"tensor": "optimizer.state.w.expAvg"}}}}' }),
        /^loadCheckpoint: optmiss\.safetensors: optimizer state "expAvg" of parameter 0 names tensor "optimizer.state.w.expAvg", which the file does not have/],
      [raw('optrange.safetensors', { 'model.w': w }, { ...FMT, optimizer: '{"paramGroups": [{"params": [0], "paramNames": ["w"]}], "state": {"3": {"step": 1}}}' }),
        /^loadCheckpoint: optrange\.safetensors: optimizer state for parameter "3", but the param groups hold parameters 0 to 0/],
    ];
    for (const [f, re] of cases) refuse(() => io.loadCheckpoint(f), re);
    refuse(() => io.loadCheckpoint(undefined as never), /^loadCheckpoint: path must be a non-empty string, got undefined/);
  });

  it('fuzz: 600 checkpoints with one metadata entry replaced by arbitrary JSON (or text) load or fail as named errors, and resume never half-loads', () => {
    const { model, optimizer, scheduler } = good();
    io.saveCheckpoint(at('fz.safetensors'), { model, optimizer, scheduler, epoch: 1, step: 2, extra: [1] });
    const { tensors, metadata } = io.readSafetensors(at('fz.safetensors'));
    const keys = Object.keys(metadata);
    let loaded = 0, refused = 0, resumeRefused = 0;
    fc.assert(fc.property(fc.constantFrom(...keys), fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string()), (key, text) => {
      const file = raw('fz_case.safetensors', tensors, { ...metadata, [key]: text });
      try { const ck = io.loadCheckpoint(file); for (const t of ck.modelState.values()) t.dispose(); loaded++; } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/^loadCheckpoint: fz_case\.safetensors: /);
        refused++;
        return;
      }
      const b = setup(0, 4);
      const before = values(b.model.parameters()[0]);
      try { io.resume(file, b); } catch (e) {
        // a refusal names the function (resume, or the part's own loadStateDict inside it)
        expect((e as Error).message).toMatch(/^resume: fz_case\.safetensors: /);
        resumeRefused++;
        expect(values(b.model.parameters()[0])).toEqual(before);
        expect(b.scheduler.lastEpoch).toBe(0);
        expect(b.optimizer.state.size).toBe(0);
        expect(b.optimizer.paramGroups[0].lr).toBe(0.01);
      }
    }), { numRuns: 600, seed: 16 });
    expect(refused).toBeGreaterThan(300);
    expect(loaded).toBeGreaterThan(10);
    expect(resumeRefused).toBeGreaterThan(5);  // files that load but a part refuses: the rollback was exercised
  });

  it('resume: a non-Module model, wrong weights, optimizer state for other parameters, missing parts', () => {
    const { model, optimizer, scheduler } = good();
    io.saveCheckpoint(at('src.safetensors'), { model, optimizer });
    const f = at('src.safetensors');
    refuse(() => io.resume(f, { model: {} as never }), /^resume: model must be an nn\.Module, got an object/);
    refuse(() => io.resume(f, { model: new nn.Linear(4, 3) }), /^resume: src\.safetensors: the checkpoint's model weights do not fit this Linear: missing "weight"; missing "bias"; unexpected "0.bias"; unexpected "0.weight"; and 2 more$/);
    // the same architecture under other names: neither the weights nor the optimizer state fit
    class Named extends nn.Module { fc = new nn.Linear(4, 8); out = new nn.Linear(8, 3); forward(x: m.Tensor) { return this.out.forward(this.fc.forward(x).tanh()); } }
    const named = new Named();
    refuse(() => io.resume(f, { model: named, optimizer: new optim.Adam(named.parameters()) }), /^resume: src\.safetensors: the checkpoint's model weights do not fit this Named: missing "fc.weight"/);
    // optimizer state for other parameters: saved for the first layer, asked for the last
    const c = setup(1, 2);
    const first = new optim.Adam(c.model.parameters().slice(0, 2));
    io.saveCheckpoint(at('first.safetensors'), { model: c.model, optimizer: first });
    refuse(() => io.resume(at('first.safetensors'), { model: c.model, optimizer: new optim.Adam(c.model.parameters().slice(2)) }),
      /^resume: first\.safetensors: optimizer parameter "2.weight" \(group 0\) has no state in the checkpoint, whose group 0 holds "0.weight", "0.bias"$/);
    const b = setup(0, 1);
    refuse(() => io.resume(f, { model: b.model, optimizer: new optim.Adam(b.model.parameters().slice(2)) }), /^resume: src\.safetensors: optimizer group 0 has 2 parameters, the checkpoint's 4/);
    refuse(() => io.resume(f, { ...b, scheduler }), /^resume: src\.safetensors: a scheduler was given, but the checkpoint has no scheduler state/);
    const loader = new data.DataLoader(new data.TensorDataset(m.zeros(4)), { shuffle: true, seed: 0 });
    refuse(() => io.resume(f, { model: b.model, dataLoader: loader }), /^resume: src\.safetensors: a dataLoader was given, but the checkpoint has no data loader state/);
    io.saveCheckpoint(at('model_only.safetensors'), { model });
    refuse(() => io.resume(at('model_only.safetensors'), b), /^resume: model_only\.safetensors: an optimizer was given, but the checkpoint has no optimizer state/);
    // a refused resume changed nothing: b's weights are still its own
    expect(values(b.model.parameters()[0])).not.toEqual(values(model.parameters()[0]));
    // optimizer state tensors of another shape under the right names
    const ck = io.loadCheckpoint(f);
    const tensors: Record<string, m.Tensor> = {};
    for (const [k, v] of ck.modelState) tensors[`model.${k}`] = v;
    tensors['optimizer.state.0.weight.expAvg'] = m.zeros(3, 3);
    const md = io.readSafetensors(f).metadata;
    const opt = JSON.parse(md.optimizer);
    opt.state = { 0: { step: 1, expAvg: { tensor: 'optimizer.state.0.weight.expAvg' } } };
    raw('shape.safetensors', tensors, { ...md, optimizer: JSON.stringify(opt) });
    refuse(() => io.resume(at('shape.safetensors'), b), /^resume: shape\.safetensors: optimizer state "expAvg" of "0.weight" has shape \[3, 3\], the parameter \[8, 4\]/);
    refuse(() => io.resume(at('gone.safetensors'), b), /^loadCheckpoint: gone\.safetensors: cannot open/);
  });

  it('fit refuses an initialEpoch outside 0..epochs, and trains only the epochs after it', () => {
    const { model, optimizer } = good();
    const batches = [[m.randn(5, 4), m.tensor([0, 1, 2, 0, 1], { dtype: 'int64' })]] as [m.Tensor, m.Tensor][];
    const o = { optimizer, lossFn: (out: m.Tensor, y: m.Tensor) => nn.functional.crossEntropy(out, y), progress: { start() {}, update() {}, stop() {} } };
    refuse(() => m.train.fit(model, batches, { ...o, epochs: 4, initialEpoch: 5 }), /^fit: initialEpoch must be an integer from 0 to epochs \(4\), got 5/);
    refuse(() => m.train.fit(model, batches, { ...o, epochs: 4, initialEpoch: -1 }), /^fit: initialEpoch must be an integer from 0 to epochs \(4\), got -1/);
    refuse(() => m.train.fit(model, batches, { ...o, epochs: 4, initialEpoch: 1.5 }), /^fit: initialEpoch must be an integer from 0 to epochs \(4\), got 1.5/);
    expect(m.train.fit(model, batches, { ...o, epochs: 4, initialEpoch: 2 }).map((l) => l.epoch)).toEqual([3, 4]);
    expect(m.train.fit(model, batches, { ...o, epochs: 4, initialEpoch: 4 })).toEqual([]);
  });

  it('Generator.loadStateDict and DataLoader.loadStateDict refuse bad states', () => {
    const g = new data.Generator(1);
    refuse(() => g.loadStateDict(null as never), /^Generator\.loadStateDict: expected \{ state: an integer in \[0, 2\^32\) \} from stateDict\(\), got null/);
    refuse(() => g.loadStateDict({ state: -1 }), /^Generator\.loadStateDict: .*got -1/);
    refuse(() => g.loadStateDict({ state: 2 ** 32 }), /^Generator\.loadStateDict: .*got 4294967296/);
    const ds = new data.TensorDataset(m.zeros(4));
    const plain = new data.DataLoader(ds), shuffled = new data.DataLoader(ds, { shuffle: true, seed: 0 });
    refuse(() => plain.loadStateDict(shuffled.stateDict()), /^DataLoader\.loadStateDict: the state is of a loader with shuffle, this loader does not shuffle/);
    refuse(() => shuffled.loadStateDict({} as never), /^DataLoader\.loadStateDict: expected \{ generator \} from stateDict\(\), got an object/);
    refuse(() => shuffled.loadStateDict({ generator: { state: 'x' } } as never), /^Generator\.loadStateDict: .*got "x"/);
  });
});
