// Silent wrong results (issue 14, items 6, 7 and 9): integers that wrapped, options and
// arguments taken without a word, and state changed before a call that then threw. Each
// case once returned garbage or NaN; each now matches torch or throws an Error naming the op
// and the value. Expected values are torch 2.x's (checked by hand in a Python session).
import { describe, it, expect } from 'vitest';
import * as m from '../ts/index';
import { main } from '../ts/cli';

const { nn, optim } = m;
const F = nn.functional;

describe('integers do not wrap (item 6)', () => {
  it('tensor makes float32 from JS numbers (int64 from bigints or an explicit dtype), so 1e20 is not squeezed into an int64', () => {
    const t = m.tensor([1e20, 3]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data() as Float32Array)).toEqual([Math.fround(1e20), 3]);
    expect(m.tensor([2 ** 53 + 2]).dtype).toBe('float32');
    expect(m.tensor([2 ** 53 - 1, -3], { dtype: 'int64' }).dtype).toBe('int64');
    expect(m.tensor([2 ** 53 - 1], { dtype: 'int64' }).item()).toBe(2 ** 53 - 1);
    expect(m.full([2], 1e20).dtype).toBe('float32');
    expect(m.arange(0, 1e20, 1e19).dtype).toBe('float32');
  });
  it('an explicit integer dtype refuses values it cannot hold, naming value and dtype', () => {
    expect(() => m.tensor([3e9], { dtype: 'int32' })).toThrow(/tensor: value 3000000000 at index 0 cannot be converted to int32 without overflow/);
    expect(() => m.tensor([1, -2147483649], { dtype: 'int32' })).toThrow(/value -2147483649 at index 1 .*int32/);
    expect(() => m.tensor([NaN], { dtype: 'int64' })).toThrow(/value NaN .*int64/);
    expect(() => m.tensor([Infinity], { dtype: 'int32' })).toThrow(/value Infinity .*int32/);
    expect(() => m.tensor([1e20], { dtype: 'int64' })).toThrow(/value 100000000000000000000 .*int64/);
    expect(() => m.tensor([2n ** 63n])).toThrow(/value 9223372036854775808 .*int64/);
    expect(() => m.tensor(new Float64Array([3e9]), { dtype: 'int32' })).toThrow(/3000000000 .*int32/);
    // the range ends themselves, and fractions truncating toward zero (as torch)
    expect(m.tensor([-2147483648, 2147483647, -1.7, 2.9], { dtype: 'int32' }).toArray()).toEqual([-2147483648, 2147483647, -1, 2]);
    expect(Array.from(m.tensor([-(2n ** 63n), 2n ** 63n - 1n]).data() as BigInt64Array)).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
  });
  it('fill_, full, maskedFill refuse a value out of the dtype (torch: "cannot be converted ... without overflow")', () => {
    const z = m.zeros([2], { dtype: 'int32' });
    expect(() => z.fill_(1e10)).toThrow(/fill_: value 10000000000 cannot be converted to int32 without overflow/);
    expect(z.toArray()).toEqual([0, 0]);
    expect(() => m.full([2], NaN, { dtype: 'int64' })).toThrow(/full: value nan cannot be converted to int64/);
    expect(() => m.full([2], Infinity, { dtype: 'int32' })).toThrow(/full: value inf .*int32/);
    expect(() => m.full([2], 1e39, { dtype: 'float32' })).toThrow(/full: value 1e\+39 cannot be converted to float32/);
    expect(() => m.zeros([2], { dtype: 'int32' }).maskedFill(m.tensor([true, false]), 3e9)).toThrow(/masked_fill: value 3000000000 .*int32/);
    expect(m.full([2], -2147483648, { dtype: 'int32' }).toArray()).toEqual([-2147483648, -2147483648]);
    expect(m.full([1], Infinity).toArray()).toEqual([Infinity]);  // float32 holds infinities
    expect(m.full([1], true, { dtype: 'int32' }).toArray()).toEqual([1]);
  });
  it('randint refuses bounds past int32 for int32 (torch: "to - 1 is out of bounds for int")', () => {
    expect(() => m.randint(0, 2 ** 32, [4], { dtype: 'int32' })).toThrow(/randint: low 0 and high 4294967296 must lie in int32's range/);
    expect(() => m.randint(-(2 ** 40), 0, [4], { dtype: 'int32' })).toThrow(/randint: .*int32's range/);
    const r = m.randint(2 ** 31 - 3, 2 ** 31, [64], { dtype: 'int32' }).toArray() as number[];
    expect(r.every((v) => v >= 2 ** 31 - 3 && v < 2 ** 31)).toBe(true);
    const big = m.randint(2 ** 40, 2 ** 40 + 8, [64]).toArray() as number[];
    expect(big.every((v) => v >= 2 ** 40 && v < 2 ** 40 + 8)).toBe(true);
  });
  it('arange and linspace to an integer dtype refuse values past it', () => {
    expect(() => m.arange(0, 4e9, 1e9, { dtype: 'int32' })).toThrow(/arange: value 3000000000 cannot be converted to int32/);
    expect(m.arange(0, 3e9, 1e9, { dtype: 'int32' }).toArray()).toEqual([0, 1e9, 2e9]);  // torch: the same three
    expect(() => m.linspace(0, 3e9, 3, { dtype: 'int32' })).toThrow(/linspace: value 3000000000 cannot be converted to int32/);
    expect(() => m.linspace(NaN, 1, 3, { dtype: 'int64' })).toThrow(/linspace: value nan .*int64/);
  });
  it('item() and toArray() refuse int64 beyond 2^53 instead of rounding; data() has them exactly', () => {
    const t = m.tensor([2n ** 60n + 1n]);
    expect(() => t.item()).toThrow(/item: the int64 value 1152921504606846977 is beyond .* data\(\), a BigInt64Array/);
    expect(() => t.toArray()).toThrow(/toArray: the int64 value 1152921504606846977 \(flat index 0\)/);
    expect((t.data() as BigInt64Array)[0]).toBe(2n ** 60n + 1n);
    expect(m.tensor([-(2 ** 53) + 1], { dtype: 'int64' }).item()).toBe(-(2 ** 53) + 1);
    expect(m.tensor([[1, 2 ** 53 - 1]], { dtype: 'int64' }).toArray()).toEqual([[1, 2 ** 53 - 1]]);
  });
  it('clamp refuses integer bounds an integer tensor cannot hold (it wrapped: clamp(0, 3e9) on int32 gave -2^31)', () => {
    const z = m.tensor([5, -7], { dtype: 'int32' });
    expect(() => z.clamp(0, 3e9)).toThrow(/clamp: bound 3000000000 cannot be converted to int32 without overflow/);
    expect(() => z.clamp(NaN)).toThrow(/clamp: bound NaN cannot be converted to int32/);
    expect(() => z.clone().clamp_(-Infinity, 1)).toThrow(/clamp_: bound -Infinity .*int32/);
    expect(z.clamp(0, 2147483647).toArray()).toEqual([5, 0]);
    expect(z.clamp(0.5).toArray()).toEqual([5, 0.5]);  // a fractional bound computes in float32, as before
    expect(m.tensor([2 ** 40], { dtype: 'int64' }).clamp(0, 2 ** 41).toArray()).toEqual([2 ** 40]);
  });
  it('clamp with a NaN bound gives NaN everywhere, as torch (natively NaN meant "no bound")', () => {
    const x = m.tensor([1, -2, Infinity], { dtype: 'float32' });
    expect(x.clamp(NaN).toArray()).toEqual([NaN, NaN, NaN]);
    expect(x.clamp(0, NaN).toArray()).toEqual([NaN, NaN, NaN]);
    expect(x.clone().clamp_(NaN, 1).toArray()).toEqual([NaN, NaN, NaN]);
    expect(x.clamp(0).toArray()).toEqual([1, 0, Infinity]);
    expect(x.clamp(null, 0).toArray()).toEqual([0, -2, 0]);
  });
  it('where refuses a JS integer past the integer tensor it meets (it wrapped: 3e9 became -1294967296)', () => {
    const c = m.tensor([true, false]), z = m.zeros([2], { dtype: 'int32' });
    expect(() => z.where(c, 3e9)).toThrow(/where: value 3000000000 cannot be converted to int32 without overflow/);
    expect(() => m.where(c, 3e9, z)).toThrow(/where: value 3000000000 cannot be converted to int32/);
    expect(m.where(c, z, 2.5).toArray()).toEqual([0, 2.5]);  // a fraction promotes to float32, as torch
    expect(m.where(c, 7, z).toArray()).toEqual([7, 0]);
  });
  it('float -> int casts saturate and NaN gives 0 (defined, where C++ and torch leave it undefined)', () => {
    const x = m.tensor([1e10, -1e10, NaN, 3.7, -3.7, Infinity], { dtype: 'float32' });
    expect(x.to('int32').toArray()).toEqual([2147483647, -2147483648, 0, 3, -3, 2147483647]);
    const y = Array.from(m.tensor([1e30, -1e30, NaN, 2 ** 62], { dtype: 'float64' }).to('int64').data() as BigInt64Array);
    expect(y).toEqual([2n ** 63n - 1n, -(2n ** 63n), 0n, 2n ** 62n]);
    const dst = m.zeros([2], { dtype: 'int32' });
    dst.copy_(m.tensor([5e9, -0.5], { dtype: 'float64' }));
    expect(dst.toArray()).toEqual([2147483647, 0]);
  });
});

describe('smaller silent results (item 7)', () => {
  it('conv2d, conv1d, convTranspose2d and linear refuse a numeric bias (torch: TypeError), not drop or broadcast it', () => {
    const x = m.ones(1, 1, 3, 3), w = m.ones(1, 1, 1, 1);
    expect(() => F.conv2d(x, w, 0.5 as unknown as m.Tensor)).toThrow(/conv2d: bias must be a Tensor or null, got 0.5/);
    expect(() => F.conv1d(m.ones(1, 1, 3), m.ones(1, 1, 1), 2 as unknown as m.Tensor)).toThrow(/conv1d: bias must be a Tensor or null, got 2/);
    expect(() => F.convTranspose2d(x, w, 1 as unknown as m.Tensor)).toThrow(/convTranspose2d: bias must be a Tensor or null, got 1/);
    expect(() => F.linear(m.ones(2, 3), m.ones(4, 3), 1 as unknown as m.Tensor)).toThrow(/linear: bias must be a Tensor or null, got 1/);
    expect(() => F.layerNorm(m.ones(2, 3), [3], 2 as unknown as m.Tensor)).toThrow(/layerNorm: weight must be a Tensor or null/);
    expect(F.conv2d(x, w, m.tensor([0.5])).toArray()).toEqual([[[[1.5, 1.5, 1.5], [1.5, 1.5, 1.5], [1.5, 1.5, 1.5]]]]);
  });
  it('conv layers refuse negative, fractional and NaN geometry at construction, naming the layer', () => {
    expect(() => new nn.Conv2d(-1, 2, 3)).toThrow(/Conv2d: in_channels must be non-negative integers, got \(-1,\)/);
    expect(() => new nn.Conv2d(1, 2, 0)).toThrow(/Conv2d: kernel_size must be positive integers, got \(0, 0\)/);
    expect(() => new nn.Conv2d(1, 2, 3, { stride: [1, NaN] })).toThrow(/Conv2d: stride must be positive integers, got \(1, NaN\)/);
    expect(() => new nn.Conv2d(1, 2, 3, { padding: -1 })).toThrow(/Conv2d: padding must be non-negative integers, got \(-1, -1\)/);
    expect(() => new nn.Conv2d(1, 2, 3, { padding: 'x' as 'same' })).toThrow(/Conv2d: invalid padding string 'x'/);
    expect(() => new nn.Conv2d(1, 2, 3, { padding: 'same', stride: 2 })).toThrow(/padding='same' is not supported for strided convolutions/);
    expect(() => new nn.Conv1d(1, 2, 3, { dilation: 0.5 })).toThrow(/Conv1d: dilation must be positive integers, got \(0.5,\)/);
    expect(() => new nn.ConvTranspose2d(1, 2, 3, { outputPadding: -1 })).toThrow(/ConvTranspose2d: output_padding must be non-negative integers/);
    expect(() => m.zeros(2, -1)).toThrow(/zeros: size must be an array of non-negative integers, got \[2, -1\]/);
    expect(new nn.Conv2d(1, 2, 3, { padding: 'same' }).forward(m.ones(1, 1, 5, 5)).shape).toEqual([1, 2, 5, 5]);
  });
  it('cross entropy and nll refuse a class-weight vector of the wrong length', () => {
    const logits = m.zeros(2, 3), y = m.tensor([0n, 1n]);
    expect(() => F.crossEntropy(logits, y, { weight: m.ones(2) }))
      .toThrow(/crossEntropy: weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape \[2\]/);
    expect(() => F.crossEntropy(logits, m.full([2, 3], 1 / 3), { weight: m.ones(4) })).toThrow(/crossEntropy: weight tensor .*all 3 classes/);
    expect(() => F.nllLoss(logits, y, { weight: m.ones(1) })).toThrow(/nllLoss: weight tensor .*all 3 classes/);
    expect(() => new nn.CrossEntropyLoss({ weight: m.ones(3, 1) }).forward(logits, y)).toThrow(/shape \[3, 1\]/);
    expect(F.crossEntropy(logits, y, { weight: m.tensor([1, 2, 3], { dtype: 'float32' }) }).item()).toBeCloseTo(Math.log(3), 6);
  });
  it('stack refuses a dim out of range instead of wrapping', () => {
    const a = m.zeros(2, 2);
    expect(() => m.stack([a, a], -4)).toThrow(/stack: dimension out of range \(expected to be in range of \[-3, 2\], but got -4\)/);
    expect(() => m.stack([a, a], 3)).toThrow(/but got 3/);
    expect(m.stack([a, a], -3).shape).toEqual([2, 2, 2]);
    expect(m.stack([m.tensor([1, 2]), m.tensor([3, 4])], -1).toArray()).toEqual([[1, 3], [2, 4]]);
  });
  it('backward(gradient) of another dtype leaves .grad in the leaf dtype (torch casts the gradient)', () => {
    for (const g of [m.tensor([1, 2], { dtype: 'float64' }), m.tensor([1, 2])]) {
      const x = m.zeros([2], { requiresGrad: true });
      x.mul(3).backward(g);
      expect(x.grad!.dtype).toBe('float32');
      expect(x.grad!.toArray()).toEqual([3, 6]);
    }
    // and a float64 operand's product rule does not turn a float32 leaf's grad float64
    const x = m.ones([2], { requiresGrad: true });
    x.mul(m.tensor([1, 2], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([1, 2]);
  });
  it('a gradient hook may not change the size or dtype of the gradient (torch refuses both)', () => {
    const x = m.ones([2], { requiresGrad: true });
    x.registerHook(function shrink() { return m.ones(1); });
    expect(() => x.mul(2).sum().backward()).toThrow(/backward: hook 'shrink' has changed the size of value \(was \[2\], got \[1\]\)/);
    const y = m.ones([2], { requiresGrad: true });
    y.registerHook(() => m.ones([2], { dtype: 'float64' }));
    expect(() => y.mul(2).sum().backward()).toThrow(/has changed the type of value \(was float32, got float64\)/);
    const z = m.ones([2], { requiresGrad: true });
    z.registerHook((g) => g.mul(10));
    z.mul(2).sum().backward();
    expect(z.grad!.toArray()).toEqual([20, 20]);
    expect(() => m.zeros(2).pad([1, 1], { value: 'x' as unknown as number })).toThrow(/pad: value must be a number or a boolean/);
  });
  it('every optimizer hyperparameter is validated as torch does, and NaN/Infinity too', () => {
    const p = () => [m.zeros([1], { requiresGrad: true })];
    expect(() => new optim.Adagrad(p(), { initialAccumulatorValue: -1 })).toThrow(/Adagrad: invalid initial_accumulator_value value: -1/);
    expect(() => new optim.Adagrad(p(), { lrDecay: -1 })).toThrow(/Adagrad: invalid lr_decay value: -1/);
    expect(() => new optim.RMSprop(p(), { alpha: -1 })).toThrow(/RMSprop: invalid alpha value: -1/);
    expect(() => new optim.RMSprop(p(), { momentum: -1 })).toThrow(/RMSprop: invalid momentum value: -1/);
    expect(() => new optim.SGD(p(), { momentum: -1 })).toThrow(/SGD: invalid momentum value: -1/);
    expect(() => new optim.SGD(p(), { lr: NaN })).toThrow(/SGD: invalid learning rate: NaN/);
    expect(() => new optim.Adam(p(), { lr: Infinity })).toThrow(/Adam: invalid learning rate: Infinity/);
    expect(() => new optim.Adam(p(), { betas: [0.9, 1] })).toThrow(/Adam: invalid beta parameter at index 1: 1/);
    expect(() => new optim.AdamW(p(), { eps: NaN })).toThrow(/AdamW: invalid epsilon value: NaN/);
    expect(() => new optim.SGD(p(), { weightDecay: -0.1 })).toThrow(/SGD: invalid weightDecay value: -0.1/);
    const opt = new optim.SGD(p(), { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: p(), lr: -1 })).toThrow(/invalid learning rate: -1/);
    expect(opt.paramGroups.length).toBe(1);
  });
  it('optimizers refuse what torch refuses: non-tensors, non-leaves, a parameter in two groups (updated twice per step)', () => {
    const w = m.zeros([1], { requiresGrad: true });
    expect(() => new optim.SGD([{ params: [w] }, { params: [w] }])).toThrow(/SGD: some parameters appear in more than one parameter group/);
    expect(() => new optim.Adam([w, w])).toThrow(/Adam: some parameters appear in more than one parameter group/);
    expect(() => new optim.SGD([1 as unknown as m.Tensor])).toThrow(/SGD: optimizer can only optimize Tensors, but one of the params is number/);
    expect(() => new optim.SGD([w.mul(2)])).toThrow(/SGD: can't optimize a non-leaf Tensor/);
    const opt = new optim.SGD([w], { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: [w] })).toThrow(/more than one parameter group/);
    expect(opt.paramGroups.length).toBe(1);
  });
  it('tensor() refuses an unknown dtype by name; cross entropy an ignoreIndex that is not an integer', () => {
    expect(() => m.tensor([1], { dtype: 'int16' as m.DType })).toThrow(/tensor: dtype must be one of 'float32', .*, got "int16"/);
    expect(() => F.crossEntropy(m.zeros(2, 3), m.tensor([0n, 1n]), { ignoreIndex: 0.5 })).toThrow(/crossEntropy: ignoreIndex must be an integer, got 0.5/);
    expect(() => F.conv2d(m.ones(1, 1, 3, 3), m.ones(1, 1, 1, 1), null, { stride: NaN })).toThrow(/conv2d: stride must be an integer or a pair of integers, got NaN/);
  });
  it('every scheduler option is validated (tMax 0 once gave NaN lrs)', () => {
    const opt = () => new optim.SGD([m.zeros([1], { requiresGrad: true })], { lr: 1 });
    expect(() => new optim.CosineAnnealingLR(opt(), { tMax: 0 })).toThrow(/CosineAnnealingLR: tMax must be a positive integer, got 0/);
    expect(() => new optim.StepLR(opt(), { stepSize: 0 })).toThrow(/StepLR: stepSize must be a positive integer, got 0/);
    expect(() => new optim.ExponentialLR(opt(), { gamma: NaN })).toThrow(/ExponentialLR: gamma must be a finite number, got NaN/);
    expect(() => new optim.LinearLR(opt(), { endFactor: 2 })).toThrow(/LinearLR: endFactor expected to be between 0 and 1, got 2/);
    expect(() => new optim.OneCycleLR(opt(), { maxLr: 1, totalSteps: 0 })).toThrow(/OneCycleLR: totalSteps must be a positive integer, got 0/);
    expect(() => new optim.OneCycleLR(opt(), { maxLr: 1, totalSteps: 10, pctStart: 2 })).toThrow(/pctStart, got 2/);
    const o1 = opt();
    expect(() => new optim.OneCycleLR(o1, { maxLr: 5, totalSteps: 10, pctStart: 0.1 })).toThrow(/phase 1 of the schedule has zero length/);
    expect(o1.paramGroups[0].lr).toBe(1);  // refused before the groups were touched
    expect(o1.paramGroups[0].maxLr).toBeUndefined();
    expect(() => new optim.OneCycleLR(opt(), { maxLr: 1, totalSteps: 10, annealStrategy: 'x' as 'cos' })).toThrow(/annealStrategy must be one of 'cos', 'linear'/);
    expect(() => new optim.ReduceLROnPlateau(opt(), { mode: 'x' as 'min' })).toThrow(/ReduceLROnPlateau: mode must be one of 'min', 'max'/);
    expect(() => new optim.ReduceLROnPlateau(opt(), { factor: -1 })).toThrow(/factor should be >= 0 and < 1.0, got -1/);
    expect(() => new optim.ReduceLROnPlateau(opt(), { minLr: [0, 0] })).toThrow(/expected 1 min_lrs, got 2/);
    const o = opt();
    expect(() => new optim.SequentialLR(o, { schedulers: [new optim.StepLR(o, { stepSize: 2 })], milestones: [3] }))
      .toThrow(/SequentialLR: expects number of schedulers provided to be one more than the number of milestone points/);
    expect(() => new optim.EarlyStopping({ patience: -1 })).toThrow(/EarlyStopping: patience must be a non-negative integer, got -1/);
    // a refused step (past OneCycleLR's end) counts no epoch and leaves the lr
    const o3 = opt();
    const one = new optim.OneCycleLR(o3, { maxLr: 1, totalSteps: 4, pctStart: 0.5 });
    for (let i = 0; i < 4; i++) one.step();
    const lr = o3.paramGroups[0].lr;
    expect(() => one.step()).toThrow(/OneCycleLR: tried to step 5 times; the total number of steps is 4/);
    expect(() => one.step()).toThrow(/tried to step 5 times/);
    expect(one.lastEpoch).toBe(4);
    expect(o3.paramGroups[0].lr).toBe(lr);
    // in range, the cosine schedule is torch's: 1, 0.5, 0 over tMax 2
    const o2 = opt();
    const s = new optim.CosineAnnealingLR(o2, { tMax: 2 });
    const lrs = [0, 1, 2].map(() => { const lr = s.getLastLr()[0]; s.step(); return lr; });
    expect(lrs[0]).toBe(1);
    expect(lrs[1]).toBeCloseTo(0.5, 12);
    expect(lrs[2]).toBeCloseTo(0, 12);
  });
  it('binary cross entropy refuses NaN inputs (torch: "all elements of input should be between 0 and 1")', () => {
    expect(() => F.binaryCrossEntropy(m.tensor([NaN, 0.5]), m.tensor([0, 1], { dtype: 'float32' })))
      .toThrow(/binaryCrossEntropy: all elements of input should be between 0 and 1/);
    expect(() => F.binaryCrossEntropy(m.tensor([1.5]), m.tensor([1.0]))).toThrow(/between 0 and 1/);
    expect(F.binaryCrossEntropy(m.tensor([0.5]), m.tensor([1.0])).item()).toBeCloseTo(Math.LN2, 6);
  });
  it('full and fill_ refuse a non-number fill value instead of filling NaN', () => {
    expect(() => m.full([2], 'x' as unknown as number)).toThrow(/full: fill value must be a number or a boolean, got the string 'x'/);
    expect(() => m.zeros(2).fill_('1' as unknown as number)).toThrow(/fill_: value must be a number or a boolean, got the string '1'/);
    expect(() => m.zeros(2).maskedFill(m.tensor([true, false]), null as unknown as number)).toThrow(/masked_fill: value must be a number or a boolean, got null/);
  });
  it('an unknown loss reduction throws instead of being taken as mean', () => {
    const a = m.zeros(2), b = m.ones(2);
    for (const [name, f] of [
      ['mseLoss', () => F.mseLoss(a, b, { reduction: 'avg' as 'mean' })],
      ['l1Loss', () => F.l1Loss(a, b, { reduction: 'avg' as 'mean' })],
      ['huberLoss', () => F.huberLoss(a, b, { reduction: 'avg' as 'mean' })],
      ['smoothL1Loss', () => F.smoothL1Loss(a, b, { reduction: 'avg' as 'mean' })],
      ['binaryCrossEntropy', () => F.binaryCrossEntropy(a, b, { reduction: 'avg' as 'mean' })],
      ['binaryCrossEntropyWithLogits', () => F.binaryCrossEntropyWithLogits(a, b, { reduction: 'avg' as 'mean' })],
      ['crossEntropy', () => F.crossEntropy(m.zeros(2, 3), m.tensor([0n, 1n]), { reduction: 'avg' as 'mean' })],
      ['nllLoss', () => F.nllLoss(m.zeros(2, 3), m.tensor([0n, 1n]), { reduction: 'avg' as 'mean' })],
      ['klDiv', () => F.klDiv(a, b, { reduction: 'avg' as 'mean' })],
    ] as [string, () => unknown][])
      expect(f, name).toThrow(new RegExp(`${name}: 'avg' is not a valid value for reduction`));
    expect(F.klDiv(m.zeros(2, 2), m.full([2, 2], 0.5), { reduction: 'batchmean' }).item()).toBeCloseTo(Math.log(0.5), 6);  // torch: -0.6931
    expect(() => F.huberLoss(a, b, { delta: 0 })).toThrow(/huberLoss: delta must be positive, got 0/);
  });
  it('myelin train xor --lr Infinity exits non-zero; a diverging run stops with a named error', async () => {
    const out: string[] = [], stderr: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => { stderr.push(s); return true; }) as typeof process.stderr.write;
    let codes: number[];
    try {
      codes = [
        await main(['node', 'myelin', 'train', 'xor', '--lr', 'Infinity'], (s) => out.push(s)),
        await main(['node', 'myelin', 'train', 'xor', '--seed', 'abc'], (s) => out.push(s)),
        await main(['node', 'myelin', 'train', 'xor', '--lr', '1e308', '--epochs', '50'], (s) => out.push(s)),
      ];
    } finally { process.stderr.write = orig; }
    expect(codes).toEqual([2, 2, 1]);  // bad options are usage errors (2); a diverged run is a runtime error (1)
    expect(stderr.join('')).toMatch(/must be a positive finite number, got 'Infinity'/);
    expect(stderr.join('')).toMatch(/seed must be a non-negative integer, got 'abc'/);
    expect(out.join('\n')).toMatch(/myelin: trainXor: the loss is NaN at epoch \d+; training diverged/);
  });
  it('fit stops on a non-finite loss before the step reaches the weights', () => {
    const model = new nn.Linear(2, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const before = model.weight.clone();
    const batches = [[m.tensor([[NaN, 1]]), m.tensor([[1]], { dtype: 'float32' })]] as [m.Tensor, m.Tensor][];
    expect(() => m.train.fit(model, batches, { epochs: 1, optimizer: opt, lossFn: (o, y) => F.mseLoss(o, y), progress: { start() {}, update() {}, stop() {} } }))
      .toThrow(/fit: the loss is NaN at epoch 1, batch 1; training diverged/);
    expect(model.weight.toArray()).toEqual(before.toArray());
  });
  it('fit stops its progress bar when a batch throws (a terminal bar hid the cursor for good)', () => {
    const calls: string[] = [];
    const progress = { start() { calls.push('start'); }, update() { calls.push('update'); }, stop(line: string) { calls.push(`stop: ${line}`); } };
    const model = new nn.Linear(2, 1);
    const batches = [[m.ones(1, 2), m.ones(1, 1)], [m.ones(1, 3), m.ones(1, 1)]] as [m.Tensor, m.Tensor][];
    expect(() => m.train.fit(model, batches, { epochs: 2, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), lossFn: (o, y) => F.mseLoss(o, y), progress }))
      .toThrow(/linear: input \[1, 3\] has 3 features/);
    expect(calls).toEqual(['start', 'update', 'stop: epoch 1/2: stopped at batch 2 by an error']);
  });
});

describe('state on error paths (item 9)', () => {
  it('evaluate restores training mode when the loss throws', () => {
    const model = new nn.Linear(2, 1);
    model.train();
    const batches = [[m.ones(1, 2), m.ones(1, 1)]] as [m.Tensor, m.Tensor][];
    expect(() => m.train.evaluate(model, batches, () => { throw new Error('loss failed'); })).toThrow(/loss failed/);
    expect(model.training).toBe(true);
    model.eval();
    m.train.evaluate(model, batches, (o, y) => F.mseLoss(o, y));
    expect(model.training).toBe(false);
  });
  it('a refused Adam, Adagrad, RMSprop or SGD step changes no state: the next steps match a run without it', () => {
    const run = (make: (ps: m.Tensor[]) => optim.Optimizer, fail: boolean): number[] => {
      const w = m.tensor([0.5, -1.5], { dtype: 'float32', requiresGrad: true });
      const opt = make([w]);
      if (fail) {
        w.grad = m.tensor([1, 1], { dtype: 'float64' });  // a gradient of another dtype: refused
        expect(() => opt.step()).toThrow(/the gradient of parameter 0 in group 0 is float64 \[2\], the parameter float32 \[2\]/);
        w.grad = m.tensor([1, 2, 3], { dtype: 'float32' });  // of another shape: refused
        expect(() => opt.step()).toThrow(/is float32 \[3\], the parameter float32 \[2\]/);
        const g = opt.paramGroups[0], lr = g.lr;
        g.lr = NaN;  // set after construction: refused at the step, before anything moves
        expect(() => opt.step()).toThrow(/invalid learning rate: NaN/);
        g.lr = lr;
      }
      for (const gv of [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.05]]) {
        w.grad = m.tensor(gv, { dtype: 'float32' });
        opt.step();
      }
      return Array.from(w.data() as Float32Array);
    };
    const makers: [string, (ps: m.Tensor[]) => optim.Optimizer][] = [
      ['Adam', (ps) => new optim.Adam(ps, { lr: 0.1 })],
      ['AdamW amsgrad', (ps) => new optim.AdamW(ps, { lr: 0.1, amsgrad: true })],
      ['Adagrad', (ps) => new optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.5 })],
      ['RMSprop', (ps) => new optim.RMSprop(ps, { lr: 0.1, momentum: 0.9, centered: true })],
      ['SGD momentum', (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.5 })],
    ];
    for (const [name, make] of makers) {
      const clean = run(make, false), failed = run(make, true);
      expect(failed, name).toEqual(clean);
    }
    // and the runs with refused steps are torch's (torch.optim.*, lr 0.1, the same three gradients)
    const ref: [(ps: m.Tensor[]) => optim.Optimizer, number[]][] = [
      [makers[0][1], [0.32431331276893616, -1.4718369245529175]],
      [makers[2][1], [0.3790121078491211, -1.465183973312378]],
      [makers[4][1], [0.469400018453598, -1.486299991607666]],
    ];
    for (const [make, want] of ref) run(make, true).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });
  it('a refused first SGD step does not leave a zero momentum buffer behind', () => {
    const w = m.tensor([1, 1], { dtype: 'float32', requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 1, momentum: 0.9, dampening: 0.5 });
    w.grad = m.tensor([1, 1], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(/float64/);
    expect(opt.state.get(w)?.momentumBuffer).toBeUndefined();
    w.grad = m.tensor([1, 1], { dtype: 'float32' });
    opt.step();  // torch's first step: buf = grad (no dampening), w -= lr * buf
    expect(w.toArray()).toEqual([0, 0]);
  });
  it('a refused in-place op leaves the version alone, so backward through the tensor still works', () => {
    const w = m.tensor([0.5, -1], { dtype: 'float32', requiresGrad: true });
    const h = w.mul(2).sigmoid();  // sigmoid saves its output for backward
    expect(() => h.add_(m.zeros(3))).toThrow(/add/);
    expect(() => h.fill_(1e39)).toThrow(/fill_: value 1e\+39/);
    const x = m.zeros([2], { dtype: 'int32' });
    const v = x._version;
    expect(() => x.fill_(3e9)).toThrow(/int32/);
    expect(() => x.mul_(0.5)).toThrow(/mul/);  // float result into an int32 tensor
    expect(x._version).toBe(v);
    h.sum().backward();  // threw "modified by an inplace operation" when the refused ops bumped the version
    const s = [1, -2].map((z) => 1 / (1 + Math.exp(-z)));
    (w.grad!.toArray() as number[]).forEach((g, i) => expect(g).toBeCloseTo(2 * s[i] * (1 - s[i]), 6));
  });
  it('size(dim) refuses a non-integer dim; embedding takes a negative paddingIdx from the end (torch) and refuses one out of range', () => {
    expect(() => m.zeros(2, 3).size(NaN)).toThrow(/size: dim NaN out of range for a 2-d tensor/);
    expect(() => m.zeros(2, 3).size(0.5)).toThrow(/size: dim 0.5/);
    const w = m.ones([4, 2], { requiresGrad: true });
    F.embedding(m.tensor([0n, 3n]), w, -1).sum().backward();
    expect(w.grad!.toArray()).toEqual([[1, 1], [0, 0], [0, 0], [0, 0]]);  // torch: row 3 (the padding row) gets no gradient
    expect(() => F.embedding(m.tensor([0n]), w, 4)).toThrow(/embedding: paddingIdx must be within num_embeddings \(4\), got 4/);
  });
  it('a refused batch-norm batch is not counted in numBatchesTracked (the cumulative average stays right)', () => {
    const count = m.tensor(0n);  // num_batches_tracked is int64
    const x = m.ones(2, 3, 2, 2);
    expect(() => F.batchNorm(x, m.zeros(4), m.ones(4), null, null, true, null, 1e-5, count)).toThrow();  // running stats of 4 for 3 channels
    expect(count.item()).toBe(0);
    const bn = new nn.BatchNorm2d(3, { momentum: null });
    bn.forward(m.arange(0, 24, 1, { dtype: 'float32' }).reshape(2, 3, 2, 2));
    expect(bn.numBatchesTracked!.item()).toBe(1);
    // momentum null: the first batch's statistics replace the initial ones (torch: running_mean [7.5, 11.5, 15.5])
    expect(bn.runningMean!.toArray()).toEqual([7.5, 11.5, 15.5]);
  });
  it('loadStateDict checks every group before loading any', () => {
    const a = m.zeros([1], { requiresGrad: true }), b = m.zeros([1], { requiresGrad: true }), c = m.zeros([1], { requiresGrad: true });
    const opt = new optim.SGD([{ params: [a], lr: 0.1 }, { params: [b], lr: 0.2 }], { lr: 0.1 });
    const sd = opt.stateDict();
    sd.paramGroups[0].lr = 0.5;
    sd.paramGroups[1].params = [1, 2];
    expect(() => opt.loadStateDict(sd)).toThrow(/doesn't match the size/);
    expect(opt.paramGroups[0].lr).toBe(0.1);
    sd.paramGroups[1].params = [1];
    sd.paramGroups[1].lr = -1;
    expect(() => opt.loadStateDict(sd)).toThrow(/invalid learning rate: -1/);
    expect(opt.paramGroups[0].lr).toBe(0.1);
    void c;
  });
});
