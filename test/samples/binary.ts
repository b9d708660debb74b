// Samples of the binary family (broadcasting elementwise ops of two operands, and where):
// layouts and broadcasts, 0-d and empty operands, dtype promotion, JS-number scalars, specials.
import { type Sample, type SampleTable, type TensorIn, fl, int, bool, grid, vals, sc, specials, T_ } from './sample';
import type { DType } from '../../ts/index';

const OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and', 'logical_or', 'silu_backward'];
const COMPARE = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const LOGICAL = new Set(['logical_and', 'logical_or']);

/** an operand in the op's domain: halves for comparisons (ties), positive bases for pow, no zero divisors */
function operand(op: string, shape: number[], dtype: DType, second: boolean, view?: TensorIn['view']): TensorIn {
  const o = { dtype, ...(view ? { view } : {}) };
  const float = dtype.startsWith('float');
  if (dtype === 'bool') return bool(shape, o);
  if (COMPARE.has(op)) return grid(shape, float ? -2 : -2, 3, o);
  if (LOGICAL.has(op)) return float ? grid(shape, -1, 2, o) : int(shape, -1, 2, o);
  if (op === 'pow') return float ? (second ? fl(shape, -2, 2, o) : fl(shape, 0.2, 3, o)) : (second ? int(shape, 0, 4, o) : int(shape, -3, 4, o));
  if (op === 'div' && second) return float ? fl(shape, 0.5, 3, o) : int(shape, 1, 5, o);
  return float ? fl(shape, -3, 3, o) : int(shape, -5, 6, o);
}

function common(op: string): Sample[] {
  const B = (a: number[], b: number[], da: DType = 'float32', db: DType = da, va?: TensorIn['view'], vb?: TensorIn['view']) =>
    [operand(op, a, da, false, va), operand(op, b, db, true, vb)];
  const ng = COMPARE.has(op) || LOGICAL.has(op) ? 'bool result' : op === 'silu_backward' ? "silu's backward (createGraph differentiates the composite)" : undefined;
  const s = (name: string, inp: Sample['in'], o: Partial<Sample> = {}): Sample => ({ name, in: inp, ...(ng ? { noGrad: ng } : {}), ...o });
  const INT = { noGrad: 'integer or bool operands' };
  const out: Sample[] = [
    s('f32', B([3, 4], [3, 4])),
    s('bcast_col_row', B([3, 1], [1, 4])),
    s('bcast_trailing', B([2, 3, 4], [4])),
    s('bcast_middle', B([2, 1, 3], [4, 1])),
    s('noncontig', B([4, 3], [3, 8], 'float32', 'float32', T_(), [['slice', 1, 0, 8, 2]])),
    s('permuted_3d', B([4, 2, 3], [2, 3, 4], 'float32', 'float32', [['permute', [1, 2, 0]]])),
    s('tensor_0d', B([3], [])),
    s('0d_0d', B([], [])),
    s('empty', B([0, 3], [3]), { noGrad: 'empty' }),
    s('f32_tail', B([37], [37])),
    s('f64', B([2, 3], [2, 3], 'float64')),
    s('int32', B([2, 3], [2, 3], 'int32'), INT),
    s('int64', B([2, 3], [2, 3], 'int64'), INT),
    s('int32_float32', B([2, 3], [2, 3], 'int32', 'float32'), { noGrad: 'integer operand', dtypes: [] }),
    s('float32_float64', B([2, 3], [2, 3], 'float32', 'float64'), { dtypes: [] }),
    s('float32_dim_float64_0d', B([3], [], 'float32', 'float64'), { dtypes: [] }),
    s('f32_int_scalar', [operand(op, [2, 3], 'float32', false), sc(op === 'pow' || op === 'mul' || op === 'div' ? 2 : 1)]),
    s('f32_float_scalar', [operand(op, [2, 3], 'float32', false), sc(COMPARE.has(op) ? 0.5 : op === 'pow' ? 0.5 : 1.5)]),
    s('int32_float_scalar', [operand(op, [2, 3], 'int32', false), sc(COMPARE.has(op) ? 0.5 : 2.5)], INT),
    s('specials', [specials(), vals([1, 'nan', 2, 'inf', -1, 0, 0.5, -0.5, 'inf', 1, 2, 3, -2, 0.25, '-inf', 4, 1e30, -3])], { noGrad: 'specials' }),
    s('shape_mismatch', B([2, 3], [4]), { error: true }),
  ];
  if (op !== 'pow') out.push(s('bool', B([2, 3], [2, 3], 'bool'), op === 'sub' ? { error: true } : INT));  // torch: no bool - bool
  return out;
}

export const BINARY: SampleTable = Object.fromEntries(OPS.map((op) => [op, common(op)]));
const add = (op: string, ...s: Sample[]) => { BINARY[op].push(...s); };
for (const op of ['add', 'sub']) {
  add(op, { name: 'alpha_2', in: [fl([3, 4]), fl([3, 4])], args: { alpha: 2 } },
    { name: 'alpha_0.5_bcast', in: [fl([3, 4]), fl([4])], args: { alpha: 0.5 } },
    { name: 'int64_alpha_3', in: [int([5]), int([5])], args: { alpha: 3 }, noGrad: 'integer' },
    { name: 'int64_float_alpha', in: [int([5]), int([5])], args: { alpha: 0.5 }, error: true });
}
add('pow', { name: 'f32_negative_base', in: [vals([-8, -2, -0.5, 0, 2]), vals([1 / 3, 2, -1, -1, 0.5])], noGrad: 'nan and a pole' },
  { name: 'int_negative_tensor_exponent', in: [vals([2, 1, -1, -1, 3, 0], 'int64'), vals([-1, -3, -3, -2, 0, 0], 'int64')], noGrad: 'integer' },
  { name: 'f32_sqrt_scalar', in: [fl([7], 0.1, 4), sc(0.5)] });
add('div', { name: 'by_zero', in: [vals([1, -1, 0, 'nan', 'inf']), vals([0, 0, 0, 0, 0])], noGrad: 'poles' },
  { name: 'int_by_int_exact', in: [vals([6, -6, 7, -7], 'int32'), vals([3, 3, 2, -2], 'int32')], noGrad: 'integer' });
// torch has no integer or bool silu_backward: those samples are errors for it (myelin throws as well)
for (const smp of BINARY.silu_backward) if (['int32', 'int64', 'bool'].includes(smp.name)) { smp.error = true; delete smp.noGrad; }
add('maximum', { name: 'ties', in: [grid([8]), grid([8])], noGrad: 'ties split the gradient' });
add('minimum', { name: 'ties', in: [grid([8]), grid([8])], noGrad: 'ties split the gradient' });

// where(cond, a, b): both branches broadcast with the condition and promote together
BINARY.where = [
  { name: 'f32', in: [bool([3, 4]), fl([3, 4]), fl([3, 4])] },
  { name: 'bcast', in: [bool([3, 1]), fl([1, 4]), fl([3, 4])] },
  { name: 'noncontig', in: [bool([4, 3], { view: T_() }), fl([3, 8], -3, 3, { view: [['slice', 1, 0, 8, 2]] }), fl([3, 4])] },
  { name: 'scalar_branch', in: [bool([5]), fl([5]), sc(-1.5)] },
  { name: 'scalar_first', in: [bool([5]), sc(0.5), fl([5])] },
  { name: 'int32_tensor_float_scalar', in: [bool([5]), int([5], -5, 6, { dtype: 'int32' }), sc(0.5)], noGrad: 'integer' },
  { name: 'f32_f64', in: [bool([4]), fl([4]), fl([4], -3, 3, { dtype: 'float64' })], dtypes: [] },
  { name: 'bool_branches', in: [bool([6]), bool([6]), bool([6])], noGrad: 'bool' },
  { name: 'cond_not_bool', in: [fl([3]), fl([3]), fl([3])], error: true },
];
