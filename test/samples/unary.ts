// Samples of the unary family (elementwise ops of one tensor, to_dtype, copy_): a common set per
// op (layouts, 0-d, empty, odd length, float64, specials, ints) and the cases each op's options need.
import { type Sample, type SampleTable, fl, f64, int, bool, vals, specials, T_ } from './sample';

const OPS = ['neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos',
  'tanh', 'sigmoid', 'relu', 'silu', 'selu', 'gelu', 'gelu_tanh', 'leaky_relu', 'elu', 'softplus', 'clamp',
  'floor', 'ceil', 'round', 'isnan', 'isfinite', 'logical_not', 'erf'];
/** [lo, hi) of the float values, inside each op's domain */
const DOMAIN: Record<string, [number, number]> = {
  log: [0.05, 6], sqrt: [0.05, 6], rsqrt: [0.05, 6], log1p: [-0.95, 6], exp: [-6, 6], expm1: [-3, 3],
  sin: [-10, 10], cos: [-10, 10], tanh: [-4, 4], sigmoid: [-8, 8], softplus: [-6, 25], reciprocal: [0.2, 3],
};
/** ops torch runs on integer tensors (the float-result ones promote) */
const NO_INT = new Set<string>(['gelu', 'gelu_tanh', 'silu', 'selu', 'elu', 'leaky_relu', 'softplus', 'rsqrt']);
/** piecewise constant: the gradient is 0 almost everywhere, not worth a gradcheck */
const STEP = new Set(['sign', 'floor', 'ceil', 'round']);
const NO_GRAD = new Set(['isnan', 'isfinite', 'logical_not']);

function common(op: string): Sample[] {
  const [lo, hi] = DOMAIN[op] ?? [-3, 3];
  const args = op === 'clamp' ? { min: -0.5, max: 1.25 } : undefined;
  const ng = STEP.has(op) ? 'piecewise constant' : NO_GRAD.has(op) ? 'bool result' : undefined;
  const s = (name: string, inp: Sample['in'], o: Partial<Sample> = {}): Sample => ({ name, in: inp, ...(args ? { args } : {}), ...(ng ? { noGrad: ng } : {}), ...o });
  const out: Sample[] = [
    s('f32', [fl([3, 4], lo, hi)]),
    s('f32_transposed', [fl([5, 3], lo, hi, { view: T_() })]),
    s('f32_step_sliced', [fl([4, 7], lo, hi, { view: [['slice', 1, 1, 7, 2]] })]),
    s('f32_expanded', [fl([1, 3], lo, hi, { view: [['expand', [2, 3]]] })]),
    s('f32_0d', [fl([], lo, hi)]),
    s('f32_empty', [fl([0, 3], lo, hi)], { noGrad: 'empty' }),
    s('f32_tail', [fl([37], lo, hi)]),
    s('f64', [f64([2, 3, 2], lo, hi)]),
    s('f32_specials', [specials()], { noGrad: 'specials (nan, inf, kinks)' }),
    s('f64_specials', [specials('float64')], { noGrad: 'specials (nan, inf, kinks)' }),
  ];
  if (!NO_INT.has(op)) {
    const ia = op === 'clamp' ? { args: { min: -2, max: 3 } } : {};
    out.push(s('int32', [int([2, 5], -5, 6, { dtype: 'int32' })], { noGrad: 'integer input', ...ia }));
    out.push(s('int64_0d', [int([], -5, 6)], { noGrad: 'integer input', ...ia }));
  }
  return out;
}

const halves = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => (a + i) / 2);

export const UNARY: SampleTable = {
  ...Object.fromEntries(OPS.map((op) => [op, common(op)])),
};
const add = (op: string, ...s: Sample[]) => { UNARY[op].push(...s); };
add('gelu', { name: 'approximate_none', in: [fl([8])], args: { approximate: 'none' } });
add('gelu_tanh', { name: 'wide_range', in: [fl([16], -12, 12)] });
add('leaky_relu', { name: 'slope_0.2', in: [fl([3, 4])], args: { negativeSlope: 0.2 } },
  { name: 'slope_0.2_f64', in: [f64([6])], args: { negativeSlope: 0.2 } });
add('elu', { name: 'alpha_0.5', in: [fl([3, 4])], args: { alpha: 0.5 } }, { name: 'alpha_2.5_f64', in: [f64([6])], args: { alpha: 2.5 } });
add('softplus', { name: 'beta_2', in: [fl([3, 4], -6, 15)], args: { beta: 2 } },
  { name: 'threshold_1', in: [fl([3, 4], -3, 4)], args: { threshold: 1 } },
  { name: 'beta_0.5_threshold_5', in: [fl([12], -4, 14)], args: { beta: 0.5, threshold: 5 } });
add('clamp', { name: 'min_only', in: [fl([3, 4])], args: { min: -0.5, max: null } },
  { name: 'max_only', in: [fl([3, 4])], args: { min: null, max: 0.75 } },
  { name: 'min_above_max', in: [fl([6])], args: { min: 1.5, max: -0.5 }, noGrad: 'constant result' },
  { name: 'int64_float_bound_promotes', in: [int([8])], args: { min: 0.5, max: null } , noGrad: 'integer input' },
  { name: 'inf_bounds', in: [specials()], args: { min: -Infinity, max: Infinity }, noGrad: 'specials' });
add('round', { name: 'halves_to_even', in: [vals(halves(-10, 11))], noGrad: 'steps' });
add('floor', { name: 'integers_and_halves', in: [vals(halves(-6, 7))], noGrad: 'steps' });
add('ceil', { name: 'integers_and_halves', in: [vals(halves(-6, 7))], noGrad: 'steps' });
add('sigmoid', { name: 'saturating', in: [vals([-100, -30, -16, 16, 30, 100])] });
add('tanh', { name: 'saturating', in: [vals([-100, -10, -9, 9, 10, 100])] });
add('exp', { name: 'overflow_underflow', in: [vals([-104, -88, 88, 89, 100])], noGrad: 'overflows', dtypes: ['float32', 'float64'] });
add('isnan', { name: 'ints_never', in: [int([5])], noGrad: 'bool result' });
add('logical_not', { name: 'bool', in: [bool([2, 3])], noGrad: 'bool result' });
for (const op of ['neg', 'abs', 'relu']) add(op, { name: 'bool_rejected', in: [bool([3])], error: true });

// to_dtype: every pair of the five classic dtypes, plus the conversions with traps
const DT = ['float32', 'float64', 'int32', 'int64', 'bool'] as const;
UNARY.to_dtype = [];
for (const src of DT) for (const dst of DT) {
  const x = src === 'bool' ? bool([2, 3]) : src.startsWith('float') ? fl([2, 3], -5, 5, { dtype: src }) : int([2, 3], -5, 6, { dtype: src });
  const ok = src.startsWith('float') && dst === 'float64';  // a float32 result is too coarse for finite differences
  UNARY.to_dtype.push({ name: `${src}_to_${dst}`, in: [x], args: { dtype: dst }, ...(ok ? {} : { noGrad: 'integer or bool side' }) });
}
add('to_dtype',
  { name: 'f32_to_int64_transposed', in: [fl([3, 4], -9, 9, { view: T_() })], args: { dtype: 'int64' }, noGrad: 'integer result' },
  { name: 'f32_to_int32_truncates', in: [vals([-2.9, -2.5, -0.7, 0.7, 2.5, 2.9])], args: { dtype: 'int32' }, noGrad: 'integer result' },
  { name: 'specials_to_bool', in: [specials()], args: { dtype: 'bool' }, noGrad: 'bool result' },
  { name: 'f64_to_f32_rounds', in: [vals([0.1, 1 / 3, 1e-40, 3.5e38, -1e39, 16777217], 'float64')], args: { dtype: 'float32' }, noGrad: 'overflows' },
  { name: 'int64_to_int32_wraps', in: [vals([2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 5], 'int64')], args: { dtype: 'int32' }, noGrad: 'integer' },
  { name: 'f32_empty_to_f64', in: [fl([2, 0])], args: { dtype: 'float64' }, noGrad: 'empty' });

// copy_: dst <- src, broadcast and converted; the result is dst (in place: no gradcheck)
const IP = 'in place on a leaf';
UNARY.copy_ = [
  { name: 'f32_same_shape', in: [fl([3, 4]), fl([3, 4])], noGrad: IP },
  { name: 'broadcast_row', in: [fl([3, 4]), fl([4])], noGrad: IP },
  { name: 'broadcast_0d', in: [fl([2, 3]), fl([])], noGrad: IP },
  { name: 'int64_src_to_f32', in: [fl([2, 3]), int([2, 3])], noGrad: IP },
  { name: 'f32_src_to_int32_truncates', in: [int([2, 3], -5, 6, { dtype: 'int32' }), fl([2, 3])], noGrad: IP },
  { name: 'f32_src_to_bool', in: [bool([6]), vals([0, -0, 0.5, 'nan', 'inf', -2])], noGrad: IP },
  { name: 'dst_transposed', in: [fl([4, 3], -3, 3, { view: T_() }), fl([3, 4])], noGrad: IP },
  { name: 'src_transposed', in: [fl([3, 4]), fl([4, 3], -3, 3, { view: T_() })], noGrad: IP },
  { name: 'f64_dst', in: [f64([5]), fl([5])], noGrad: IP, dtypes: [] },
  { name: 'not_broadcastable', in: [fl([3, 4]), fl([3])], error: true },
];
