// train.metrics against scikit-learn's definitions computed in NumPy (scripts/gen_train_ux_fixtures.py):
// class-index, one-hot and binary accuracy, top-k, precision/recall/F1 macro/micro/binary,
// confusion matrix, MAE/RMSE/R²; and a named Error for each pair that cannot match.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { metrics } from '../ts/train/index';

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'train_ux.json'), 'utf8'));
const mc = fx.multiclass, bin = fx.binary, reg = fx.regression;
const logits = my.tensor(mc.logits, { dtype: 'float32' });
const labels = my.tensor(mc.labels, { dtype: 'int64' });
const onehot = my.tensor(mc.labels.map((l: number) => [0, 1, 2, 3].map((c) => (c === l ? 1 : 0))), { dtype: 'float32' });
const probs = my.tensor(bin.probs, { dtype: 'float32' });
const blabels = my.tensor(bin.labels, { dtype: 'float32' });

describe('classification metrics', () => {
  it('accuracy: class indices, one-hot targets and [N] / [N, 1] sigmoid outputs', () => {
    expect(metrics.accuracy(logits, labels)).toBeCloseTo(mc.acc, 12);
    expect(metrics.accuracy(logits, onehot)).toBeCloseTo(mc.acc, 12);
    expect(metrics.accuracy(probs, blabels)).toBeCloseTo(bin.acc, 12);
    expect(metrics.accuracy(probs.unsqueeze(1), blabels.unsqueeze(1))).toBeCloseTo(bin.acc, 12);
    // logits of the same probabilities, thresholded at 0
    const lg = probs.div(probs.neg().add(1)).log();
    expect(metrics.accuracy(lg, blabels, { logits: true })).toBeCloseTo(bin.acc, 12);
  });
  it('accuracy accumulates over batches (the epoch value, not a mean of batch values)', () => {
    const a = new metrics.Accuracy();
    a.update(logits.narrow(0, 0, 7), labels.narrow(0, 0, 7));
    a.update(logits.narrow(0, 7, 53), labels.narrow(0, 7, 53));
    expect(a.compute()).toBeCloseTo(mc.acc, 12);
  });
  it('top-k accuracy', () => {
    for (const k of [1, 2, 3]) expect(metrics.topKAccuracy(logits, labels, k)).toBeCloseTo(mc[`top${k}`], 12);
  });
  it('precision, recall and F1: macro (one class never predicted: zero_division 0) and micro', () => {
    for (const avg of ['macro', 'micro'] as const) {
      expect(metrics.precision(logits, labels, { average: avg })).toBeCloseTo(mc[avg].precision, 12);
      expect(metrics.recall(logits, onehot, { average: avg })).toBeCloseTo(mc[avg].recall, 12);
      expect(metrics.f1Score(logits, labels, { average: avg })).toBeCloseTo(mc[avg].f1, 12);
    }
  });
  it('binary precision, recall, F1 (positive class 1) and macro over the two classes', () => {
    for (const avg of ['binary', 'macro', 'micro'] as const) {
      expect(metrics.precision(probs, blabels, { average: avg })).toBeCloseTo(bin[avg].precision, 12);
      expect(metrics.recall(probs, blabels, { average: avg })).toBeCloseTo(bin[avg].recall, 12);
      expect(metrics.f1Score(probs, blabels, { average: avg })).toBeCloseTo(bin[avg].f1, 12);
    }
  });
  it('confusion matrix (rows true, columns predicted)', () => {
    expect(metrics.confusionMatrix(logits, labels)).toEqual(mc.confusion);
    expect(metrics.confusionMatrix(probs, blabels)).toEqual(bin.confusion);
  });
});

describe('regression metrics', () => {
  const p = my.tensor(reg.pred, { dtype: 'float32' }), t = my.tensor(reg.target, { dtype: 'float32' });
  it('MAE, RMSE and R² for one output ([N] and [N, 1] against [N])', () => {
    const p1 = p.select(1, 0).contiguous(), t1 = t.select(1, 0).contiguous();
    expect(metrics.meanAbsoluteError(p1, t1)).toBeCloseTo(reg.one.mae, 6);
    expect(metrics.rootMeanSquaredError(p1.unsqueeze(1), t1)).toBeCloseTo(reg.one.rmse, 6);
    expect(metrics.r2Score(p1, t1)).toBeCloseTo(reg.one.r2, 6);
  });
  it('two outputs: R² is the uniform average of the columns', () => {
    expect(metrics.meanAbsoluteError(p, t)).toBeCloseTo(reg.two.mae, 6);
    expect(metrics.rootMeanSquaredError(p, t)).toBeCloseTo(reg.two.rmse, 6);
    const r = new metrics.R2Score();
    r.update(p.narrow(0, 0, 11), t.narrow(0, 0, 11)); r.update(p.narrow(0, 11, 19), t.narrow(0, 11, 19));
    expect(r.compute()).toBeCloseTo(reg.two.r2, 6);
  });
});

describe('metrics: outputs and targets that cannot match are named Errors', () => {
  it('accuracy never reads a silent 0', () => {
    expect(() => metrics.accuracy(logits, labels.narrow(0, 0, 10))).toThrow(/Accuracy: outputs \[60, 4\] and targets \[10\] must have the same batch size/);
    expect(() => metrics.accuracy(logits, my.zeros([60, 3]))).toThrow(/Accuracy: outputs \[60, 4\] and targets \[60, 3\] cannot match/);
    expect(() => metrics.accuracy(logits, my.zeros([60]))).toThrow(/Accuracy: class-index targets must be integers, got dtype float32/);
    expect(() => metrics.accuracy(logits, my.full([60], 7, { dtype: 'int64' }))).toThrow(/Accuracy: a class index target is 7, outside \[0, 4\)/);
    expect(() => metrics.accuracy(probs.mul(4).sub(2), blabels)).toThrow(/Accuracy: binary outputs must be probabilities in \[0, 1\].*got -?[\d.]+.*logits: true/);
    expect(() => metrics.accuracy(probs, blabels.mul(2))).toThrow(/Accuracy: binary targets must be 0 or 1, got 2/);
    expect(() => metrics.accuracy('x' as never, labels)).toThrow(/Accuracy: output must be a Tensor, got "x"/);
  });
  it('regression shapes, top-k and average options', () => {
    expect(() => metrics.rootMeanSquaredError(my.zeros([5, 2]), my.zeros([5]))).toThrow(/RootMeanSquaredError: outputs \[5, 2\] and targets \[5\] cannot match/);
    expect(() => metrics.topKAccuracy(logits, labels, 9)).toThrow(/TopKAccuracy: k \(9\) exceeds the number of classes \(4\)/);
    expect(() => metrics.topKAccuracy(logits, labels, 0)).toThrow(/TopKAccuracy: k must be a positive integer, got 0/);
    expect(() => new metrics.F1Score({ average: 'weighted' as never })).toThrow(/F1Score: average must be 'macro', 'micro' or 'binary', got "weighted"/);
    expect(() => metrics.f1Score(logits, labels, { average: 'binary' })).toThrow(/'binary' needs two classes, got 4/);
  });
});
