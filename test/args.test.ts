// The shared argument checkers (ts/args.ts) and their use by Tensor methods, creation and the
// top-level functions: a wrong argument is an Error naming the op, the argument and the value,
// never V8's "Cannot read properties of undefined (reading '_h')" nor a silent coercion.
// The fault-injection suite (test/fault/) sweeps every function with every class of bad input;
// these pin the messages and the valid edges next to them.
import { describe, it, expect } from 'vitest';
import * as m from '../ts/index';
import { showValue, intArg, numberArg, tensorArg, choiceArg, dtypeArg, shapeArg, optionsArg } from '../ts/args';

const bad = <T>(v: unknown): T => v as T;

describe('showValue and the checkers', () => {
  it('shows every JS value an error may meet, symbols, bigints and functions included', () => {
    expect(showValue('1')).toBe('"1"');
    expect(showValue(Symbol('s'))).toBe('symbol');
    expect(showValue(2n)).toBe('2n');
    expect(showValue(() => 1)).toBe('function');
    expect(showValue(NaN)).toBe('NaN');
    expect(showValue(-Infinity)).toBe('-Infinity');
    expect(showValue(null)).toBe('null');
    expect(showValue(undefined)).toBe('undefined');
    expect(showValue({})).toBe('an object');
    expect(showValue([1, '2', [3n]])).toBe('[1, "2", [3n]]');
    expect(showValue(Array.from({ length: 20 }, (_, i) => i))).toBe('[0, 1, 2, 3, 4, 5, 6, 7, ...]');
    const t = m.zeros(1);
    expect(showValue(t)).toBe('a tensor');
    t.dispose();
    expect(showValue(t)).toBe('a disposed tensor');
  });
  it('throw "op: what must be ..., got value" and return the value when it is good', () => {
    expect(intArg('f', 'n', 3)).toBe(3);
    expect(() => intArg('f', 'n', 2n)).toThrow(/^f: n must be an integer >= 0, got 2n$/);
    expect(() => intArg('f', 'dim', 1.5, -Infinity)).toThrow(/^f: dim must be an integer, got 1.5$/);
    expect(numberArg('f', 'eps', 0, 0)).toBe(0);
    expect(() => numberArg('f', 'eps', '1')).toThrow(/^f: eps must be a finite number, got "1"$/);
    expect(() => tensorArg('f', 'input', Symbol('x'))).toThrow(/^f: input must be a Tensor, got symbol$/);
    expect(choiceArg('f', 'mode', 'a', ['a', 'b'])).toBe('a');
    expect(() => choiceArg('f', 'mode', 'A', ['a', 'b'])).toThrow(/^f: mode must be one of 'a', 'b', got "A"$/);
    expect(dtypeArg('f', 'int32')).toBe('int32');
    expect(() => dtypeArg('f', 7)).toThrow(/^f: dtype must be one of 'float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64', 'bool', got 7$/);
    expect(shapeArg('f', [0, 2])).toEqual([0, 2]);
    expect(() => shapeArg('f', [2, -1])).toThrow(/^f: size must be an array of non-negative integers, got \[2, -1\]$/);
    expect(optionsArg('f', undefined)).toEqual({});
    expect(() => optionsArg('f', bad<object>('1'))).toThrow(/^f: options must be an object, got "1"$/);
  });
});

describe('Tensor methods name a bad tensor operand (issue 14 fault sweep, root cause 1)', () => {
  const x = () => m.ones([2, 3]);
  it.each([
    ['matmul', () => x().matmul(bad(undefined)), /^matmul: other must be a Tensor, got undefined$/],
    ['mm', () => x().mm(bad(null)), /^mm: other must be a Tensor, got null$/],
    ['dot', () => m.ones(3).dot(bad([1, 2, 3])), /^dot: other must be a Tensor, got \[1, 2, 3\]$/],
    ['gather', () => x().gather(1, bad(undefined)), /^gather: index must be a Tensor, got undefined$/],
    ['indexSelect', () => x().indexSelect(0, bad(null)), /^index_select: index must be a Tensor, got null$/],
    ['indexAdd', () => x().indexAdd(1, m.tensor([0]), bad('s')), /^index_add: source must be a Tensor, got "s"$/],
    ['scatterAdd', () => x().scatterAdd(1, bad(2), x()), /^scatter_add: index must be a Tensor, got 2$/],
    ['where', () => x().where(bad(undefined), 0), /^where: condition must be a Tensor, got undefined$/],
    ['maskedFill', () => x().maskedFill(bad({}), 1), /^masked_fill: mask must be a Tensor, got an object$/],
    ['copy_', () => x().copy_(bad(undefined)), /^copy_: src must be a Tensor, got undefined$/],
    ['add', () => x().add(bad('1')), /^add: other must be a Tensor or a number, got "1"$/],
    ['mul_', () => x().mul_(bad(Symbol('s'))), /^mul_: other must be a Tensor or a number, got symbol$/],
    ['expandAs', () => m.ones(3).expandAs(bad(undefined)), /^expand_as: other must be a Tensor, got undefined$/],
  ])('%s', (_name, call, msg) => {
    expect(call).toThrow(msg);
  });
  it('the numbers and booleans they take still compute (weakly typed scalars)', () => {
    expect(m.tensor([1, 2]).add(true).toArray()).toEqual([2, 3]);
    expect(m.tensor([1.5, 2]).mul(2).toArray()).toEqual([3, 4]);
  });
});

describe('Tensor methods refuse coerced values (root causes 3 and 4)', () => {
  it('fill_, size, add alpha, split, chunk, unflatten, pad, clamp', () => {
    expect(() => m.zeros(2).fill_(bad('1'))).toThrow(/^fill_: value must be a number or a boolean, got the string '1'$/);
    expect(() => m.zeros(2).fill_(bad(Symbol()))).toThrow(/^fill_: value must be a number or a boolean, got symbol$/);
    expect(() => m.ones([2, 3]).size(bad('1'))).toThrow(/^size: dim must be an integer, got "1"$/);
    expect(m.ones([2, 3]).size(-1)).toBe(3);
    expect(() => m.ones(2).add(bad('1'), { alpha: 2 })).toThrow(/^add: other must be a Tensor or a number, got "1"$/);
    expect(() => m.ones(2).sub(1, { alpha: bad('2') })).toThrow(/^sub: alpha must be a number, got "2"$/);
    expect(m.ones(2).add(1, { alpha: 3 }).toArray()).toEqual([4, 4]);
    expect(() => m.ones([2, 3]).split(2, 1.5)).toThrow(/^split: dim must be an integer, got 1.5$/);
    expect(() => m.ones([2, 3]).split(bad(Symbol('s')), 1)).toThrow(/^split: split_size must be an integer >= 1, got symbol$/);
    expect(() => m.ones([2, 3]).split([1, 1.5], 1)).toThrow(/^split: split_sizes must be an integer >= 0, got 1.5$/);
    expect(() => m.ones([2, 3]).chunk(2, bad(2n))).toThrow(/^chunk: dim must be an integer, got 2n$/);
    expect(m.ones([2, 3]).split(2, 1).map((t) => t.shape)).toEqual([[2, 2], [2, 1]]);
    expect(() => m.ones([2, 3]).unflatten(1, bad(undefined))).toThrow(/^unflatten: sizes must be an array of integers, got undefined$/);
    expect(() => m.ones([2, 3]).pad(bad(null))).toThrow(/^pad: pad must be an array of integers, got null$/);
    expect(() => m.ones([2, 3]).pad([1, 1], { mode: bad('circular') })).toThrow(/^pad: mode must be one of 'constant', 'reflect', got "circular"$/);
    expect(() => m.ones(2).clamp(bad('1'))).toThrow(/^clamp: min must be a number or null, got "1"$/);
    expect(() => m.ones(2).clamp_(null, null)).toThrow(/^clamp_: at least one of 'min' or 'max' must not be null$/);
    expect(m.tensor([-2, 0.25, 2]).clamp_(null, 0.5).toArray()).toEqual([-2, 0.25, 0.5]);
    expect(() => m.ones(2).registerHook(bad('f'))).toThrow(/^register_hook: hook must be a function, got "f"$/);
  });
  it("gelu's approximate is 'none' or 'tanh' (root cause 5), with torch's values", () => {
    expect(() => m.ones(2).gelu({ approximate: bad('bogus') })).toThrow(/^gelu: approximate must be one of 'none', 'tanh', got "bogus"$/);
    // torch.nn.functional.gelu(torch.tensor([1.0]), approximate='none' / 'tanh')
    expect(m.tensor([1]).float().gelu({ approximate: 'none' }).item()).toBeCloseTo(0.8413447, 6);
    expect(m.tensor([1]).float().gelu({ approximate: 'tanh' }).item()).toBeCloseTo(0.8411920, 6);
  });
});

describe('an options argument that is no object is refused, not ignored', () => {
  const x = () => m.tensor([[1, 2], [3, 4]]).float();
  it("sum(1, true), gelu('tanh'), add(y, 2), sort('desc') are positional mistakes", () => {
    expect(() => x().sum(1, bad(true))).toThrow(/^sum: options must be an object, got true$/);
    expect(() => x().max(1, bad(true))).toThrow(/^max: options must be an object, got true$/);
    expect(() => x().var(null, bad(0))).toThrow(/^var: options must be an object, got 0$/);
    expect(() => x().gelu(bad('tanh'))).toThrow(/^gelu: options must be an object, got "tanh"$/);
    expect(() => x().add(1, bad(2))).toThrow(/^add: options must be an object, got 2$/);
    expect(() => x().sort(bad('desc'))).toThrow(/^sort: options must be an object, got "desc"$/);
    expect(() => x().pad([1, 1], bad('reflect'))).toThrow(/^pad: options must be an object, got "reflect"$/);
  });
  it('undefined and null options are the defaults', () => {
    expect(x().sum(1, { keepdim: true }).toArray()).toEqual([[3], [7]]);
    expect(x().sum(1, bad(null)).toArray()).toEqual([3, 7]);
    expect(x().add(1, undefined).toArray()).toEqual([[2, 3], [4, 5]]);
  });
});

describe('creation names the function (root cause 2)', () => {
  it('refuses a bad size, options or dtype', () => {
    expect(() => m.zeros(bad({}))).toThrow(/^zeros: size must be an array of non-negative integers, got \[an object\]$/);
    expect(() => m.zeros(bad('1'))).toThrow(/^zeros: size must be an array of non-negative integers, got \["1"\]$/);
    expect(() => m.ones(bad(null))).toThrow(/^ones: size must be an array of non-negative integers, got \[null\]$/);
    expect(() => m.rand(bad(Symbol('s')))).toThrow(/^rand: size must be .*, got \[symbol\]$/);
    expect(() => m.empty(bad(undefined), 1)).toThrow(/^empty: size must be an array of non-negative integers, got \[undefined, 1\]$/);
    expect(() => m.full(bad({}), 1)).toThrow(/^full: size must be an array of non-negative integers, got an object$/);
    expect(() => m.randint(0, 3, bad(null))).toThrow(/^randint: size must be an array of non-negative integers, got null$/);
    expect(() => m.zeros(2, { dtype: bad('') })).toThrow(/^zeros: dtype must be one of .*, got ""$/);
    expect(() => m.zeros(2, bad('float64'))).toThrow(/^zeros: size must be an array of non-negative integers, got \[2, "float64"\]$/);
    expect(() => m.arange(3, undefined, 1, bad(5))).toThrow(/^arange: options must be an object, got 5$/);
    expect(() => m.tensor([1, 2], { dtype: bad(2n) })).toThrow(/^tensor: dtype must be one of .*, got 2n$/);
    expect(() => m.scalarTensor(bad([]))).toThrow(/^scalar_tensor: value must be a number or a boolean, got \[\]$/);
  });
  it('still takes every valid spelling of a size', () => {
    expect(m.zeros(2, 3).shape).toEqual([2, 3]);
    expect(m.zeros([2, 3], { dtype: 'int32' }).dtype).toBe('int32');
    expect(m.zeros(2, 3, undefined).shape).toEqual([2, 3]);
    expect(m.zeros([]).shape).toEqual([]);
    expect(m.full(3, 2).toArray()).toEqual([2, 2, 2]);
  });
  it('the *Like functions and bernoulli check their tensor', () => {
    expect(() => m.fullLike(bad('x'), 1)).toThrow(/^full_like: input must be a Tensor, got "x"$/);
    expect(() => m.zerosLike(bad(undefined))).toThrow(/^zeros_like: input must be a Tensor, got undefined$/);
    expect(() => m.randnLike(bad(2))).toThrow(/^randn_like: input must be a Tensor, got 2$/);
    expect(() => m.bernoulli(bad(null))).toThrow(/^bernoulli: input must be a Tensor, got null$/);
    expect(m.fullLike(m.zeros([2], { dtype: 'int32' }), 7).toArray()).toEqual([7, 7]);
    expect(m.onesLike(m.zeros([1, 2]), { dtype: 'float64' }).dtype).toBe('float64');
  });
  it('tensor(data, { shape }) reshapes the data, checking the element count (root cause 5)', () => {
    expect(m.tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(m.tensor([[1, 2, 3], [4, 5, 6]], { shape: [3, 2] }).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(() => m.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/^tensor: shape \[2, 2\] is invalid for input of size 3$/);
    expect(() => m.tensor([1, 2, 3, 4], { shape: [NaN] })).toThrow(/^tensor: shape must be an array of non-negative integers, got \[NaN\]$/);
    expect(() => m.tensor([1, 2, 3, 4], { shape: bad('4') })).toThrow(/^tensor: shape must be an array of non-negative integers, got "4"$/);
  });
});

describe('top-level functions name a bad first operand', () => {
  it.each([
    ['neg', () => m.neg(bad(undefined)), /^neg: input must be a Tensor, got undefined$/],
    ['matmul', () => m.matmul(bad(null), m.ones(2)), /^matmul: input must be a Tensor, got null$/],
    ['logSoftmax', () => m.logSoftmax(bad('x'), 0), /^log_softmax: input must be a Tensor, got "x"$/],
    ['add', () => m.add(bad('1'), m.ones(2)), /^add: input must be a Tensor or a number, got "1"$/],
    ['split', () => m.split(bad('ab'), [1], 0), /^split: input must be a Tensor, got "ab"$/],
    ['where', () => m.where(bad(undefined), 1, 0), /^where: condition must be a Tensor, got undefined$/],
    ['where (scalars)', () => m.where(m.tensor([true]), bad('1'), 0), /^where: input must be a Tensor or a number, got "1"$/],
    ['cat', () => m.cat([m.ones(2), bad(undefined)]), /^cat: tensors\[1\] must be a Tensor, got undefined$/],
    ['stack', () => m.stack([m.ones(2), bad(5)]), /^stack: tensors\[1\] must be a Tensor, got 5$/],
    ['stack dim', () => m.stack([m.ones(2)], bad(Symbol('d'))), /^stack: dim must be an integer, got symbol$/],
    ['sgdStep_', () => m.sgdStep_(m.ones(2), bad('x'), null, { lr: 0.1 }), /^sgd_step_: grad must be a Tensor, got "x"$/],
    ['tidy', () => m.tidy(bad(5)), /^tidy: fn must be a function, got 5$/],
    ['keep', () => m.keep(bad('x')), /^keep: tensor must be a Tensor, got "x"$/],
  ])('%s', (_name, call, msg) => {
    expect(call).toThrow(msg);
  });
  it('nn.Parameter checks its data (the checkers moved from nn/module to args)', () => {
    expect(() => new m.nn.Parameter(bad('x'))).toThrow(/^Parameter: data must be a Tensor, got "x"$/);
    expect(new m.nn.Parameter(m.ones(2)).requiresGrad).toBe(true);
  });
  it('add takes a JS scalar first (as torch.add(1, t)); keep refuses a disposed tensor', () => {
    expect(m.add(1, m.tensor([1, 2])).toArray()).toEqual([2, 3]);
    const t = m.zeros(1);
    t.dispose();
    expect(() => m.keep(t)).toThrow(/^keep: tensor is a disposed tensor$/);
  });
});
