// Samples of the linalg family: matmul in every rank pairing and layout, and the mm / bmm /
// dot / outer composites.
import { type Sample, type SampleTable, type TensorIn, fl, int, vals, T_ } from './sample';
import type { DType } from '../../ts/index';

const M = (shape: number[], dtype: DType = 'float32', view?: TensorIn['view']): TensorIn =>
  dtype.startsWith('float') ? fl(shape, -2, 2, { dtype, ...(view ? { view } : {}) }) : int(shape, -4, 5, { dtype, ...(view ? { view } : {}) });
const s = (name: string, a: TensorIn, b: TensorIn, o: Partial<Sample> = {}): Sample => ({
  name, in: [a, b], ...(a.dtype.startsWith('int') ? { noGrad: 'integer' } : [...a.shape, ...b.shape].includes(0) ? { noGrad: 'empty' } : {}), ...o });
const E = { error: true as const };

export const LINALG: SampleTable = {
  matmul: [
    s('2d', M([3, 4]), M([4, 5])), s('1d_1d', M([4]), M([4])), s('1d_2d', M([4]), M([4, 5])), s('2d_1d', M([3, 4]), M([4])),
    s('3d_3d', M([2, 3, 4]), M([2, 4, 5])), s('3d_2d', M([2, 3, 4]), M([4, 5])), s('2d_3d', M([3, 4]), M([2, 4, 5])),
    s('1d_3d', M([4]), M([2, 4, 5])), s('bcast_batch', M([2, 1, 3, 4]), M([3, 4, 5])),
    s('a_transposed', M([4, 3], 'float32', T_()), M([4, 5])), s('both_transposed', M([4, 3], 'float32', T_()), M([5, 4], 'float32', T_())),
    s('a_step_sliced', M([3, 8], 'float32', [['slice', 1, 0, 8, 2]]), M([4, 2])),
    s('batch_transposed', M([4, 2, 3], 'float32', T_()), M([2, 5, 3], 'float32', T_(1, 2))),
    s('1x1', M([1, 1]), M([1, 1])), s('empty_k', M([2, 0]), M([0, 3])), s('empty_batch', M([0, 2, 3]), M([3, 4])),
    s('f64', M([3, 4], 'float64'), M([4, 2], 'float64')), s('int64', M([3, 4], 'int64'), M([4, 2], 'int64')),
    s('f32_larger', M([24, 40]), M([40, 20]), { noGrad: 'covered by the small cases (960 perturbations)' }),
    s('specials', vals(['nan', 1, 'inf', 0], 'float32', [2, 2]), vals([1, 2, 0, 1], 'float32', [2, 2]), { noGrad: 'specials' }),
    s('inner_mismatch', M([2, 3]), M([4, 5]), E), s('mixed_dtype', M([2, 3]), M([3, 2], 'float64'), E),
    s('0d', M([]), M([3]), E), s('batch_mismatch', M([2, 3, 4]), M([3, 4, 5]), E),
  ],
  mm: [s('2d', fl([3, 4]), fl([4, 2])), s('transposed', fl([4, 3], -3, 3, { view: T_() }), fl([4, 2])), s('3d_rejected', fl([2, 3, 4]), fl([4, 2]), E)],
  bmm: [s('3d', fl([2, 3, 4]), fl([2, 4, 5])), s('transposed', fl([2, 4, 3], -3, 3, { view: T_(1, 2) }), fl([2, 4, 5])),
    s('batch_mismatch', fl([2, 3, 4]), fl([3, 4, 5]), E)],
  dot: [s('1d', fl([7]), fl([7])), s('sliced', fl([14], -3, 3, { view: [['slice', 0, 0, 14, 2]] }), fl([7])), s('int64', int([5]), int([5])),
    s('size_mismatch', fl([3]), fl([4]), E)],
  outer: [s('1d', fl([3]), fl([4])), s('sliced', fl([6], -3, 3, { view: [['slice', 0, 0, 6, 2]] }), fl([2])), s('int64', int([3]), int([2])),
    s('0d_rejected', fl([]), fl([3]), E)],
};
