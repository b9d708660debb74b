// Samples of the creation family: ops that build a tensor from their options (from_array, full,
// arange, linspace, eye), fill_, bernoulli where p in {0, 1} makes it deterministic, and dropout_philox
// (deterministic given its rng). The random ops' distributions stay statistical cases of
// test/conformance.test.ts (torch cannot give their values).
import { type Sample, type SampleTable, fl, f64, int, bool, vals, T_ } from './sample';
import type { Args } from '../helpers';

/** options-only samples (no tensor inputs): the backend test has no dtype to cast */
const opts = (r: [string, Args, 'error'?][]): Sample[] => r.map(([name, args, e]) => ({ name, in: [], args, noGrad: 'creates a leaf', ...(e ? { error: true as const } : {}) }));
const IP = 'in place on a leaf';

export const CREATION: SampleTable = {
  from_array: opts([
    ['ints_make_float32', { data: [[1, 2, 3], [4, -5, 6]] }], ['mixed_int_float', { data: [1, 2.5, -3] }],
    ['bools_infer_bool', { data: [[true, false], [false, true]] }],
    ['bigints_infer_int64', { data: [[1, 2, 3], [4, -5, 2 ** 40]], bigint: true }], ['number_0d_float', { data: -2.75 }],
    ['empty_2d', { data: [[], []] }], ['non_finite', { data: [1.5, NaN, Infinity, -Infinity] }],
    ['float_rounds_to_f32', { data: [0.1, 1 / 3, 16777217.5, 1e-46] }], ['dtype_float64', { data: [0.1, 1 / 3, -2.5], dtype: 'float64' }],
    ['dtype_int64_from_floats_truncates', { data: [1.7, -1.7, 2.5], dtype: 'int64' }],
    ['typed_float64_shaped', { typed: 'Float64Array', data: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], shape: [2, 3] }],
    ['typed_uint8_as_int32', { typed: 'Uint8Array', data: [0, 7, 255], shape: [3] }],
    ['typed_float64_as_float32', { typed: 'Float64Array', data: [0.1, 1e-46, 3], shape: [3], dtype: 'float32' }],
    ['ragged', { data: [[1, 2], [3]] }, 'error'],
  ]),
  full: opts([
    ['int_infers_int64', { shape: [2, 3], value: 4 }], ['float_infers_float32', { shape: [3], value: 1.5 }],
    ['bool_infers_bool', { shape: [2, 2], value: true }], ['dtype_float64', { shape: [2], value: 0.1, dtype: 'float64' }],
    ['dtype_int32_from_float_truncates', { shape: [2], value: 2.75, dtype: 'int32' }], ['0d', { shape: [], value: 3.5 }],
    ['empty', { shape: [0, 3], value: 1.5 }], ['nan', { shape: [2], value: NaN }],
  ]),
  fill_: [
    { name: 'f32_float', in: [fl([2, 3])], args: { value: 2.5 }, noGrad: IP },
    { name: 'f32_bool', in: [fl([3])], args: { value: true }, noGrad: IP },
    { name: 'f64', in: [f64([3])], args: { value: 0.1 }, noGrad: IP },
    { name: 'int64_float_truncates', in: [int([4])], args: { value: 2.75 }, noGrad: IP },
    { name: 'bool_from_number', in: [bool([4])], args: { value: 0 }, noGrad: IP },
    { name: 'transposed_view', in: [fl([3, 4], -3, 3, { view: T_() })], args: { value: 1.25 }, noGrad: IP },
    { name: 'step_sliced_view', in: [fl([3, 8], -3, 3, { view: [['slice', 1, 1, 8, 3]] })], args: { value: -0.5 }, noGrad: IP },
    { name: 'nan', in: [fl([3])], args: { value: NaN }, noGrad: IP },
  ],
  arange: opts([
    ['end_only', { args: [5] }], ['step_2', { args: [1, 10, 2] }], ['negative_step', { args: [5, -4, -3] }],
    ['float_step', { args: [0, 1, 0.1] }], ['float_negative_step', { args: [2.5, -1, -0.75] }],
    ['dtype_float64', { args: [0, 1, 0.1], dtype: 'float64' }], ['dtype_int32', { args: [0, 7, 2], dtype: 'int32' }],
    ['empty', { args: [3, 3] }], ['zero_step', { args: [0, 5, 0] }, 'error'], ['step_sign_mismatch', { args: [0, 5, -1] }, 'error'],
  ]),
  linspace: opts([
    ['f32', { start: 0, end: 1, steps: 5 }], ['f32_11', { start: 0, end: 1, steps: 11 }],
    ['f32_descending', { start: 10, end: -10, steps: 9 }], ['f64', { start: 0, end: 1, steps: 7, dtype: 'float64' }],
    ['int64_truncates', { start: 0, end: 10, steps: 4, dtype: 'int64' }], ['one_step', { start: 3, end: 7, steps: 1 }],
    ['zero_steps', { start: 3, end: 7, steps: 0 }], ['fractional_bounds', { start: 0.25, end: 2.75, steps: 6 }],
  ]),
  eye: opts([
    ['square', { n: 3 }], ['wide', { n: 2, m: 4 }], ['tall', { n: 4, m: 2 }], ['int64', { n: 3, dtype: 'int64' }],
    ['bool', { n: 2, m: 3, dtype: 'bool' }], ['f64', { n: 2, dtype: 'float64' }], ['empty_cols', { n: 2, m: 0 }],
  ]),
  bernoulli: [
    { name: 'p_0_or_1', in: [vals([0, 1, 1, 0, 0, 1], 'float32', [2, 3])], noGrad: 'random samples' },
    { name: 'p_0_or_1_f64', in: [vals([1, 0, 1, 1], 'float64')], noGrad: 'random samples' },
    { name: 'p_0_or_1_transposed', in: [vals([0, 1, 1, 1, 0, 1], 'float32', [2, 3], { view: T_() })], noGrad: 'random samples' },
    { name: 'p_above_1', in: [vals([0.5, 1.5])], error: true },
  ],
  // native dropout: deterministic given its rng (int64 [seed, first counter]); values from the Philox
  // reference in scripts/gen_fixtures.py (dropout_philox_ref); differentiable in x only
  dropout_philox: [
    { name: 'p0.3', in: [fl([6, 5], -2, 2), vals([12345, 67], 'int64')], args: { p: 0.3 } },
    { name: 'p0.5_f64_transposed', in: [f64([7, 9], -2, 2, { view: T_() }), vals([99, 2 ** 33], 'int64')], args: { p: 0.5 } },
    { name: 'p0.1_tiles', in: [fl([3, 230]), vals([5, 0], 'int64')], args: { p: 0.1 } },
    { name: 'rng_float', in: [fl([3]), vals([1, 2])], args: { p: 0.5 }, error: true },
  ],
};
