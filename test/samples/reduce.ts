// Samples of the reduce family: reductions over one, several or all dims (with keepdim),
// max/min/argmax/argmin (values and indices), cumsum and the softmaxes; layouts, 0-d, empty,
// float64, ints, NaN and infinities, and the option variants (correction, p).
import { type Sample, type SampleTable, type TensorIn, fl, f64, int, bool, grid, distinct, vals, T_ } from './sample';
import type { Args } from '../helpers';

const DIMS: [string, Args][] = [['all', {}], ['all_keepdim', { keepdim: true }], ['dim1', { dim: 1 }],
  ['dim_neg1_keepdim', { dim: -1, keepdim: true }], ['dims_0_2', { dim: [0, 2] }], ['dims_0_neg1_keepdim', { dim: [0, -1], keepdim: true }]];
const RANGE: Record<string, [number, number]> = { prod: [0.5, 1.5], logsumexp: [-5, 5] };
/** amax/amin: ties split the gradient; all/any: bool results */
const FLOAT_ONLY = new Set(['mean', 'norm', 'var', 'std']);
const NOGRAD: Record<string, string> = { all: 'bool result', any: 'bool result' };

function reductions(op: string): Sample[] {
  const [lo, hi] = RANGE[op] ?? [-3, 3];
  const boolish = op === 'all' || op === 'any';
  const X = (shape: number[], o: Partial<TensorIn> = {}): TensorIn =>
    boolish ? grid(shape, -1, op === 'all' ? 6 : 2, o) : (op === 'amax' || op === 'amin') ? distinct(shape, lo, hi, o) : fl(shape, lo, hi, o);
  const ng = NOGRAD[op] ? { noGrad: NOGRAD[op] } : {};
  const s = (name: string, x: TensorIn, args: Args, o: Partial<Sample> = {}): Sample => ({ name, in: [x], args, ...ng, ...o });
  const out: Sample[] = DIMS.filter(([, a]) => op !== 'logsumexp' || 'dim' in a).map(([name, a]) => s(name, X([3, 4, 5]), a));
  out.push(
    s('transposed_dim0', X([5, 4, 3], { view: T_(0, 2) }), { dim: 0 }),
    s('step_sliced_dims_0_2', X([3, 8, 5], { view: [['slice', 1, 0, 8, 2]] }), { dim: [0, 2] }),
    s('1d', X([17]), { dim: 0 }),
    s('0d', X([]), { dim: 0 }, op === 'var' || op === 'std' ? { noGrad: 'one element: NaN (as torch)' } : {}),
    s('empty_reduce_nonempty_dim', X([0, 4]), { dim: 1 }, { noGrad: 'empty' }),
    s('f64', X([3, 4], { dtype: 'float64' }), { dim: 1 }),
    // torch takes only floating inputs for these (myelin must throw as well)
    s('int32', int([3, 4], -3, op === 'prod' ? 3 : 4, { dtype: 'int32' }), { dim: 1 }, FLOAT_ONLY.has(op) ? { error: true } : { noGrad: 'integer input' }),
    s('bool_all', bool([3, 4]), { dim: [0, 1] }, FLOAT_ONLY.has(op) ? { error: true } : { noGrad: 'bool input' }),
    s('dim_out_of_range', X([3, 4]), { dim: 2 }, { error: true }),
  );
  if (!boolish) out.push(s('with_nan', vals([1, 'nan', 2, 3, 4, 5], 'float32', [2, 3]), { dim: 1 }, { noGrad: 'nan' }),
    s('with_inf', vals([1, 'inf', 2, '-inf', 4, 5], 'float32', [2, 3]), { dim: 1 }, { noGrad: 'inf' }));
  return out;
}

export const REDUCE: SampleTable = Object.fromEntries(
  ['sum', 'mean', 'prod', 'amax', 'amin', 'logsumexp', 'norm', 'var', 'std', 'all', 'any'].map((op) => [op, reductions(op)]));
for (const op of ['var', 'std']) REDUCE[op].push(
  { name: 'correction_0', in: [fl([3, 5])], args: { dim: 1, correction: 0 } },
  { name: 'correction_2', in: [fl([3, 5])], args: { dim: 1, correction: 2 } },
  { name: 'unbiased_false', in: [fl([3, 5])], args: { dim: 0, unbiased: false } },
  { name: 'large_offset', in: [fl([4, 50], 9999, 10001)], args: { dim: 1 }, dtypes: ['float32', 'float64'] },
  { name: 'f64_correction_0_all', in: [f64([4, 5])], args: { correction: 0 } });
for (const [pn, p] of [['1', 1], ['2', 2], ['inf', Infinity]] as const) REDUCE.norm.push(
  { name: `p${pn}_dim1_keepdim`, in: [fl([3, 4])], args: { p, dim: 1, keepdim: true }, ...(p === Infinity ? { noGrad: 'ties' } : {}) },
  { name: `p${pn}_transposed`, in: [fl([4, 3], -3, 3, { view: T_() })], args: { p, dim: 0 }, ...(p === Infinity ? { noGrad: 'ties' } : {}) });
REDUCE.logsumexp.push({ name: 'large_values', in: [vals([1000, 1000.5, 999, -1000, -999, -1001], 'float32', [2, 3])], args: { dim: 1 } },
  { name: 'all_neg_inf', in: [vals(['-inf', '-inf', 0, '-inf'], 'float32', [2, 2])], args: { dim: 1 }, noGrad: 'inf' });
REDUCE.prod.push({ name: 'with_zero', in: [vals([2, 0, 3, 2, 3, 4], 'float32', [2, 3])], args: { dim: 1 } });
for (const op of ['amax', 'amin']) REDUCE[op].push({ name: 'empty_reduce_dim', in: [fl([0, 4])], args: { dim: 0 }, error: true });

// max/min with a dim give {values, indices}; without one, the max of all elements
for (const op of ['max', 'min', 'argmax', 'argmin']) {
  const ng = op.startsWith('arg') ? { noGrad: 'integer result' } : {};
  REDUCE[op] = [
    { name: 'all', in: [distinct([3, 4])], ...ng },
    { name: 'dim1', in: [distinct([3, 4])], args: { dim: 1 }, ...ng },
    { name: 'dim_neg1_keepdim', in: [distinct([2, 3, 4])], args: { dim: -1, keepdim: true }, ...ng },
    { name: 'transposed', in: [distinct([4, 3], -4, 4, { view: T_() })], args: { dim: 1 }, ...ng },
    { name: 'ties_first_index', in: [vals([1, 3, 3, 0, 2, 2, 1, 1, 5, 5, 5, 5], 'float32', [3, 4])], args: { dim: 1 }, noGrad: 'ties' },
    { name: '0d', in: [distinct([])], args: { dim: 0 }, ...ng },
    { name: 'f64', in: [distinct([3, 4], -4, 4, { dtype: 'float64' })], args: { dim: 1 }, ...ng },
    { name: 'int32', in: [int([3, 4], -50, 50, { dtype: 'int32' })], args: { dim: 1 }, noGrad: 'integer input' },
    { name: 'with_nan', in: [vals([1, 'nan', 3, 2, 4, 5, 'nan', 'nan'], 'float32', [2, 4])], args: { dim: 1 }, noGrad: 'nan' },
    { name: 'with_inf', in: [vals([1, 'inf', '-inf', '-inf', 5, 0], 'float32', [2, 3])], args: { dim: 1 }, noGrad: 'inf' },
    { name: 'empty_reduce_dim', in: [fl([0, 4])], args: { dim: 0 }, error: true },
  ];
}

for (const op of ['cumsum', 'softmax', 'log_softmax']) {
  REDUCE[op] = [
    { name: 'dim_neg1', in: [fl([3, 4, 5])], args: { dim: -1 } },
    { name: 'dim0', in: [fl([3, 4, 5])], args: { dim: 0 } },
    { name: 'transposed', in: [fl([5, 4], -3, 3, { view: T_() })], args: { dim: 1 } },
    { name: 'step_sliced', in: [fl([4, 9], -3, 3, { view: [['slice', 1, 0, 9, 2]] })], args: { dim: -1 } },
    { name: '1d', in: [fl([33])], args: { dim: 0 } },
    { name: '0d', in: [fl([])], args: { dim: 0 } },
    { name: 'empty_dim', in: [fl([3, 0])], args: { dim: 1 }, noGrad: 'empty' },
    { name: 'f64', in: [f64([3, 4])], args: { dim: 1 } },
    { name: 'with_inf', in: [vals([1, '-inf', 2, '-inf', '-inf', '-inf', 'inf', 0, 1], 'float32', [3, 3])], args: { dim: 1 }, noGrad: 'inf' },
    { name: 'dim_out_of_range', in: [fl([3, 4])], args: { dim: 2 }, error: true },
  ];
}
REDUCE.cumsum.push({ name: 'int32_promotes', in: [int([2, 5], -5, 6, { dtype: 'int32' })], args: { dim: 1 }, noGrad: 'integer' },
  { name: 'bool_promotes', in: [bool([7])], args: { dim: 0 }, noGrad: 'bool' });
for (const op of ['softmax', 'log_softmax'])
  REDUCE[op].push({ name: 'large_values', in: [vals([1000, 1001, 999, -1000, -1001, -999], 'float32', [2, 3])], args: { dim: 1 } });
