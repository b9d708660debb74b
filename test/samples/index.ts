// Samples of the index family: cat, gather, scatter(_add, _reduce), index_select, index_add,
// masked_fill, one_hot, topk, sort, flip and the stack / split / chunk / argsort / repeat / pad
// composites. Index tensors are int64 with explicit or seeded in-range values.
import { type Sample, type SampleTable, type TensorIn, fl, f64, int, bool, grid, distinct, vals, T_ } from './sample';
import type { Args } from '../helpers';

const ix = (values: number[], shape: number[] = [values.length], o: Partial<TensorIn> = {}) => vals(values, 'int64', shape, o);
/** in-range indices in [0, n) */
const idx = (shape: number[], n: number, o: Partial<TensorIn> = {}) => int(shape, 0, n, o);
const E = { error: true as const };
const NG = (why: string) => ({ noGrad: why });
type Row = [string, Sample['in'], Args, Partial<Sample>?];
const rows = (r: Row[]): Sample[] => r.map(([name, inp, args, o]) => ({ name, in: inp, args, ...(o ?? {}) }));

export const INDEX: SampleTable = {
  cat: rows([
    ['dim0', [fl([2, 3]), fl([4, 3])], { dim: 0 }], ['dim1_three', [fl([2, 3]), fl([2, 1]), fl([2, 2])], { dim: 1 }],
    ['dim_neg1', [fl([2, 2, 3]), fl([2, 2, 1])], { dim: -1 }], ['single', [fl([2, 3])], { dim: 0 }],
    ['noncontig', [fl([3, 2], -3, 3, { view: T_() }), fl([2, 8], -3, 3, { view: [['slice', 1, 0, 8, 3]] })], { dim: 1 }],
    ['mixed_dtypes_promote', [int([2, 2], -5, 6, { dtype: 'int32' }), fl([1, 2])], { dim: 0 }, { noGrad: 'integer input', dtypes: [] }],
    ['bool', [bool([2, 2]), bool([2, 1])], { dim: 1 }, NG('bool')], ['f64', [f64([1, 2]), f64([2, 2])], { dim: 0 }],
    ['legacy_empty_1d', [fl([2, 3]), fl([0])], { dim: 0 }, NG('empty input')],
    ['shape_mismatch', [fl([2, 3]), fl([2, 4])], { dim: 0 }, E], ['0d', [fl([]), fl([])], { dim: 0 }, E],
  ]),
  stack: rows([
    ['dim0', [fl([2, 3]), fl([2, 3])], { dim: 0 }], ['dim1', [fl([2, 3]), fl([2, 3]), fl([2, 3])], { dim: 1 }],
    ['dim_neg1', [fl([2, 3]), fl([2, 3])], { dim: -1 }], ['0d', [fl([]), fl([])], { dim: 0 }],
    ['noncontig', [fl([3, 2], -3, 3, { view: T_() }), fl([2, 3])], { dim: 0 }],
    ['shape_mismatch', [fl([2, 3]), fl([3, 2])], { dim: 0 }, E],
  ]),
  gather: rows([
    ['dim1', [fl([3, 4]), idx([3, 2], 4)], { dim: 1 }], ['dim0', [fl([3, 4]), idx([2, 4], 3)], { dim: 0 }],
    ['dim_neg1_3d', [fl([2, 3, 4]), idx([2, 3, 5], 4)], { dim: -1 }],
    ['noncontig_input', [fl([4, 3], -3, 3, { view: T_() }), idx([3, 2], 4)], { dim: 1 }],
    ['int64_input', [int([3, 4]), idx([3, 3], 4)], { dim: 1 }, NG('integer')],
    ['0d', [fl([]), ix([0], [])], { dim: 0 }],
    ['index_out_of_range', [fl([3, 4]), ix([0, 4, 0, 4, 0, 4], [3, 2])], { dim: 1 }, E],
  ]),
  scatter: rows([
    ['dim1_src', [fl([3, 5]), ix([4, 0, 2, 1, 3, 0, 2, 4, 1], [3, 3]), fl([3, 3])], { dim: 1 }],
    ['dim0_src', [fl([4, 3]), ix([3, 0, 1, 1, 2, 3], [2, 3]), fl([2, 3])], { dim: 0 }],
    ['value', [fl([3, 5]), ix([1, 3, 0, 4, 2, 0], [3, 2])], { dim: 1, value: 2.5 }],
    ['noncontig_self', [fl([5, 3], -3, 3, { view: T_() }), ix([0, 4, 3, 1, 2, 0], [3, 2]), fl([3, 2])], { dim: 1 }],
    ['int64', [int([2, 4]), ix([3, 1, 0, 2, 0, 2, 3, 1], [2, 4]), int([2, 4])], { dim: 1 }, NG('integer')],
    ['index_out_of_range', [fl([2, 3]), ix([0, 3, 0, 3], [2, 2]), fl([2, 2])], { dim: 1 }, E],
  ]),
  scatter_add: rows([
    ['dim1_repeats', [fl([3, 4]), idx([3, 6], 4), fl([3, 6])], { dim: 1 }], ['dim0_repeats', [fl([3, 4]), idx([5, 4], 3), fl([5, 4])], { dim: 0 }],
    ['src_larger_than_index', [fl([3, 4]), idx([2, 3], 4), fl([3, 5])], { dim: 1 }, NG("torch's backward rejects a src larger than the index too")],
    ['int64', [int([5]), idx([8], 5), int([8])], { dim: 0 }, NG('integer')],
    ['noncontig', [fl([4, 3], -3, 3, { view: T_() }), idx([3, 5], 4), fl([5, 3], -3, 3, { view: T_() })], { dim: 1 }],
    ['index_out_of_range', [fl([3]), ix([3]), fl([1])], { dim: 0 }, E],
  ]),
  scatter_reduce: [
    ...['sum', 'prod', 'mean', 'amax', 'amin'].flatMap((red) => [true, false].map((inc): Sample => ({
      name: `${red}_${inc ? 'self' : 'noself'}_dim1`, in: [grid([3, 5]), idx([3, 7], 5), grid([3, 7])], args: { dim: 1, reduce: red, includeSelf: inc },
      // grid values tie (amax/amin share the gradient among ties) and hold zeros (prod)
      ...(red === 'sum' || red === 'mean' ? {} : NG('ties and zeros')),
    }))),
    { name: 'mean_dim0_rows', in: [fl([4, 3]), idx([6, 3], 4), fl([6, 3])], args: { dim: 0, reduce: 'mean' } },
    { name: 'prod_distinct', in: [fl([4, 3], 0.5, 2), idx([6, 3], 4), fl([6, 3], 0.5, 2)], args: { dim: 0, reduce: 'prod' } },
    { name: 'amax_noself_distinct', in: [distinct([2, 4, 3]), idx([2, 5, 3], 4), distinct([2, 5, 3])], args: { dim: 1, reduce: 'amax', includeSelf: false } },
    { name: 'mean_int64_floor', in: [int([5]), idx([9], 5), int([9])], args: { dim: 0, reduce: 'mean' }, ...NG('integer') },
    { name: 'amax_nan', in: [vals([0, 1, 2]), ix([0, 0, 1, 2]), vals(['nan', 3, -1, 5])], args: { dim: 0, reduce: 'amax' }, ...NG('nan') },
    { name: 'float64', in: [f64([6]), idx([10], 6), f64([10])], args: { dim: 0, reduce: 'mean', includeSelf: false } },
    { name: 'index_out_of_range', in: [fl([3]), ix([3]), fl([1])], args: { dim: 0, reduce: 'amax' }, ...E },
  ],
  index_select: rows([
    ['dim0', [fl([4, 3]), ix([3, 0, 0, 2])], { dim: 0 }], ['dim1', [fl([3, 5]), ix([4, 1])], { dim: 1 }],
    ['dim_neg1_3d', [fl([2, 3, 4]), ix([1, 3, 1])], { dim: -1 }], ['int32_index', [fl([4, 3]), vals([2, 1], 'int32')], { dim: 0 }],
    ['noncontig_input', [fl([3, 4], -3, 3, { view: T_() }), ix([0, 3])], { dim: 0 }],
    ['0d_index', [fl([4, 3]), ix([2], [])], { dim: 0 }],
    ['out_of_range', [fl([4]), ix([4])], { dim: 0 }, E], ['float_index', [fl([4]), vals([1])], { dim: 0 }, E],
  ]),
  index_add: rows([
    ['dim0_repeats', [fl([5, 3]), ix([0, 1, 1, 4]), fl([4, 3])], { dim: 0 }], ['dim1', [fl([3, 4]), ix([3, 0]), fl([3, 2])], { dim: 1 }],
    ['alpha_float', [fl([4, 2]), ix([2, 2, 0]), fl([3, 2])], { dim: 0, alpha: 0.5 }],
    ['alpha_int_on_int64', [int([4, 2]), ix([1, 3]), int([2, 2])], { dim: 0, alpha: 3 }, NG('integer')],
    ['noncontig', [fl([3, 5], -3, 3, { view: T_() }), ix([4, 0]), fl([3, 2], -3, 3, { view: T_() })], { dim: 0 }],
    ['out_of_range', [fl([3]), ix([3]), fl([1])], { dim: 0 }, E],
  ]),
  masked_fill: rows([
    ['f32', [fl([3, 4]), bool([3, 4])], { value: -1.5 }], ['mask_bcast_row', [fl([3, 4]), bool([4])], { value: 2.5 }],
    ['mask_0d', [fl([2, 3]), vals([1], 'bool', [])], { value: 7.5 }],
    ['noncontig', [fl([4, 3], -3, 3, { view: T_() }), bool([3, 8], { view: [['slice', 1, 0, 8, 2]] })], { value: -0.5 }],
    ['int64_float_value_truncates', [int([2, 3]), bool([2, 3])], { value: 2.75 }, NG('integer')],
    ['f64', [f64([4]), bool([4])], { value: 0.1 }], ['neg_inf_value', [fl([2, 3]), bool([2, 3])], { value: -Infinity }, NG('-inf in the output')],
    ['mask_broadcasts_self', [fl([1, 3]), bool([2, 3])], { value: 1.5 }, NG('self broadcasts: the gradient sums rows')],
    ['float_mask', [fl([3]), fl([3])], { value: 1.5 }, E],
  ]),
  one_hot: rows([
    ['num_classes', [ix([0, 3, 1, 1])], { numClasses: 5 }, NG('integer')], ['inferred', [ix([2, 0, 1])], {}, NG('integer')],
    ['2d', [idx([2, 3], 4)], { numClasses: 4 }, NG('integer')],
    ['index_too_large', [ix([0, 3])], { numClasses: 3 }, E], ['negative_index', [ix([0, -1])], { numClasses: 3 }, E],
  ]),
  topk: rows([
    ['k2_last_dim', [distinct([3, 6])], { k: 2 }], ['smallest', [distinct([3, 6])], { k: 3, largest: false }],
    ['dim0', [distinct([5, 3])], { k: 2, dim: 0 }], ['unsorted', [distinct([2, 7])], { k: 4, sorted: false }, NG('unspecified order')],
    ['k0', [distinct([2, 4])], { k: 0 }, NG('empty result')], ['transposed', [distinct([6, 3], -4, 4, { view: T_() })], { k: 2, dim: 1 }],
    ['f64', [distinct([3, 5], -4, 4, { dtype: 'float64' })], { k: 2 }], ['int64', [int([3, 5], -50, 50)], { k: 2 }, NG('integer')],
    ['with_inf', [vals([3, '-inf', 'inf', 0, 1])], { k: 2 }, NG('inf')],
    ['k_too_large', [fl([3])], { k: 4 }, E],
  ]),
  flip: rows([
    ['dim0', [fl([3, 4])], { dims: [0] }], ['both', [fl([3, 4])], { dims: [0, 1] }], ['negative', [fl([2, 3, 4])], { dims: [-1] }],
    ['transposed', [fl([4, 3], -3, 3, { view: T_() })], { dims: [1] }], ['bool', [bool([2, 3])], { dims: [1] }, NG('bool')],
    ['repeated_dim', [fl([3, 4])], { dims: [0, 0] }, E],
  ]),
  split: rows([
    ['size_2', [fl([5, 3])], { size: 2 }], ['sizes_list', [fl([5, 3])], { size: [1, 2, 2] }], ['dim1', [fl([2, 7])], { size: 3, dim: 1 }],
    ['noncontig', [fl([4, 6], -3, 3, { view: T_() })], { size: 4, dim: 0 }], ['sizes_do_not_sum', [fl([5])], { size: [2, 2] }, E],
  ]),
  chunk: rows([
    ['three', [fl([6, 2])], { chunks: 3 }], ['uneven', [fl([5, 2])], { chunks: 3 }], ['dim1', [fl([2, 7])], { chunks: 2, dim: 1 }],
    ['0d_rejected', [fl([])], { chunks: 1 }, E],
  ]),
  repeat: rows([
    ['2d', [fl([2, 3])], { reps: [2, 2] }], ['more_dims', [fl([2, 3])], { reps: [2, 1, 3] }], ['0d', [fl([])], { reps: [3] }],
    ['noncontig', [fl([3, 2], -3, 3, { view: T_() })], { reps: [1, 2] }], ['too_few_reps', [fl([2, 3])], { reps: [2] }, E],
  ]),
  pad: rows([
    ['constant_last_dim', [fl([2, 3])], { pads: [1, 2] }], ['constant_2d_value', [fl([2, 3])], { pads: [1, 1, 2, 0], value: 2.5 }],
    ['constant_negative_crops', [fl([3, 5])], { pads: [-1, 2, 0, -1] }], ['reflect_1d', [fl([2, 5])], { pads: [2, 1], mode: 'reflect' }],
    ['reflect_2d', [fl([1, 3, 4])], { pads: [1, 2, 2, 1], mode: 'reflect' }], ['reflect_too_wide', [fl([1, 3])], { pads: [3, 0], mode: 'reflect' }, E],
  ]),
};
for (const op of ['sort', 'argsort']) {
  const ng = op === 'argsort' ? NG('integer result') : {};
  INDEX[op] = rows([
    ['last_dim', [distinct([3, 5])], {}, ng], ['descending', [distinct([3, 5])], { descending: true }, ng],
    ['dim0', [distinct([4, 3])], { dim: 0 }, ng], ['stable_ties', [grid([3, 8])], { stable: true }, NG('ties')],
    ['stable_nan_last', [vals([3, 'nan', 1, 'nan', '-inf', 'inf', 2])], { stable: true }, NG('nan')],
    ['transposed', [distinct([5, 3], -4, 4, { view: T_() })], { dim: 1 }, ng], ['0d', [distinct([])], {}, ng],
    ['f64', [distinct([2, 6], -4, 4, { dtype: 'float64' })], { descending: true }, ng],
    ['int32_stable_ties', [grid([10], -2, 3, { dtype: 'int32' })], { stable: true }, NG('integer')],
  ]);
}
INDEX.sort.push({ name: 'dim_out_of_range', in: [fl([3])], args: { dim: 1 }, error: true });
