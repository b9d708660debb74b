// train.fit as Keras' fit: [x, y] tensors with validationSplit (the last rows), metrics and
// History, callbacks (hooks, EarlyStopping, ModelCheckpoint, LearningRateScheduler,
// ReduceLROnPlateau, CSVLogger, a user's), model.stopTraining, gradClipNorm and bad input.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { nn, optim, train, io, type Tensor } from '../ts/index';

const { callbacks, metrics } = train;
const F = nn.functional;
/** 3 classes learnable by a linear model: 120 rows of 4 features, labels argmax of a fixed map. */
function blobs(): { x: Tensor; y: Tensor } {
  my.manualSeed(3);
  const x = my.randn(120, 4);
  const y = x.matmul(my.tensor([[1, -1, 0.5], [0.5, 1, -1], [-1, 0.3, 1], [0.2, -0.5, 0.4]])).argmax(1);
  return { x, y };
}
const setup = (lr = 0.1) => {
  my.manualSeed(0);
  const model = new nn.Linear(4, 3);
  return { model, opt: new optim.SGD(model.parameters(), { lr }), lossFn: (o: Tensor, t: Tensor) => F.crossEntropy(o, t) };
};
const quiet = { verbose: 0 as const };

describe('fit: Keras-style data, validation and metrics', () => {
  it('validationSplit holds out the last rows; History has loss, metrics and their val forms per epoch', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup();
    const h = train.fit(model, [x, y], { epochs: 3, batchSize: 16, validationSplit: 0.25, optimizer: opt, lossFn, metrics: ['acc', 'f1'], ...quiet });
    expect(h.length).toBe(3);
    expect(h.epoch).toEqual([1, 2, 3]);
    for (const k of ['loss', 'acc', 'f1', 'valLoss', 'valAcc', 'valF1', 'lr']) expect(h.history[k], k).toHaveLength(3);
    // the validation numbers are the model's on rows 90..119, computed here independently
    model.eval();
    const out = my.noGrad(() => model.forward(x.narrow(0, 90, 30)));
    const yv = y.narrow(0, 90, 30);
    expect(h.history.valAcc[2]).toBeCloseTo(metrics.accuracy(out, yv), 12);
    expect(h.history.valF1[2]).toBeCloseTo(metrics.f1Score(out, yv), 12);
    expect(h.history.valLoss[2]).toBeCloseTo(F.crossEntropy(out, yv).item() as number, 5);
    expect(h.history.valAcc[2]).toBeGreaterThan(0.5);  // it learns: chance is 1/3
  });
  it('a Dataset splits as [x, y] tensors do (same rows held out, same History)', () => {
    const { x, y } = blobs();
    const a = setup(), b = setup();
    const o = { epochs: 2, batchSize: 16, validationSplit: 0.25, seed: 5, metrics: ['acc'], ...quiet };
    const ha = train.fit(a.model, [x, y], { ...o, optimizer: a.opt, lossFn: a.lossFn });
    const hb = train.fit(b.model, new my.data.TensorDataset(x, y), { ...o, optimizer: b.opt, lossFn: b.lossFn });
    expect(hb.history.valLoss).toEqual(ha.history.valLoss);
    expect(hb.history.loss).toEqual(ha.history.loss);
  });
  it('validationData as [x, y] tensors, and evaluate with metrics', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup();
    const h = train.fit(model, [x.narrow(0, 0, 100), y.narrow(0, 0, 100)], { epochs: 2, validationData: [x.narrow(0, 100, 20), y.narrow(0, 100, 20)], optimizer: opt, lossFn, ...quiet });
    const r = train.evaluate(model, [x.narrow(0, 100, 20), y.narrow(0, 100, 20)], { lossFn, metrics: ['acc', 'precision'] });
    expect(h.history.valLoss[1]).toBeCloseTo(r.loss, 6);
    expect(h.history.valAcc[1]).toBeCloseTo(r.acc, 12);
    expect(r.precision).toBeGreaterThan(0);
  });
  it('without metrics, accuracy reads one-hot targets too (not a silent 0)', () => {
    const { x, y } = blobs(), { model, opt } = setup();
    const oh = F.oneHot(y, 3).float();
    const h = train.fit(model, [x, oh], { epochs: 2, optimizer: opt, lossFn: (o, t) => F.crossEntropy(o, t.argmax(1)), validationSplit: 0.5, ...quiet });
    model.eval();
    const out = my.noGrad(() => model.forward(x.narrow(0, 60, 60)));
    expect(h[1].valAcc).toBeCloseTo(metrics.accuracy(out, oh.narrow(0, 60, 60)), 12);
    expect(h[1].valAcc).toBeGreaterThan(0.4);
  });
  it('gradClipNorm bounds each step: SGD lr 1 moves the weights by at most the clip norm', () => {
    const { x, y } = blobs(), { model, lossFn } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 1 });
    const before = model.parameters().map((p) => p.clone());
    train.fit(model, [x, y], { epochs: 1, batchSize: 120, optimizer: opt, lossFn, gradClipNorm: 0.01, ...quiet });
    const moved = Math.sqrt(model.parameters().reduce((a, p, i) => a + (p.sub(before[i]).pow(2).sum().item() as number), 0));
    expect(moved).toBeGreaterThan(0.005);
    expect(moved).toBeLessThanOrEqual(0.01 + 1e-6);
  });
});

describe('fit: callbacks', () => {
  it('calls the hooks in order; batch and epoch numbers count from 1', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup();
    const seen: string[] = [];
    train.fit(model, [x.narrow(0, 0, 8), y.narrow(0, 0, 8)], { epochs: 2, batchSize: 4, optimizer: opt, lossFn, ...quiet, callbacks: [{
      onTrainBegin: () => seen.push('tb'), onTrainEnd: () => seen.push('te'),
      onEpochBegin: (e) => seen.push(`eb${e}`), onEpochEnd: (e, l) => seen.push(`ee${e}:${typeof l.loss}`),
      onBatchBegin: (b) => seen.push(`bb${b}`), onBatchEnd: (b, l) => seen.push(`be${b}:${l.size}`),
    }] });
    expect(seen.join(' ')).toBe('tb eb1 bb1 be1:4 bb2 be2:4 ee1:number eb2 bb1 be1:4 bb2 be2:4 ee2:number te');
  });
  it('model.stopTraining set in a callback ends training after that batch', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup();
    let batches = 0;
    const h = train.fit(model, [x, y], { epochs: 5, batchSize: 10, optimizer: opt, lossFn, ...quiet,
      callbacks: [{ onBatchEnd(b) { batches++; if (b === 3) model.stopTraining = true; } }] });
    expect(batches).toBe(3);
    expect(h.length).toBe(1);
  });
  it('EarlyStopping stops when the monitor stops improving and restores the best weights', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup(0.05);
    // full-batch gradient descent: the loss falls every epoch, so in 'max' mode epoch 1 stays the best
    let w1: number[] = [];
    const es = new callbacks.EarlyStopping({ monitor: 'loss', mode: 'max', patience: 2, restoreBestWeights: true });
    const h = train.fit(model, [x, y], { epochs: 20, batchSize: 120, shuffle: false, optimizer: opt, lossFn, ...quiet,
      callbacks: [{ onEpochEnd: (e) => { if (e === 1) w1 = Array.from(model.weight.data() as Float32Array); } }, es] });
    expect(h.length).toBe(3);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.bestEpoch).toBe(1);
    expect(Array.from(model.weight.data() as Float32Array)).toEqual(w1);
  });
  it('EarlyStopping on valLoss without validation data names the key and the logs it has', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup();
    expect(() => train.fit(model, [x, y], { epochs: 2, optimizer: opt, lossFn, ...quiet, callbacks: [new callbacks.EarlyStopping()] }))
      .toThrow(/fit: callback EarlyStopping \(callbacks\[0\]\)\.onEpochEnd\(1\) threw: EarlyStopping: monitor "valLoss" is not in the epoch's logs \(epoch, loss, acc, seconds, lr\); pass validationSplit/);
  });
  it('ModelCheckpoint writes io checkpoints ({epoch} in the name; saveBestOnly)', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'myelin-ckpt-'));
    const every = new callbacks.ModelCheckpoint(join(dir, 'e{epoch}.safetensors'), { monitor: 'loss' });
    const best = new callbacks.ModelCheckpoint(join(dir, 'best.safetensors'), { monitor: 'valAcc', saveBestOnly: true });
    let w2: number[] = [];
    train.fit(model, [x, y], { epochs: 2, validationSplit: 0.2, optimizer: opt, lossFn, ...quiet, callbacks: [every, best,
      { onEpochEnd: (e) => { if (e === 2) w2 = Array.from(model.weight.data() as Float32Array); } }] });
    expect(existsSync(join(dir, 'e1.safetensors')) && existsSync(join(dir, 'e2.safetensors')) && existsSync(join(dir, 'best.safetensors'))).toBe(true);
    const ck = io.loadCheckpoint(join(dir, 'e2.safetensors'));
    expect(ck.epoch).toBe(2);
    expect(Array.from(ck.modelState.get('weight')!.data() as Float32Array)).toEqual(w2);
    expect(ck.optimizerState).not.toBeNull();
    expect(every.lastSaved).toBe(join(dir, 'e2.safetensors'));
  });
  it('LearningRateScheduler sets each epoch\'s lr; the log records it', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup();
    const h = train.fit(model, [x, y], { epochs: 3, optimizer: opt, lossFn, ...quiet, callbacks: [new callbacks.LearningRateScheduler((e) => 0.1 / e)] });
    expect(h.history.lr).toEqual([0.1, 0.05, 0.1 / 3]);
  });
  it('ReduceLROnPlateau halves the lr once the monitor stops improving (patience 0)', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup(0.05);
    // 'max' on a falling loss: epoch 1 is the best, every later epoch is a bad one
    const h = train.fit(model, [x, y], { epochs: 4, batchSize: 120, optimizer: opt, lossFn, ...quiet,
      callbacks: [new callbacks.ReduceLROnPlateau({ monitor: 'loss', mode: 'max', patience: 0, factor: 0.5 })] });
    expect(h.history.lr).toEqual([0.05, 0.05, 0.025, 0.0125]);
  });
  it('CSVLogger writes a header and one row per epoch', () => {
    const { x, y } = blobs(), { model, opt, lossFn } = setup();
    const file = join(mkdtempSync(join(tmpdir(), 'myelin-csv-')), 'log.csv');
    const h = train.fit(model, [x, y], { epochs: 2, validationSplit: 0.2, optimizer: opt, lossFn, ...quiet, callbacks: [new callbacks.CSVLogger(file)] });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,acc,loss,lr,seconds,valAcc,valLoss');
    expect(lines).toHaveLength(3);
    expect(Number(lines[2].split(',')[2])).toBe(h[1].loss);
  });
});

describe('ReduceLROnPlateau.stateDict', () => {
  it('a scheduler restored mid-plateau reduces the lr when the uninterrupted one does', () => {
    const mk = () => { const p = my.zeros([2]).requiresGrad_(); const o = new optim.SGD([p], { lr: 1 }); return { o, s: new optim.ReduceLROnPlateau(o, { patience: 1, cooldown: 1 }) }; };
    const a = mk(), b = mk();
    const ms = [5, 4, 4.5, 4.6, 4.7, 3, 3.1, 3.2, 3.3];
    ms.slice(0, 4).forEach((m) => a.s.step(m));
    const state = JSON.parse(JSON.stringify(a.s.stateDict()));
    b.s.loadStateDict(state);
    expect(b.o.paramGroups[0].lr).toBe(a.o.paramGroups[0].lr);
    for (const m of ms.slice(4)) { a.s.step(m); b.s.step(m); expect(b.s.getLastLr()).toEqual(a.s.getLastLr()); }
    expect(a.s.getLastLr()[0]).toBeLessThan(0.1);  // it did reduce along the way
    expect(() => b.s.loadStateDict({ best: 1 })).toThrow(/ReduceLROnPlateau.loadStateDict: expected \{ best, numBadEpochs, cooldownCounter, lastEpoch \}/);
  });
});

describe('fit: bad input is a named Error', () => {
  const { x, y } = blobs();
  it('validationSplit outside (0, 1), or with plain batches', () => {
    const { model, opt, lossFn } = setup();
    for (const v of [0, 1, 1.5, -0.1, NaN, '0.2'])
      expect(() => train.fit(model, [x, y], { epochs: 1, validationSplit: v as number, optimizer: opt, lossFn, ...quiet }))
        .toThrow(new RegExp(`fit: validationSplit must be a number in \\(0, 1\\), got ${typeof v === 'string' ? '"0.2"' : String(v).replace('.', '\\.')}`));
    expect(() => train.fit(model, [[x, y]], { epochs: 1, validationSplit: 0.2, optimizer: opt, lossFn, ...quiet })).toThrow(/fit: validationSplit needs \[x, y\] tensors or a Dataset/);
    expect(() => train.fit(model, [x, y.narrow(0, 0, 5)], { epochs: 1, optimizer: opt, lossFn, ...quiet })).toThrow(/fit: x \[120, 4\] and y \[5\] must have the same number of rows/);
  });
  it('a callback that throws stops training with its name, and callbacks see onTrainError', () => {
    const { model, opt, lossFn } = setup();
    let errored = false, epochs = 0;
    class Boom { onEpochEnd(e: number) { epochs = e; if (e === 2) throw new Error('boom'); } }
    expect(() => train.fit(model, [x, y], { epochs: 5, optimizer: opt, lossFn, ...quiet, callbacks: [new Boom(), { onTrainError: () => { errored = true; } }] }))
      .toThrow(/fit: callback Boom \(callbacks\[0\]\)\.onEpochEnd\(2\) threw: boom/);
    expect(epochs).toBe(2);
    expect(errored).toBe(true);
    expect(model.training).toBe(true);
  });
  it('metrics that cannot match the outputs; unknown metric names; bad callbacks', () => {
    const { model, opt, lossFn } = setup();
    expect(() => train.fit(model, [x, y.float()], { epochs: 1, optimizer: opt, lossFn: (o, t) => lossFn(o, t.long()), metrics: ['acc'], ...quiet }))
      .toThrow(/Accuracy: class-index targets must be integers, got dtype float32 for outputs \[32, 3\]/);
    expect(() => train.fit(model, [x, y], { epochs: 1, optimizer: opt, lossFn, metrics: ['accurracy'], ...quiet })).toThrow(/fit: unknown metric "accurracy"/);
    expect(() => train.fit(model, [x, y], { epochs: 1, optimizer: opt, lossFn, callbacks: [null as never], ...quiet })).toThrow(/fit: callbacks\[0\] must be an object/);
    expect(() => new callbacks.EarlyStopping({ patience: -1 })).toThrow(/EarlyStopping: patience must be a non-negative integer, got -1/);
    expect(() => new callbacks.LearningRateScheduler(3 as never)).toThrow(/LearningRateScheduler: schedule must be a function/);
    expect(() => train.fit(model, [x, y], { epochs: 1, optimizer: opt, lossFn, ...quiet, callbacks: [new callbacks.LearningRateScheduler(() => NaN)] }))
      .toThrow(/LearningRateScheduler: schedule\(1\) must return a finite non-negative lr, got NaN/);
    expect(() => train.fit(model, [x, y], { epochs: 1, optimizer: opt, lossFn, verbose: 3 as never })).toThrow(/fit: verbose must be 0, 1 or 2, got 3/);
  });
});
