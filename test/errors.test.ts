// Bad input never crashes: each class of mistake throws a JS Error that names the op
// and the offending shapes or values, through the public API and the raw binding.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { native } from '../ts/binding';

const x23 = () => my.randn(2, 3);
const idx = (v: number[]) => my.tensor(v, { dtype: 'int64' });

// [class, what, call, expected message]
const cases: [string, string, () => unknown, RegExp][] = [
  ['shape', 'broadcast mismatch', () => x23().add(my.randn(4)), /^add: shapes \[2, 3\] and \[4\] cannot be broadcast/],
  ['shape', 'reshape to a wrong size', () => x23().reshape(4, 2), /^reshape: shape \[4, 2\] is invalid for input of size 6/],
  ['shape', 'two inferred dims', () => x23().reshape(-1, -1), /^reshape: only one dimension can be inferred/],
  ['shape', 'matmul inner dims', () => x23().matmul(my.randn(4, 5)), /^matmul: .*\[2, 3\].*\[4, 5\]/],
  ['shape', 'expand a non-1 dim', () => x23().expand(4, 3), /^expand: cannot expand \[2, 3\] to \[4, 3\]/],
  ['shape', 'cat with mismatched sizes', () => my.cat([x23(), my.randn(2, 4)], 0), /^cat: sizes of tensors must match except in dim 0: tensor 0 has shape \[2, 3\] but tensor 1 has shape \[2, 4\]/],
  ['shape', 'stack of unequal shapes', () => my.stack([x23(), my.randn(3, 2)]), /^stack: expects each tensor to be equal size/],
  ['shape', 'in-place into a smaller tensor', () => my.zeros(3).add_(my.zeros(2, 3)), /^add: output shape \[3\] does not match the broadcast shape \[2, 3\]/],
  ['shape', 'tensor() from ragged arrays', () => my.tensor([[1, 2], [3]]), /^tensor: ragged nested array/],
  ['shape', 'from_array length mismatch', () => native.from_array(new Float32Array(3), [2, 2], 'float32'), /^from_array: data has 3 elements but shape \[2, 2\] needs 4/],
  ['dim', 'sum over a missing dim', () => x23().sum(2), /^sum: dim 2 is out of range for a tensor of shape \[2, 3\]/],
  ['dim', 'transpose dim', () => x23().transpose(0, -3), /^transpose: dim -3 out of range for a 2-d tensor/],
  ['dim', 'softmax dim', () => x23().softmax(5), /^softmax: dim 5 is out of range for a tensor of shape \[2, 3\]/],
  ['dim', 'permute repeats a dim', () => x23().permute(0, 0), /^permute: repeated dim/],
  ['dim', 'cumsum dim', () => x23().cumsum(-4), /^cumsum: dim -4 is out of range/],
  ['index', 'select past the end', () => x23().select(0, 2), /^select: index 2 out of range for dim 0 of size 2/],
  ['index', 'gather index too large', () => x23().gather(1, idx([[0, 5]])), /^gather: index 5 is out of bounds for dim 1 with size 3/],
  ['index', 'index_select negative', () => x23().indexSelect(0, idx([-1])), /^index_select: index -1 is out of bounds for dim 0 with size 2/],
  ['index', 'narrow past the end', () => x23().narrow(1, 2, 2), /^narrow: start 2 \+ length 2 exceeds dim 1 of size 3/],
  ['index', 'one_hot beyond num_classes', () => idx([0, 3]).oneHot(3), /^one_hot: class value 3 is out of range for num_classes 3/],
  ['index', 'topk k too large', () => x23().topk(4), /^topk: k \(4\) out of range for dim 1 of size 3/],
  ['index', 'as_strided beyond the storage', () => x23().asStrided([3, 3], [3, 1], 0), /^as_strided: view of shape \[3, 3\] .* reaches element 8 of a storage of 6/],
  ['dtype', 'float result into an int tensor', () => my.zeros(3, { dtype: 'int32' }).add_(1.5), /^add: result type float32 can't be cast to the output dtype int32/],
  ['dtype', 'mean of integers', () => my.arange(4).mean(), /^mean: expected a floating-point tensor, got int64/],
  ['dtype', 'matmul of mixed dtypes', () => x23().matmul(my.randn(3, 2, { dtype: 'float64' })), /^matmul: .*float32.*float64/],
  ['dtype', 'where with a float condition', () => my.where(x23(), 1, 0), /^where: condition must be a bool tensor, got float32/],
  ['dtype', 'gather with a float index', () => x23().gather(1, my.zeros(2, 1)), /^gather: expected index dtype int64, got float32/],
  ['dtype', 'neg of bool', () => my.tensor([true]).neg(), /^neg: not supported for bool tensors/],
  ['dtype', 'unknown dtype name', () => my.zeros(2, { dtype: 'int16' as my.DType }), /^zeros: dtype must be one of 'float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64', 'bool', got "int16"$/],
  ['size', 'negative size', () => native.full([2, -1], 0, 'float32'), /^full: negative dimension in shape \[2, -1\]/],
  ['size', 'overflowing size', () => native.full([2 ** 30, 2 ** 30, 2 ** 30], 0, 'float32'), /^full: shape \[1073741824, 1073741824, 1073741824\] is too large/],
  ['size', 'zero step', () => my.arange(0, 10, 0), /^arange: step must be nonzero/],
  ['size', 'randint empty range', () => my.randint(5, 5, [2]), /^randint: expected low < high/],
  ['size', 'slice step 0', () => x23().slice(0, 0, 2, 0), /^slice: step must be positive, got 0/],
  ['binding', 'string where a tensor goes', () => native.add('a' as never, 1), /^add: argument 0 must be a tensor, got a string/],
  ['binding', 'object where a tensor goes', () => native.exp({} as never), /^exp: argument 0 must be a tensor, got an object/],
  ['binding', 'missing arguments', () => (native.matmul as (...a: unknown[]) => unknown)(), /^matmul: expected at least 2 arguments, got 0/],
  ['binding', 'fractional dim', () => native.transpose(x23()._h, 0.5, 1), /^transpose: argument 1 must be an integer, got the number 0.5/],
  ['binding', 'non-array shape', () => native.reshape(x23()._h, 'abc' as never), /^reshape: argument 1 must be an array of integers, got a string/],
  ['binding', 'NaN inside a shape', () => native.full([2, NaN], 0, 'float32'), /^full: argument 0 must be an array of integers, entry 1/],
  ['binding', 'wrong TypedArray for the dtype', () => native.from_array(new Float64Array(2), [2], 'float32'), /^from_array: the TypedArray's type does not match dtype float32/],
  ['binding', 'a non-tensor in cat', () => native.cat([x23()._h, 5 as never], 0), /^cat: entry 1 of argument 0 is not a tensor/],
];

describe('bad input throws a named Error', () => {
  for (const [cls, what, call, re] of cases) {
    it(`${cls}: ${what}`, () => {
      let err: unknown;
      try { call(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(re);
    });
  }
  it('disposed tensors, through every family', () => {
    const d = x23();
    d.dispose();
    const live = x23();
    const calls: [() => unknown, RegExp][] = [
      [() => d.exp(), /^exp: argument 0 is a disposed tensor/],
      [() => live.mul(d), /^mul: argument 1 is a disposed tensor/],
      [() => d.sum(), /^sum: argument 0 is a disposed tensor/],
      [() => d.matmul(live), /^matmul: argument 0 is a disposed tensor/],
      [() => d.reshape(6), /^reshape: argument 0 is a disposed tensor/],
      [() => my.cat([live, d]), /^cat: entry 1 of argument 0 is a disposed tensor/],
      [() => live.indexSelect(0, d), /^index_select: argument 2 is a disposed tensor/],
      [() => d.toArray(), /^to_array: argument 0 is a disposed tensor/],
      [() => d.shape, /^shape: argument 0 is a disposed tensor/],
    ];
    for (const [c, re] of calls) expect(c).toThrow(re);
  });
  it('the process survives all of the above', () => {
    expect(my.ones(2).add(1).toArray()).toEqual([2, 2]);
  });
});
