// Argument checks of nn.functional, the conv/pool/norm ops, optimizers, schedulers and fit
// (issue 14, "guard it for good"): each bad value below once crashed with a V8 TypeError
// ("Cannot read properties of undefined", "Do not know how to serialize a BigInt"), a raw
// RangeError, or was silently coerced or ignored. Each must now be an Error naming the op and
// the value; the valid neighbours of each case still work (torch accepts them).
import { describe, it, expect } from 'vitest';
import * as m from '../ts/index';

const { nn, optim, train } = m;
const F = nn.functional;
const x4 = () => m.ones([1, 1, 4, 4]);

describe('tensor arguments are checked before any property is read', () => {
  it('nn.functional, losses and the NCHW ops name the op and the argument', () => {
    const u = undefined as unknown as m.Tensor, s = '1' as unknown as m.Tensor;
    const cases: [RegExp, () => unknown][] = [
      [/^linear: input must be a Tensor, got undefined$/, () => F.linear(u, m.ones(4, 3))],
      [/^linear: weight must be a Tensor, got "1"$/, () => F.linear(m.ones(2, 3), s)],
      [/^bilinear: input1 must be a Tensor, got undefined$/, () => F.bilinear(u, m.ones(2, 2), m.ones(4, 3, 2))],
      [/^dropout: input must be a Tensor, got null$/, () => F.dropout(null as unknown as m.Tensor)],
      [/^layerNorm: input must be a Tensor/, () => F.layerNorm(s, [3])],
      [/^layerNorm: normalized_shape must be an array of integers, got "3"$/, () => F.layerNorm(m.ones(2, 3), '3' as unknown as number[])],
      [/^groupNorm: input must be a Tensor, got 2$/, () => F.groupNorm(2 as unknown as m.Tensor, 2)],
      [/^embedding: weight must be a Tensor, got "1"$/, () => F.embedding(m.tensor([0, 1], { dtype: 'int64' }), s)],
      [/^nllLoss: input must be a Tensor, got undefined$/, () => F.nllLoss(u, m.tensor([0], { dtype: 'int64' }))],
      [/^mseLoss: target must be a Tensor, got "1"$/, () => F.mseLoss(m.ones(2), s)],
      [/^conv2d: input must be a Tensor, got "x"$/, () => F.conv2d('x' as unknown as m.Tensor, m.ones(1, 1, 3, 3))],
      [/^conv2d: weight must be a Tensor, got null$/, () => F.conv2d(x4(), null as unknown as m.Tensor)],
      [/^conv1d: input must be a Tensor, got undefined$/, () => F.conv1d(u, m.ones(1, 1, 3))],
      [/^convTranspose2d: weight must be a Tensor, got undefined$/, () => F.convTranspose2d(x4(), u)],
      [/^conv2dBackward: grad_output must be a Tensor, got undefined$/, () => m.conv2dBackward(u, x4(), m.ones(1, 1, 3, 3))],
      [/^maxPool2d: input must be a Tensor, got undefined$/, () => F.maxPool2d(u, 2)],
      [/^maxPool1d: input must be a Tensor, got null$/, () => F.maxPool1d(null as unknown as m.Tensor, 2)],
      [/^adaptiveAvgPool2d: input must be a Tensor, got undefined$/, () => F.adaptiveAvgPool2d(u, 2)],
      [/^interpolate: input must be a Tensor, got undefined$/, () => F.interpolate(u, { size: 2 })],
      [/^batchNorm: input must be a Tensor, got undefined$/, () => m.batchNorm(u, null, null, null, null, true)],
    ];
    for (const [re, f] of cases) expect(f, String(re)).toThrow(re);
  });
  it('batchNorm refuses a non-tensor weight instead of normalizing without it', () => {
    const x = m.tensor([[1, 2], [3, 5]], { dtype: 'float32' });
    expect(() => m.batchNorm(x, '1' as unknown as m.Tensor, null, null, null, true)).toThrow(/^batchNorm: weight must be a Tensor or null, got "1"$/);
    // undefined stats are "none", as null: torch's batch_norm(x, None, None, training=True)
    const y = m.batchNorm(x, undefined as unknown as null, undefined as unknown as null, null, null, true);
    expect(Array.from(y.data() as Float32Array).map((v) => +v.toFixed(4))).toEqual([-1, -1, 1, 1]);
  });
});

describe('sizes and options: no JSON.stringify, no raw RangeError, no coercion', () => {
  it('pair() prints BigInts and NaN as they are', () => {
    expect(() => F.maxPool2d(x4(), 2n as unknown as number)).toThrow(/^maxPool2d: kernelSize must be an integer or a pair of integers, got 2n$/);
    expect(() => F.conv2d(x4(), m.ones(1, 1, 3, 3), null, { stride: [1, NaN] })).toThrow(/^conv2d: stride must be an integer or a pair of integers, got \[1, NaN\]$/);
    expect(() => F.avgPool2d(x4(), Symbol('k') as unknown as number)).toThrow(/^avgPool2d: kernelSize .* got symbol$/);
    expect(() => F.conv1d(m.ones(1, 1, 5), m.ones(1, 1, 3), null, { padding: Symbol('p') as unknown as number })).toThrow(/^conv1d: padding must be an integer, got symbol$/);
  });
  it('adaptive pools refuse a size that is no size, and name one too large to allocate', () => {
    for (const bad of [{}, [], true, Symbol('s'), 2n, undefined])
      expect(() => F.adaptiveAvgPool2d(x4(), bad as unknown as number), String(bad)).toThrow(/^adaptiveAvgPool2d: output size must be a positive integer/);
    expect(() => F.adaptiveMaxPool2d(x4(), {} as unknown as number)).toThrow(/^adaptiveMaxPool2d: output size/);
    expect(() => F.adaptiveAvgPool2d(x4(), 2 ** 53)).toThrow(/^adaptiveAvgPool2d: output size must be/);
    expect(() => F.adaptiveAvgPool2d(x4(), 2 ** 40)).toThrow(/^adaptiveAvgPool2d: output size 1099511627776 is too large/);
    // null keeps a dim (torch's None)
    expect(F.adaptiveAvgPool2d(m.arange(16).float().reshape([1, 1, 4, 4]), [null, 2]).toArray()).toEqual([[[[0.5, 2.5], [4.5, 6.5], [8.5, 10.5], [12.5, 14.5]]]]);
  });
  it('interpolate refuses an infinite or non-numeric scaleFactor and a huge size by name', () => {
    const x = m.ones([1, 1, 2, 2]);
    expect(() => F.interpolate(x, { scaleFactor: Infinity })).toThrow(/^interpolate: scaleFactor must be a positive finite number or a pair of them, got Infinity$/);
    expect(() => F.interpolate(x, { scaleFactor: {} as unknown as number })).toThrow(/^interpolate: scaleFactor .* got an object$/);
    expect(() => F.interpolate(x, { scaleFactor: 2n as unknown as number })).toThrow(/^interpolate: scaleFactor .* got 2n$/);
    expect(() => F.interpolate(x, { size: 2 ** 53 })).toThrow(/^interpolate: size must be an integer or a pair of integers, got 9007199254740992$/);
    expect(() => F.interpolate(x, { size: 2 ** 40 })).toThrow(/^interpolate: output size 1099511627776 is too large/);
    expect(() => F.interpolate(x, undefined as unknown as { size: number })).toThrow(/^interpolate: options must be an object/);
    expect(F.interpolate(x, { scaleFactor: [1, 1.5] }).shape).toEqual([1, 1, 2, 3]);
  });
  it('conv layers refuse a numeric string stride, and a symbol, by name', () => {
    expect(() => new nn.Conv2d(2, 3, 3, { stride: '1' as unknown as number })).toThrow(/^Conv2d: stride must be an integer or a tuple of 2 integers, got "1"$/);
    expect(() => new nn.Conv2d(2, 3, {} as unknown as number)).toThrow(/^Conv2d: kernel_size must be an integer or a tuple of 2 integers, got an object$/);
    expect(() => new nn.Conv1d(Symbol('c') as unknown as number, 3, 3)).toThrow(/^Conv1d: in_channels must be non-negative integers, got \[symbol\]$/);
    expect(() => new nn.ConvTranspose2d(2, 3, 3, { groups: 2n as unknown as number })).toThrow(/^ConvTranspose2d: groups must be a positive integer, got 2n$/);
    expect(new nn.Conv2d(2, 3, [3, 1], { stride: [2, 1] }).forward(m.ones([1, 2, 5, 5])).shape).toEqual([1, 3, 2, 5]);
  });
  it('HuberLoss({ delta: null }) and SmoothL1Loss({ beta: null }) are refused, not read as the default', () => {
    const a = m.ones(2), b = m.zeros(2);
    expect(() => new nn.HuberLoss({ delta: null as unknown as number }).forward(a, b)).toThrow(/^huberLoss: delta must be positive, got null$/);
    expect(() => F.huberLoss(a, b, { delta: '1' as unknown as number })).toThrow(/^huberLoss: delta must be positive, got "1"$/);
    expect(() => new nn.SmoothL1Loss({ beta: null as unknown as number }).forward(a, b)).toThrow(/^smoothL1Loss: beta must be non-negative, got null$/);
    expect(new nn.HuberLoss({}).forward(a, b).item()).toBe(0.5);
  });
  it('dropout and crossEntropy refuse numeric strings where they compared them', () => {
    expect(() => F.dropout(m.ones(2), '0.5' as unknown as number)).toThrow(/^dropout: probability has to be between 0 and 1, but got "0.5"$/);
    expect(() => F.dropout2d(m.ones(1, 2, 2), Symbol('p') as unknown as number)).toThrow(/^dropout2d: probability .* got symbol$/);
    expect(() => F.crossEntropy(m.ones(2, 3), m.tensor([0, 1], { dtype: 'int64' }), { labelSmoothing: '0.1' as unknown as number }))
      .toThrow(/^crossEntropy: labelSmoothing must be between 0.0 and 1.0, got "0.1"$/);
  });
});

describe('optimizers and schedulers', () => {
  const param = () => { const p = m.ones(3).requiresGrad_(); p.grad = m.full([3], 0.5); return p; };
  it('params must be an iterable of tensors or groups, named', () => {
    expect(() => new optim.SGD('x' as unknown as m.Tensor[])).toThrow(/^SGD: params must be an iterable of Tensors or of parameter groups, got "x"$/);
    expect(() => new optim.Adam(undefined as unknown as m.Tensor[])).toThrow(/^Adam: params must be an iterable .* got undefined$/);
    expect(() => new optim.SGD(param() as unknown as m.Tensor[])).toThrow(/^SGD: params must be an iterable .* got a tensor$/);
    expect(() => new optim.SGD([param()], { lr: 1n as unknown as number })).toThrow(/^SGD: invalid learning rate: 1n/);
  });
  it('a disposed or non-tensor .grad throws naming the parameter; a null one is skipped (torch)', () => {
    for (const Opt of [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]) {
      const p = param(), q = param();
      const opt = new Opt([p, q], { lr: 0.1 });
      q.grad!.dispose();
      expect(() => opt.step(), Opt.name).toThrow(new RegExp(`^${Opt.name}: the gradient of parameter 1 in group 0 must be a live Tensor or null, got a disposed tensor$`));
      expect(Array.from(p.data() as Float32Array), `${Opt.name}: a refused step changes nothing`).toEqual([1, 1, 1]);
      q.grad = null;
      opt.step();
      expect(Array.from(q.data() as Float32Array), `${Opt.name}: no grad, no update`).toEqual([1, 1, 1]);
      expect((p.data() as Float32Array)[0], `${Opt.name}: the other parameter moved`).toBeLessThan(1);
    }
  });
  it('a .grad that is no tensor at all is refused at step (or when set)', () => {
    const p = param(), opt = new optim.SGD([p], { lr: 0.1 });
    expect(() => { (p as { grad: unknown }).grad = 'x'; opt.step(); }).toThrow(/grad.*"x"/);
    expect(Array.from(p.data() as Float32Array)).toEqual([1, 1, 1]);
  });
  it('schedulers and EarlyStopping refuse numeric strings, symbols and non-number metrics', () => {
    const sgd = () => new optim.SGD([param()], { lr: 0.1 });
    expect(() => new optim.LinearLR(sgd(), { startFactor: '1' as unknown as number })).toThrow(/^LinearLR: startFactor .* got "1"$/);
    expect(() => new optim.LinearLR(sgd(), { endFactor: Symbol('e') as unknown as number })).toThrow(/^LinearLR: endFactor .* got symbol$/);
    expect(() => new optim.ReduceLROnPlateau(sgd(), { factor: '0.5' as unknown as number })).toThrow(/^ReduceLROnPlateau: factor .* got "0.5"$/);
    expect(() => new optim.StepLR(sgd(), { stepSize: 2n as unknown as number })).toThrow(/^StepLR: stepSize must be a positive integer, got 2n$/);
    expect(() => new optim.EarlyStopping({ patience: '1' as unknown as number })).toThrow(/^EarlyStopping: patience must be a non-negative integer, got "1"$/);
    const plateau = new optim.ReduceLROnPlateau(sgd(), { patience: 0 });
    for (const bad of ['1', {}, null, [], 2n])
      expect(() => plateau.step(bad as unknown as number), String(bad)).toThrow(/^ReduceLROnPlateau\.step: metric must be a number/);
    expect(plateau.lastEpoch).toBe(0);
    const stop = new optim.EarlyStopping({ patience: 1 });
    expect(() => stop.step('1' as unknown as number)).toThrow(/^EarlyStopping\.step: metric must be a number .* got "1"$/);
    // NaN is a value: it never improves (torch: float('nan') < best is False)
    expect([stop.step(1), stop.step(NaN)]).toEqual([false, true]);
    // a huge step size is valid (torch accepts it): the lr just never decays
    const s = new optim.StepLR(sgd(), { stepSize: 2 ** 53 });
    s.step(); s.step();
    expect(s.getLastLr()).toEqual([0.1]);
  });
});

describe('options objects, state dicts and gradient clipping', () => {
  const param = () => { const p = m.ones(3).requiresGrad_(); p.grad = m.full([3], 0.5); return p; };
  it('an options argument that is no object is refused, not spread into nothing', () => {
    expect(() => new optim.SGD([param()], 'x' as never)).toThrow(/^SGD: options must be an object, got "x"$/);
    expect(() => new optim.AdamW([param()], 5 as never)).toThrow(/^AdamW: options must be an object, got 5$/);
    expect(() => F.conv2d(x4(), m.ones(1, 1, 3, 3), null, null as never)).toThrow(/^conv2d: options must be an object, got null$/);
    expect(() => F.maxPool2d(x4(), 2, 'x' as never)).toThrow(/^maxPool2d: options must be an object, got "x"$/);
    expect(() => F.avgPool2d(x4(), 2, null as never)).toThrow(/^avgPool2d: options must be an object, got null$/);
  });
  it('schedulers check their optimizer and options; loadStateDict checks what it is given', () => {
    const sgd = new optim.SGD([param()], { lr: 0.1 });
    expect(() => new optim.StepLR('x' as never, { stepSize: 1 })).toThrow(/^StepLR: optimizer must be an Optimizer, got "x"$/);
    expect(() => new optim.StepLR(sgd, undefined as never)).toThrow(/^StepLR: options must be an object, got undefined$/);
    expect(() => new optim.SequentialLR(sgd, { schedulers: [1 as never, 2 as never], milestones: [1] })).toThrow(/^SequentialLR: scheduler 0 must be an LRScheduler, got 1$/);
    const s = new optim.StepLR(sgd, { stepSize: 1 });
    expect(() => s.loadStateDict(undefined as never)).toThrow(/^StepLR\.loadStateDict: expected \{ lastEpoch, lastLr \}/);
    expect(() => sgd.loadStateDict('x' as never)).toThrow(/^loadStateDict: expected \{ state, paramGroups \}/);
    s.step();
    const sd = s.stateDict();
    const s2 = new optim.StepLR(new optim.SGD([param()], { lr: 0.1 }), { stepSize: 1 });
    s2.loadStateDict(sd);
    expect(s2.lastEpoch).toBe(1);
  });
  it('clipGradNorm_ and clipGradValue_ refuse a disposed gradient instead of leaving it unclipped', () => {
    const p = param(), q = param();
    q.grad!.dispose();
    expect(() => nn.utils.clipGradNorm_([p, q], 0.1)).toThrow(/^clipGradNorm_: the gradient of parameter 1 must be a live Tensor or null, got a disposed tensor$/);
    expect(() => nn.utils.clipGradValue_([p, q], 0.1)).toThrow(/^clipGradValue_: the gradient of parameter 1/);
    expect(() => nn.utils.clipGradNorm_('x' as never, 1)).toThrow(/^clipGradNorm_: params must be a Tensor or an iterable of Tensors, got "x"$/);
    expect(Array.from(p.grad!.data() as Float32Array)).toEqual([0.5, 0.5, 0.5]);
    // a single tensor is accepted (torch), and a parameter without grad skipped
    q.grad = null;
    const total = nn.utils.clipGradNorm_(p, 0.5);
    expect(total).toBeCloseTo(Math.sqrt(0.75), 6);
    expect((p.grad!.data() as Float32Array)[0]).toBeCloseTo(0.5 * 0.5 / (Math.sqrt(0.75) + 1e-6), 6);
  });
  it('the functional activations name a missing input', () => {
    expect(() => F.relu(undefined as never)).toThrow(/^relu: input must be a Tensor, got undefined$/);
    expect(() => F.softmax(null as never, 1)).toThrow(/^softmax: input must be a Tensor, got null$/);
    expect(() => F.oneHot('x' as never)).toThrow(/^oneHot: input must be a Tensor, got "x"$/);
    expect(() => F.groupNorm(m.ones(2, 4), 2, null, null, '1' as never)).toThrow(/^groupNorm: eps must be a finite number >= 0, got "1"$/);
  });
});

describe('model options', () => {
  it('an options argument that is no object, or an unknown activation, is refused by name', () => {
    expect(() => new m.models.LeNet5(null as never)).toThrow(/^LeNet5: options must be an object, got null$/);
    expect(() => new m.models.LeNet5({ activation: 'sigmoid' as never })).toThrow(/^LeNet5: activation must be one of 'relu', 'tanh', got "sigmoid"$/);
    expect(() => m.models.resnet18('x' as never)).toThrow(/^ResNet: options must be an object, got "x"$/);
    expect(() => m.models.resnet20(5 as never)).toThrow(/^ResNetCifar: options must be an object, got 5$/);
    expect(new m.models.LeNet5({ activation: 'tanh' }).forward(m.zeros([1, 1, 28, 28])).shape).toEqual([1, 10]);
  });
});

describe('fit and evaluate check their batches', () => {
  const setup = () => {
    const model = new nn.Linear(3, 2);
    return { model, o: { epochs: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), lossFn: (a: m.Tensor, b: m.Tensor) => F.crossEntropy(a, b),
      progress: train.makeProgress(process.stdout, { quiet: true }) } };
  };
  const y = () => m.tensor([0, 1], { dtype: 'int64' });
  it('names the batch and the side that is not a tensor', () => {
    const { model, o } = setup();
    expect(() => train.fit(model, [[m.ones(2, 3), '1' as unknown as m.Tensor]], o)).toThrow(/^fit: batch 0 target must be a Tensor, got "1"$/);
    expect(() => train.fit(model, [[m.ones(2, 3), y()], [undefined as unknown as m.Tensor, y()]], o)).toThrow(/^fit: batch 1 input must be a Tensor, got undefined$/);
    expect(() => train.fit(model, [m.ones(2, 3)] as unknown as [m.Tensor, m.Tensor][], o)).toThrow(/^fit: batch 0 must be an \[input, target\] pair, got a tensor$/);
    expect(() => train.fit(model, 5 as unknown as [m.Tensor, m.Tensor][], o)).toThrow(/^fit: batches must be an iterable of \[input, target\] tensor pairs, got 5$/);
    expect(() => train.evaluate(model, [[m.ones(2, 3), null as unknown as m.Tensor]], o.lossFn)).toThrow(/^evaluate: batch 0 target must be a Tensor, got null$/);
    expect(model.training).toBe(true);
  });
  it('checks the model, options, optimizer and what lossFn returns', () => {
    const { model, o } = setup();
    const batches: [m.Tensor, m.Tensor][] = [[m.ones(2, 3), y()]];
    expect(() => train.fit({} as nn.Module, batches, o)).toThrow(/^fit: model must be a Module, got an object$/);
    expect(() => train.fit(model, batches, undefined as unknown as typeof o)).toThrow(/^fit: options must be an object/);
    expect(() => train.fit(model, batches, { ...o, optimizer: 'sgd' as unknown as typeof o.optimizer })).toThrow(/^fit: optimizer must have step\(\) and zeroGrad\(\), got "sgd"$/);
    expect(() => train.fit(model, batches, { ...o, lossFn: (() => 0.5) as unknown as typeof o.lossFn })).toThrow(/^fit: the loss \(lossFn's result\) must be a Tensor, got 0.5$/);
    expect(() => train.evaluate(model, batches, undefined as unknown as typeof o.lossFn)).toThrow(/^evaluate: lossFn must be a function, got undefined$/);
    expect(train.fit(model, batches, o)).toHaveLength(1);
  });
});
