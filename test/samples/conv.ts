// Samples of the conv family's forward ops: conv2d / conv_transpose2d / conv1d, conv2d's
// weight gradient and backward, max / avg / adaptive pooling, interpolate, batch_norm,
// layer_norm and group_norm (torch's references: scripts/gen_conv_fixtures.py).
import { type Sample, type SampleTable, type TensorIn, fl, f64, vals, T_ } from './sample';
import type { Args } from '../helpers';

const X = (shape: number[], o: Partial<TensorIn> = {}) => fl(shape, -2, 3, o);
const W = (shape: number[], o: Partial<TensorIn> = {}) => fl(shape, -0.5, 0.5, o);
type Row = [string, Sample['in'], Args?, Partial<Sample>?];
const rows = (r: Row[]): Sample[] => r.map(([name, inp, args, o]) => ({ name, in: inp, ...(args ? { args } : {}), ...(o ?? {}) }));
const E = { error: true as const };
/** the statistics outputs (mean, invstd / rstd) are saved values without a gradient, as torch's */
const STATS = { noGrad: 'statistics outputs and running stats carry no gradient (as torch)' };

export const CONV: SampleTable = {
  conv2d: rows([
    ['3x3', [X([2, 3, 7, 6]), W([4, 3, 3, 3]), W([4])]], ['no_bias_pad1', [X([2, 3, 5, 5]), W([4, 3, 3, 3])], { padding: 1 }],
    ['stride2_pad_hw', [X([2, 2, 9, 8]), W([3, 2, 3, 2]), W([3])], { stride: [2, 3], padding: [1, 0] }],
    ['dilation2', [X([1, 2, 9, 9]), W([3, 2, 3, 3]), W([3])], { dilation: 2, padding: 2 }],
    ['groups2', [X([2, 4, 6, 6]), W([6, 2, 3, 3]), W([6])], { groups: 2, padding: 1 }],
    ['depthwise_stride2', [X([2, 5, 8, 7]), W([5, 1, 3, 3]), W([5])], { groups: 5, stride: 2, padding: 1 }],
    ['1x1', [X([2, 6, 4, 5]), W([3, 6, 1, 1]), W([3])]], ['same_even_kernel', [X([2, 2, 6, 5]), W([3, 2, 4, 2]), W([3])], { padding: 'same' }],
    ['unbatched', [X([3, 6, 6]), W([2, 3, 3, 3]), W([2])], { padding: 1 }],
    ['noncontig_input', [X([2, 3, 6, 7], { view: T_(2, 3) }), W([4, 3, 3, 3]), W([4])]],
    ['f64', [f64([2, 3, 6, 6]), f64([4, 3, 3, 3], -0.5, 0.5), f64([4], -0.5, 0.5)], { stride: 2, padding: 1 }],
    ['channels_mismatch', [X([1, 2, 5, 5]), W([3, 3, 3, 3])], {}, E],
  ]),
  conv_transpose2d: rows([
    ['3x3', [X([2, 3, 4, 5]), W([3, 2, 3, 3]), W([2])]],
    ['stride2_pad1_outpad1', [X([2, 4, 3, 4]), W([4, 3, 3, 3]), W([3])], { stride: 2, padding: 1, outputPadding: 1 }],
    ['groups2_dilation2', [X([1, 4, 4, 4]), W([4, 2, 3, 2]), W([4])], { groups: 2, dilation: 2 }],
    ['unbatched', [X([2, 3, 3]), W([2, 2, 2, 2])], { stride: 2 }],
    ['f64', [f64([1, 2, 3, 3]), f64([2, 2, 3, 3]), f64([2])], { stride: 2, outputPadding: 1 }],
  ]),
  conv2d_weight_grad: rows([
    ['3x3_pad1', [X([2, 4, 5, 5]), X([2, 3, 5, 5])], { kernel: [3, 3], padding: 1 }],
    ['stride2_groups2', [X([3, 4, 3, 4]), X([3, 2, 6, 7])], { kernel: [3, 3], stride: 2, padding: 1, groups: 2 }],
    ['dilation_odd', [X([1, 2, 3, 4]), X([1, 3, 7, 6])], { kernel: [3, 2], dilation: 2 }],
  ]),
  conv2d_backward: rows([
    ['3x3_pad1', [X([2, 4, 5, 5]), X([2, 3, 5, 5]), W([4, 3, 3, 3])], { padding: 1 }],
    ['stride2_dilation_groups2', [X([2, 4, 3, 4]), X([2, 4, 7, 8]), W([4, 2, 3, 2])], { stride: 2, padding: [1, 0], dilation: [2, 1], groups: 2 }],
    ['mask_input_only', [X([1, 2, 3, 3]), X([1, 3, 5, 5]), W([2, 3, 3, 3])], { outputMask: [true, false, false] }],
  ]),
  max_pool2d: rows([
    ['2x2', [X([2, 3, 6, 6])], { kernel: 2 }], ['3x3_stride2_pad1', [X([2, 2, 7, 8])], { kernel: 3, stride: 2, padding: 1 }],
    ['ceil_mode', [X([1, 2, 7, 6])], { kernel: 3, stride: 2, ceilMode: true }],
    ['dilation2', [X([1, 2, 9, 8])], { kernel: [3, 2], stride: [1, 2], dilation: 2 }],
    ['noncontig', [X([2, 2, 6, 5], { view: T_(2, 3) })], { kernel: 2 }],
    ['ties_first_wins', [vals([1, 1, 0, 1, 1, 0, 2, 0, 2], 'float32', [1, 1, 3, 3])], { kernel: 2, stride: 1 }, { noGrad: 'ties' }],
  ]),
  adaptive_max_pool2d: rows([
    ['divisible', [X([2, 3, 6, 8])], { size: [3, 4] }], ['uneven_windows', [X([1, 2, 7, 5])], { size: [3, 3] }],
    ['upsampling_size', [X([1, 2, 3, 2])], { size: [5, 4] }], ['input_0d', [vals([1.5], 'float32', [])], { size: 2 }, E],
  ]),
  conv1d: rows([
    ['k3', [X([2, 3, 9]), W([4, 3, 3]), W([4])]], ['stride2_pad1_groups', [X([1, 4, 8]), W([6, 2, 3])], { stride: 2, padding: 1, groups: 2 }],
  ]),
  maxPool1d: rows([
    ['k2', [X([2, 3, 8])], { kernel: 2 }], ['k3_s2_p1_ceil', [X([1, 2, 10])], { kernel: 3, stride: 2, padding: 1, ceilMode: true }],
    ['noncontig', [X([2, 7, 3], { view: T_(1, 2) })], { kernel: 3, dilation: 2 }],
  ]),
  avgPool2d: rows([
    ['2x2', [X([2, 3, 6, 6])], { kernel: 2 }], ['3x3_s2_p1_exclude_pad', [X([1, 2, 7, 7])], { kernel: 3, stride: 2, padding: 1, countIncludePad: false }],
    ['ceil_mode', [X([1, 2, 6, 7])], { kernel: 3, stride: 2, ceilMode: true }], ['divisor_override', [X([1, 2, 5, 5])], { kernel: 2, stride: 1, divisorOverride: 3 }],
  ]),
  adaptiveAvgPool2d: rows([['uneven', [X([1, 2, 7, 5])], { size: [3, 2] }], ['to_1x1', [X([2, 3, 4, 4])], { size: 1 }]]),
  interpolate: rows([
    ['nearest_size', [X([1, 2, 3, 4])], { size: [6, 5] }],
    ['bilinear_scale', [X([1, 2, 3, 3])], { scaleFactor: 2, mode: 'bilinear', alignCorners: false }],
    ['bilinear_align', [X([1, 1, 4, 3])], { size: [5, 7], mode: 'bilinear', alignCorners: true }],
  ]),
  batch_norm: rows([
    ['train_4d_running', [X([4, 3, 5, 6]), X([3], { gen: { kind: 'uniform', lo: 0.5, hi: 3 } }), X([3]), X([3]), fl([3], 0.5, 3)], { training: true, momentum: 0.1 }, STATS],
    ['train_2d_no_affine', [X([8, 5])], { training: true }, STATS],
    ['eval_4d', [X([2, 3, 4, 4]), X([3]), X([3]), X([3]), fl([3], 0.5, 3)], { training: false }, STATS],
    ['noncontig', [X([2, 4, 5, 3], { view: T_(2, 3) }), X([4]), X([4])], { training: true }, STATS],
    ['one_value_per_channel', [X([1, 3])], { training: true }, E],
  ]),
  // the backward kernels take the forward's saved statistics as inputs; any mean and any
  // positive rstd / invstd define the same function on both sides, so they are drawn too
  layer_norm_backward: rows([
    ['3d_affine', [X([2, 5, 8]), X([2, 5, 8]), fl([2, 5, 1], -0.5, 0.5), fl([2, 5, 1], 0.5, 2), fl([8], 0.5, 3)], { normalizedShape: [8] }],
    ['2d_no_weight', [X([6, 7]), X([6, 7]), fl([6, 1], -0.5, 0.5), fl([6, 1], 0.5, 2)], { normalizedShape: [7] }],
    ['two_dims', [X([3, 4, 6]), X([3, 4, 6]), fl([3, 1, 1], -0.5, 0.5), fl([3, 1, 1], 0.5, 2), fl([4, 6], 0.5, 3)], { normalizedShape: [4, 6] }],
    ['f64', [f64([3, 4, 9]), f64([3, 4, 9]), f64([3, 4, 1], -0.5, 0.5), f64([3, 4, 1], 0.5, 2), f64([9], 0.5, 3)], { normalizedShape: [9] }],
  ]),
  batch_norm_backward: rows([
    ['train_4d', [X([4, 3, 3, 5]), X([4, 3, 3, 5]), fl([3], -0.5, 0.5), fl([3], 0.5, 2), fl([3], 0.5, 3)], { training: true }],
    ['eval_4d', [X([2, 3, 4, 4]), X([2, 3, 4, 4]), fl([3], -0.5, 0.5), fl([3], 0.5, 2), fl([3], 0.5, 3)], { training: false }],
    ['train_2d', [X([6, 4]), X([6, 4]), fl([4], -0.5, 0.5), fl([4], 0.5, 2), fl([4], 0.5, 3)], { training: true }],
    ['f64', [f64([3, 2, 3, 3]), f64([3, 2, 3, 3]), f64([2], -0.5, 0.5), f64([2], 0.5, 2), f64([2], 0.5, 3)], { training: true }],
  ]),
  layer_norm: rows([
    ['3d_affine', [X([2, 5, 8]), fl([8], 0.5, 3), X([8])], { normalizedShape: [8] }, STATS],
    ['2d_no_affine', [X([6, 7])], { normalizedShape: [7] }, STATS],
    ['weight_only', [X([3, 4, 6]), fl([4, 6], 0.5, 3)], { normalizedShape: [4, 6], eps: 1e-3 }, STATS],
    ['noncontig', [X([4, 6, 5], { view: T_(1, 2) }), X([6]), X([6])], { normalizedShape: [6] }, STATS],
  ]),
  group_norm: rows([
    ['4d_affine', [X([2, 6, 4, 5]), fl([6], 0.5, 3), X([6])], { numGroups: 3 }, STATS],
    ['3d_no_affine', [X([3, 8, 7])], { numGroups: 2 }, STATS],
    ['weight_only_eps', [X([2, 4, 3, 3]), fl([4], 0.5, 3)], { numGroups: 4, eps: 1e-3 }, STATS],
    ['noncontig', [X([2, 4, 5, 3], { view: T_(2, 3) }), X([4]), X([4])], { numGroups: 2 }, STATS],
    ['groups_not_dividing', [X([2, 6, 3])], { numGroups: 4 }, E],
  ]),
  group_norm_backward: rows([
    ['4d_affine', [X([2, 6, 4, 5]), X([2, 6, 4, 5]), fl([2, 3], -0.5, 0.5), fl([2, 3], 0.5, 2), fl([6], 0.5, 3)], { numGroups: 3 }],
    ['3d_no_weight', [X([3, 8, 7]), X([3, 8, 7]), fl([3, 2], -0.5, 0.5), fl([3, 2], 0.5, 2)], { numGroups: 2 }],
    ['f64', [f64([2, 6, 3, 3]), f64([2, 6, 3, 3]), f64([2, 3], -0.5, 0.5), f64([2, 3], 0.5, 2), f64([6], 0.5, 3)], { numGroups: 3 }],
  ]),
};
