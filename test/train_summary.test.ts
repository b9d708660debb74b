// train.summary against PyTorch: per-layer output shapes and parameter counts, trainable and
// frozen totals (forward hooks on torch's modules, scripts/gen_train_ux_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nn, train } from '../ts/index';
import { mnistCnn } from '../ts/train/recipes';

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'train_ux.json'), 'utf8')).summary;
const keras = () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Dropout(0.2), new nn.BatchNorm1d(128),
  new nn.Linear(128, 64), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(64, 10), new nn.Softmax(1));
const rowsOf = (s: train.Summary) => s.rows.map((r) => ({ layer: r.type, output: r.outputShape, params: r.params }));

describe('summary', () => {
  it('the seeds\' Keras MLP: layers, output shapes and parameter counts as torch', () => {
    const s = train.summary(keras(), [2, 1, 28, 28]);
    expect(rowsOf(s)).toEqual(fx.keras.rows);
    expect([s.totalParams, s.trainableParams, s.frozenParams]).toEqual([fx.keras.total, fx.keras.trainable, fx.keras.frozen]);
    expect(s.paramBytes).toBe(4 * fx.keras.total);
    expect(s.inputBytes).toBe(4 * 2 * 784);
    // activations and their gradients: twice the bytes of every layer's output
    expect(s.forwardBackwardBytes).toBe(2 * 4 * fx.keras.rows.reduce((a: number, r: { output: number[] }) => a + r.output.reduce((x, d) => x * d, 1), 0));
    expect(s.text).toMatch(/Layer \(type\)[\s\S]*1 \(Linear\)\s*│\s*\[2, 128\]\s*│\s*100,480[\s\S]*Total params: 109,642\nTrainable params: 109,642\nNon-trainable params: 0/);
    expect(s.text).toContain('Params size (MB): 0.44');
    expect(String(s)).toBe(s.text);
  });
  it('the MNIST CNN with its two convolutions frozen: trainable and frozen totals', () => {
    const m = mnistCnn();
    m.at(0).requiresGrad_(false); m.at(3).requiresGrad_(false);
    const s = train.summary(m, [2, 1, 28, 28]);
    expect(rowsOf(s)).toEqual(fx.cnn.rows);
    expect([s.totalParams, s.trainableParams, s.frozenParams]).toEqual([fx.cnn.total, fx.cnn.trainable, fx.cnn.frozen]);
    expect(s.text).toMatch(/0 \(Conv2d\)\s*│\s*\[2, 32, 28, 28\]\s*│\s*320\s*│\s*False/);
    expect(s.text).toContain('Non-trainable params: 18,816');
    expect(m.training).toBe(true);           // restored after the eval-mode pass
    expect(Object.hasOwn(m.at(0), 'forward')).toBe(false);  // the recording wrappers are gone
  });
  it('bad input: a shape that is not one, a model that is not a Module, a shape the model refuses', () => {
    expect(() => train.summary(keras(), [2, -1] as never)).toThrow(/summary: inputShape must be a shape of positive integers \(batch first\), or a list of them, got \[2, -1\]/);
    expect(() => train.summary({} as never, [1, 2])).toThrow(/summary: model must be a Module/);
    expect(() => train.summary(keras(), [2, 3, 5])).toThrow(/summary: the forward pass on zeros of \[2, 3, 5\] failed: /);
  });
});
