// Samples of the view family (as_strided, reshape, view, permute, ... and the t / T / unflatten
// composites): results share storage with the input where torch's do, which the sample test checks.
import { type SampleIn, type SampleTable, fl, f64, int, bool, T_ } from './sample';
import type { Args, ViewOp } from '../helpers';

const x34 = (view?: ViewOp[]) => fl([3, 4], -3, 3, view ? { view } : {});
/** [name, input, args, error?]; integer and bool inputs carry no gradient */
type Row = [string, SampleIn, Args?, 'error'?];
const rows = (op: string, r: Row[]) => r.map(([name, x, args, err]) => ({
  name, in: [x], ...(args ? { args } : {}), ...(err ? { error: true as const } : {}),
  ...('dtype' in x && x.dtype !== 'float32' && x.dtype !== 'float64' ? { noGrad: 'integer or bool input' } : {}),
  ...('shape' in x && x.shape.includes(0) ? { noGrad: 'empty' } : {}),
}));

export const VIEW: SampleTable = {
  as_strided: rows('as_strided', [
    ['overlapping_windows', fl([4, 5]), { shape: [3, 2], strides: [1, 5], offset: 2 }],
    ['broadcast_stride_0', fl([6]), { shape: [2, 3], strides: [0, 1], offset: 1 }],
    ['3d', fl([4, 5]), { shape: [2, 2, 2], strides: [10, 1, 2], offset: 3 }],
    ['int64', int([9]), { shape: [3, 3], strides: [3, 1], offset: 0 }],
    ['0d', fl([4]), { shape: [], strides: [], offset: 2 }],
    ['out_of_bounds', fl([4]), { shape: [2, 2], strides: [2, 1], offset: 2 }, 'error'],
  ]),
  reshape: rows('reshape', [
    ['f32', x34(), { shape: [2, 6] }], ['infer', x34(), { shape: [-1] }], ['infer_middle', x34(), { shape: [2, -1, 3] }],
    ['transposed_copies', x34(T_()), { shape: [12] }],
    ['sliced_copies', fl([4, 6], -3, 3, { view: [['slice', 1, 0, 6, 2]] }), { shape: [3, 4] }],
    ['to_0d', fl([1, 1]), { shape: [] }], ['empty', fl([0, 3]), { shape: [3, 0, 5] }],
    ['int32', int([3, 4], -5, 6, { dtype: 'int32' }), { shape: [4, 3] }], ['bool', bool([2, 3]), { shape: [3, 2] }],
    ['f64_transposed_view_ok', f64([2, 3, 4], -3, 3, { view: T_() }), { shape: [3, 2, 2, 2] }],
    ['bad_numel', x34(), { shape: [5, 2] }, 'error'],
  ]),
  view: rows('view', [
    ['f32', fl([2, 3, 4]), { shape: [6, 4] }], ['infer', fl([2, 3, 4]), { shape: [4, -1] }],
    ['split_dim_of_transposed', fl([4, 6], -3, 3, { view: T_() }), { shape: [3, 2, 4] }],
    ['unit_dims', x34(), { shape: [1, 3, 1, 4, 1] }], ['0d', fl([]), { shape: [1] }], ['int64', int([6]), { shape: [2, 3] }],
    ['incompatible_strides', x34(T_()), { shape: [12] }, 'error'],
  ]),
  permute: rows('permute', [
    ['3d', fl([2, 3, 4]), { dims: [2, 0, 1] }], ['negative_dims', fl([2, 3, 4]), { dims: [-1, 0, -2] }],
    ['of_transposed', fl([2, 3, 4], -3, 3, { view: T_(0, 2) }), { dims: [1, 2, 0] }], ['0d', fl([]), { dims: [] }],
    ['bool', bool([2, 3]), { dims: [1, 0] }], ['repeated_dim', fl([2, 3]), { dims: [0, 0] }, 'error'],
  ]),
  transpose: rows('transpose', [
    ['2d', x34(), { dim0: 0, dim1: 1 }], ['negative_dims', fl([2, 3, 4]), { dim0: -1, dim1: 0 }],
    ['same_dim', x34(), { dim0: 1, dim1: 1 }], ['of_sliced', fl([4, 6], -3, 3, { view: [['slice', 1, 1, 6, 2]] }), { dim0: 0, dim1: 1 }],
    ['0d', fl([]), { dim0: 0, dim1: -1 }], ['int32', int([3, 4], -5, 6, { dtype: 'int32' }), { dim0: 1, dim1: 0 }],
    ['dim_out_of_range', x34(), { dim0: 0, dim1: 2 }, 'error'],
  ]),
  slice: rows('slice', [
    ['step_2', fl([6, 4]), { dim: 0, start: 0, end: 6, step: 2 }],
    ['last_dim_negative_start', fl([3, 7]), { dim: -1, start: -3, end: 7, step: 1 }],
    ['end_past_size_clamps', fl([5, 2]), { dim: 0, start: 1, end: 100, step: 3 }],
    ['start_past_end_empty', fl([5, 2]), { dim: 0, start: 4, end: 2, step: 1 }],
    ['negative_end', fl([6]), { dim: 0, start: 0, end: -2, step: 1 }],
    ['of_transposed', x34(T_()), { dim: 1, start: 1, end: 3, step: 1 }],
    ['int64', int([8]), { dim: 0, start: 1, end: 8, step: 3 }],
    ['zero_step', fl([5]), { dim: 0, start: 0, end: 5, step: 0 }, 'error'],
  ]),
  select: rows('select', [
    ['dim0', x34(), { dim: 0, index: 2 }], ['negative_index', x34(), { dim: 1, index: -1 }],
    ['negative_dim', fl([2, 3, 4]), { dim: -2, index: 1 }], ['to_0d', fl([5]), { dim: 0, index: 3 }],
    ['of_transposed', x34(T_()), { dim: 0, index: 1 }], ['bool', bool([3, 2]), { dim: 1, index: 0 }],
    ['index_out_of_range', x34(), { dim: 0, index: 3 }, 'error'],
  ]),
  narrow: rows('narrow', [
    ['dim0', fl([5, 3]), { dim: 0, start: 1, length: 3 }], ['negative_start', fl([3, 6]), { dim: 1, start: -4, length: 2 }],
    ['of_transposed', x34(T_()), { dim: 1, start: 1, length: 2 }], ['int32', int([7], -5, 6, { dtype: 'int32' }), { dim: 0, start: 2, length: 4 }],
    ['past_end', fl([5]), { dim: 0, start: 3, length: 3 }, 'error'],
  ]),
  expand: rows('expand', [
    ['col', fl([3, 1]), { shape: [3, 4] }], ['new_leading', fl([1, 3]), { shape: [2, 4, 3] }],
    ['minus_one_keeps', fl([1, 3]), { shape: [4, -1] }], ['0d', fl([]), { shape: [2, 3] }],
    ['of_transposed', fl([1, 3], -3, 3, { view: T_() }), { shape: [3, 5] }], ['bool', bool([2, 1]), { shape: [2, 3] }],
    ['non_singleton', fl([3, 2]), { shape: [3, 4] }, 'error'],
  ]),
  squeeze: rows('squeeze', [
    ['all', fl([1, 3, 1, 2])], ['dim', fl([1, 3, 1, 2]), { dim: 2 }], ['negative_dim', fl([3, 1]), { dim: -1 }],
    ['dims_list', fl([1, 3, 1, 2]), { dim: [0, 2] }], ['non_unit_dim_noop', fl([2, 3]), { dim: 1 }], ['0d', fl([])],
    ['of_transposed', fl([3, 1], -3, 3, { view: T_() }), { dim: 0 }],
  ]),
  unsqueeze: rows('unsqueeze', [
    ['front', x34(), { dim: 0 }], ['back', x34(), { dim: -1 }], ['middle_negative', x34(), { dim: -2 }],
    ['0d', fl([]), { dim: 0 }], ['of_transposed', x34(T_()), { dim: 1 }], ['dim_out_of_range', x34(), { dim: 3 }, 'error'],
  ]),
  flatten: rows('flatten', [
    ['all', fl([2, 3, 4])], ['middle', fl([2, 3, 4, 2]), { startDim: 1, endDim: 2 }],
    ['negative_dims', fl([2, 3, 4]), { startDim: 0, endDim: -2 }], ['0d', fl([])],
    ['transposed_copies', fl([2, 3, 4], -3, 3, { view: T_(0, 2) })],
    ['start_after_end', fl([2, 3, 4]), { startDim: 2, endDim: 1 }, 'error'],
  ]),
  contiguous: rows('contiguous', [
    ['transposed', x34(T_())], ['step_sliced', fl([4, 6], -3, 3, { view: [['slice', 1, 1, 6, 2]] })],
    ['already_contiguous', x34()], ['0d', fl([])],
    ['int64_permuted', int([2, 3, 4], -5, 6, { view: [['permute', [2, 0, 1]]] })],
    ['bool_transposed', bool([3, 2], { view: T_() })],
  ]),
  t: rows('t', [['2d', x34()], ['1d', fl([4])], ['0d', fl([])], ['of_sliced', fl([4, 6], -3, 3, { view: [['slice', 1, 0, 6, 2]] })]]),
  T: rows('T', [['3d', fl([2, 3, 4])], ['2d', int([3, 4], -5, 6, { dtype: 'int32' })], ['of_permuted', fl([2, 3, 4], -3, 3, { view: [['permute', [1, 2, 0]]] })]]),
  unflatten: rows('unflatten', [
    ['dim1', fl([2, 6]), { dim: 1, sizes: [2, 3] }], ['negative_dim_infer', fl([12, 2]), { dim: -2, sizes: [3, -1] }],
    ['of_transposed', fl([6, 2], -3, 3, { view: T_() }), { dim: 1, sizes: [3, 2] }],
    ['0d_rejected', fl([]), { dim: 0, sizes: [1] }, 'error'],
  ]),
};
