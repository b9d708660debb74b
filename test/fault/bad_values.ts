// The classes of bad input, one list per argument kind. A fault case is (function row, argument,
// bad value): the row's good arguments with one of them replaced by a value from its kind's list.
//
// Columns of a bad value:
//   cls     the class it belongs to (reported per class: wrong_type, nan_inf, negative, ...)
//   label   what it is, printed in reproducers
//   make    builds it from the argument's good value (so a tensor edge case keeps the good shape)
//   expect  'throw': the call must throw a named Error; 'either': throwing a named Error or
//           returning a sane result are both right (valid edge input, e.g. a 0-d tensor)
//   views   the value is a non-contiguous/aliasing view: when the call returns, its result must
//           equal the result on a contiguous copy of the same values (the view changes nothing)
import type * as M from '../../ts/index';

export type Expect = 'throw' | 'either';
export interface Bad {
  cls: string;
  label: string;
  make: (m: typeof M, good: unknown) => unknown;
  expect: Expect;
  views?: boolean;
}

/** Deterministic values (no RNG), so a call can be repeated on equal inputs. */
export function det(m: typeof M, shape: number[], dtype: M.DType = 'float32'): M.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) =>
    dtype === 'bool' ? i % 2 : dtype === 'int32' || dtype === 'int64' ? i % 3 : (((i * 7) % 11) - 5) / 4);
  // a flat typed array with `shape` (nested-array data ignores the shape option)
  if (dtype === 'bool') return m.tensor(Uint8Array.from(v), { dtype, shape });
  return m.tensor(Float64Array.from(v), { dtype, shape });
}

const bad = (cls: string, label: string, make: Bad['make'], expect: Expect = 'throw', views = false): Bad =>
  ({ cls, label, make, expect, views });
const val = (cls: string, label: string, v: unknown, expect: Expect = 'throw'): Bad => bad(cls, label, () => v, expect);

/** Wrong JS types: refused wherever a value of the kind is required. */
const WRONG_TYPES: Bad[] = [
  val('wrong_type', "'1'", '1'),
  val('wrong_type', '{}', {}),
  val('wrong_type', 'undefined', undefined),
  val('wrong_type', 'null', null),
  bad('wrong_type', "Symbol('s')", () => Symbol('s')),
  val('wrong_type', '2n', 2n),
  bad('wrong_type', '() => 1', () => () => 1),
];
const NOT_NUMBERS: Bad[] = [...WRONG_TYPES, val('wrong_type', '[]', []), val('wrong_type', 'true', true)];

const shapeOf = (t: unknown): number[] => [...(t as M.Tensor).shape];
const dtypeOf = (t: unknown): M.DType => (t as M.Tensor).dtype;
/** The good tensor's values in another layout: built as `base`, then viewed back to the good shape. */
const transposed = (m: typeof M, t: unknown): M.Tensor => {
  const s = shapeOf(t);
  if (s.length < 2) return det(m, [s[0] ?? 1, 2], dtypeOf(t)).select(1, 0);   // stride 2
  const perm = s.map((_, i) => s.length - 1 - i);
  return det(m, perm.map((p) => s[p]), dtypeOf(t)).permute(perm);
};
const expanded = (m: typeof M, t: unknown): M.Tensor => {
  const s = shapeOf(t);
  if (s.length === 0) return det(m, [], dtypeOf(t));
  return det(m, [1, ...s.slice(1)], dtypeOf(t)).expand(s);
};
/** Rows that share elements: strides [1, 1, ...] over a small 1-D base (internal overlap). */
const overlapping = (m: typeof M, t: unknown): M.Tensor => {
  const s = shapeOf(t);
  const n = s.reduce((a, b) => a + Math.max(b - 1, 0), 1);
  return det(m, [n], dtypeOf(t)).asStrided(s, s.map(() => 1), 0);
};
const stepped = (m: typeof M, t: unknown): M.Tensor => {
  const s = shapeOf(t);
  if (s.length === 0) return det(m, [], dtypeOf(t));
  return det(m, [...s.slice(0, -1), 2 * s[s.length - 1]], dtypeOf(t)).slice(-1, 0, 2 * s[s.length - 1], 2);
};
const disposed = (_m: typeof M, t: unknown): M.Tensor => { (t as M.Tensor).dispose(); return t as M.Tensor; };
const recast = (dtype: M.DType) => (m: typeof M, t: unknown): M.Tensor => det(m, shapeOf(t), dtype);
const emptyLike = (m: typeof M, t: unknown): M.Tensor => {
  const s = shapeOf(t);
  return det(m, s.length ? [0, ...s.slice(1)] : [0], dtypeOf(t));
};

/** A tensor input: shape, dtype, layout, lifetime. */
const TENSOR: Bad[] = [
  ...WRONG_TYPES,
  val('wrong_type', '[[1, 2, 3]]', [[1, 2, 3]]),
  val('wrong_type', '2', 2),
  bad('disposed', 'disposed', disposed),
  bad('zero_d', '0-d tensor', (m, t) => det(m, [], dtypeOf(t)), 'either'),
  bad('empty', 'empty tensor [0, ...]', emptyLike, 'either'),
  bad('empty', 'empty tensor [0]', (m, t) => det(m, [0], dtypeOf(t)), 'either'),
  bad('dtype', 'int64', recast('int64'), 'either'),
  bad('dtype', 'int32', recast('int32'), 'either'),
  bad('dtype', 'bool', recast('bool'), 'either'),
  bad('dtype', 'float64', recast('float64'), 'either'),
  bad('shape', 'shape [7, 5]', (m, t) => det(m, [7, 5], dtypeOf(t)), 'either'),
  bad('alias_view', 'transposed view', transposed, 'either', true),
  bad('alias_view', 'expanded view (stride 0)', expanded, 'either', true),
  bad('alias_view', 'overlapping asStrided view', overlapping, 'either', true),
  bad('alias_view', 'slice with step 2', stepped, 'either', true),
];
/** Tensor or scalar (binary ops' other operand). */
const TENSOR_LIKE: Bad[] = TENSOR.map((b) => (b.label === '2' ? { ...b, expect: 'either' as Expect } : b))
  .concat([val('nan_inf', 'NaN', NaN, 'either'), val('nan_inf', 'Infinity', Infinity, 'either'), val('huge', '1e300', 1e300, 'either')]);
/**
 * The target of an in-place op: a write through a view with internal overlap (a stride-0 dim of
 * size > 1) must throw, as torch's assert_no_internal_overlap. Other overlapping layouts (strides
 * [1, 1]) are "too hard" for torch's check and allowed, with no defined result (no view check).
 * fill_ and zero_ take a plain tensor kind instead: torch allows them on overlap (idempotent).
 */
const INPLACE_SELF: Bad[] = TENSOR.map((b) =>
  b.label.startsWith('expanded') ? { ...b, expect: 'throw' as Expect, views: false }
    : b.label.startsWith('overlapping') ? { ...b, views: false } : b);
/** Index tensors (int64 positions into a dim of size 3). */
const INDEX: Bad[] = [
  ...WRONG_TYPES,
  bad('disposed', 'disposed', disposed),
  bad('dtype', 'float32 index', recast('float32')),
  bad('dtype', 'bool index', recast('bool')),
  bad('dtype', 'int32 index', recast('int32'), 'either'),
  bad('index', 'index 99', (m, t) => m.full(shapeOf(t), 99, { dtype: 'int64' })),
  bad('index', 'index -99', (m, t) => m.full(shapeOf(t), -99, { dtype: 'int64' })),
  bad('index', 'index 2^40', (m, t) => m.full(shapeOf(t), 2 ** 40, { dtype: 'int64' })),
  bad('index', 'index -1', (m, t) => m.full(shapeOf(t), -1, { dtype: 'int64' }), 'either'),
  bad('empty', 'empty index', (m) => det(m, [0], 'int64'), 'either'),
  bad('zero_d', '0-d index', (m) => det(m, [], 'int64'), 'either'),
  bad('alias_view', 'expanded index', expanded, 'either', true),
];
const MASK: Bad[] = [
  ...WRONG_TYPES,
  bad('disposed', 'disposed', disposed),
  bad('dtype', 'float32 mask', recast('float32'), 'either'),
  bad('dtype', 'int64 mask', recast('int64'), 'either'),
  bad('shape', 'mask [7, 5]', (m) => det(m, [7, 5], 'bool')),
  bad('zero_d', '0-d mask', (m) => det(m, [], 'bool'), 'either'),
  bad('alias_view', 'expanded mask', expanded, 'either', true),
  bad('alias_view', 'transposed mask', transposed, 'either', true),
];
/** A dim of a small tensor (valid range [-ndim, ndim)). */
const DIM: Bad[] = [
  ...NOT_NUMBERS,
  val('nan_inf', 'NaN', NaN), val('nan_inf', 'Infinity', Infinity), val('nan_inf', '-Infinity', -Infinity),
  val('fractional', '1.5', 1.5), val('range', '9', 9), val('negative', '-9', -9),
  val('huge', '2^31', 2 ** 31), val('huge', '2^53', 2 ** 53), val('huge', '-2^63', -(2 ** 63)),
];
const DIMS: Bad[] = [
  ...WRONG_TYPES,
  val('nan_inf', '[NaN]', [NaN]), val('range', '[9]', [9]), val('fractional', '[0.5]', [0.5]),
  val('range', '[0, 0] (repeated)', [0, 0]), val('wrong_type', "['0']", ['0']), val('huge', '[2^53]', [2 ** 53]),
];
/** A position: start, index, offset (valid: inside the dim). */
const POS: Bad[] = [
  ...NOT_NUMBERS,
  val('nan_inf', 'NaN', NaN), val('nan_inf', 'Infinity', Infinity), val('fractional', '1.5', 1.5),
  val('range', '99', 99), val('negative', '-99', -99),
  val('huge', '2^31', 2 ** 31), val('huge', '2^53', 2 ** 53), val('huge', '-2^53', -(2 ** 53)), val('huge', '2^64', 2 ** 64),
];
/** A count: sizes of dims, features, kernels, k, chunks. Never 2^31 alone: a valid 8 GB allocation. */
const COUNT: Bad[] = [
  ...NOT_NUMBERS,
  val('nan_inf', 'NaN', NaN), val('nan_inf', 'Infinity', Infinity), val('negative', '-1', -1),
  val('negative', '-2^31', -(2 ** 31)), val('fractional', '1.5', 1.5),
  val('huge', '2^53', 2 ** 53), val('huge', '2^62', 2 ** 62), val('empty', '0', 0, 'either'),
];
/** A count where more than there is means "all of it" (chunk, split size, batch size). */
const UPTO: Bad[] = COUNT.map((b) => (b.cls === 'huge' ? { ...b, expect: 'either' as Expect } : b));
/** A slice bound or ignore index: any integer is valid (bounds clamp, as Python's); NaN and fractions are not. */
const BOUND: Bad[] = POS.map((b) => (['range', 'negative', 'huge'].includes(b.cls) ? { ...b, expect: 'either' as Expect } : b));
/**
 * A schedule length or patience in epochs/steps (StepLR stepSize, CosineAnnealingLR tMax,
 * EarlyStopping patience): any integer is a valid count however large, as in torch
 * (StepLR(step_size=2**53) is accepted there: the schedule just never reaches it). Huge values
 * allocate nothing, so refusing them would be a check with no failure behind it.
 */
const PERIOD: Bad[] = COUNT.map((b) => (b.cls === 'huge' ? { ...b, expect: 'either' as Expect } : b));
/** A byte limit (setMemoryLimit): null, undefined, 0 and Infinity mean no limit, and huge ones are valid. */
const BYTES: Bad[] = COUNT.map((b) => (['undefined', 'null', 'Infinity', '0', '2^53', '2^62'].includes(b.label) ? { ...b, expect: 'either' as Expect } : b));
/** A padding: any non-negative integer (the output grows); negative only where it crops (ZeroPad2d). */
const PAD: Bad[] = POS.map((b) => (b.cls === 'range' ? { ...b, expect: 'either' as Expect } : b));
/** An epoch count: as COUNT, without the values that would train for ever (fit(epochs: Infinity) is a request). */
const EPOCHS: Bad[] = COUNT.filter((b) => !['Infinity', '2^53', '2^62'].includes(b.label));
/** A creation shape. Products that wrap int64 ([2^32, 2^32] is 2^64 elements) must be refused. */
const SHAPE: Bad[] = [
  ...WRONG_TYPES,
  val('nan_inf', '[NaN]', [NaN]), val('nan_inf', '[Infinity]', [Infinity]), val('negative', '[-1]', [-1]),
  val('fractional', '[1.5]', [1.5]), val('huge', '[2^53]', [2 ** 53]), val('huge', '[2^32, 2^32]', [2 ** 32, 2 ** 32]),
  val('huge', '[2^62, 4]', [2 ** 62, 4]), val('huge', '[2^32, 2^32, 0]', [2 ** 32, 2 ** 32, 0], 'either'),
  val('wrong_type', "['2']", ['2']), val('wrong_type', '[2, undefined]', [2, undefined]),
  val('zero_d', '[]', [], 'either'), val('empty', '[0]', [0], 'either'),
];
/** A view shape over the good tensor's 6 elements (-1 infers one dim). */
const VSHAPE: Bad[] = [
  ...WRONG_TYPES,
  // [-1, -1]: expand keeps those sizes and pad crops by them (torch); reshape must refuse
  val('nan_inf', '[NaN]', [NaN]), val('negative', '[-1, -1]', [-1, -1], 'either'), val('negative', '[-2, -3]', [-2, -3]),
  val('fractional', '[1.5, 4]', [1.5, 4]), val('shape', '[7]', [7], 'either'), val('huge', '[2^53]', [2 ** 53]),
  val('huge', '[2^52]', [2 ** 52]),
  val('huge', '[2^32, 2^32, 6]', [2 ** 32, 2 ** 32, 6]), val('wrong_type', "['6']", ['6']),
  // as strides: (size - 1) * stride wraps int64 (2 * 2^62 = 2^63; 2 * 2^63 = 0)
  val('huge', '[2^62, 1]', [2 ** 62, 1]), val('huge', '[2^63, 2^63]', [2 ** 63, 2 ** 63]), val('huge', '[2^52, 2^52]', [2 ** 52, 2 ** 52]),
];
/** Milestone epochs (MultiStepLR): integers of any size, as PERIOD (an unreachable one never fires). */
const MILESTONES: Bad[] = VSHAPE.map((b) => (b.cls === 'huge' ? { ...b, expect: 'either' as Expect } : b));
/** A number used as a value (fill value, alpha, clamp bound): NaN and infinities are values too. */
const SCALAR: Bad[] = [
  ...WRONG_TYPES.filter((b) => b.label !== 'undefined'),
  val('wrong_type', '[]', []),
  val('nan_inf', 'NaN', NaN, 'either'), val('nan_inf', 'Infinity', Infinity, 'either'),
  val('nan_inf', '-Infinity', -Infinity, 'either'), val('huge', '1e300', 1e300, 'either'), val('huge', '-2^63', -(2 ** 63), 'either'),
];
/** A hyper-parameter that must be finite and in range (lr, eps, momentum, p). */
const HYPER: Bad[] = [
  ...WRONG_TYPES.filter((b) => b.label !== 'undefined'),
  // torch checks `0 <= lr`, so an infinite lr is accepted there (and here)
  val('nan_inf', 'NaN', NaN), val('nan_inf', 'Infinity', Infinity, 'either'), val('negative', '-1', -1),
];
const DTYPE: Bad[] = [
  ...WRONG_TYPES.filter((b) => b.label !== 'undefined'),
  val('dtype', "'int16'", 'int16'), val('dtype', "'FLOAT32'", 'FLOAT32'), val('dtype', "''", ''),
  val('dtype', "'complex64'", 'complex64'), val('dtype', '7', 7), val('dtype', "'float16'", 'float16', 'either'),
];
/** Booleans: JS truthiness is an accepted reading, so only a crash or a non-Error fails here. */
const BOOL: Bad[] = [...WRONG_TYPES, val('wrong_type', '1', 1), val('wrong_type', 'NaN', NaN)].map((b) => ({ ...b, expect: 'either' as Expect }));
/** Lists of tensors (cat, stack, TensorDataset). */
const TENSORS: Bad[] = [
  ...WRONG_TYPES,
  val('empty', '[]', []),
  bad('disposed', '[disposed]', (_m, ts) => { (ts as M.Tensor[])[0].dispose(); return ts; }),
  bad('wrong_type', '[t, 5]', (_m, ts) => [(ts as M.Tensor[])[0], 5]),
  bad('wrong_type', '[t, undefined]', (_m, ts) => [(ts as M.Tensor[])[0], undefined]),
  bad('dtype', '[t, int64 t]', (m, ts) => [(ts as M.Tensor[])[0], recast('int64')(m, (ts as M.Tensor[])[0])], 'either'),
  bad('zero_d', '[0-d, 0-d]', (m) => [det(m, []), det(m, [])], 'either'),
  bad('shape', '[t, t of [7, 5]]', (m, ts) => [(ts as M.Tensor[])[0], det(m, [7, 5])]),
  bad('wrong_type', 'a tensor, not a list', (_m, ts) => (ts as M.Tensor[])[0]),
  bad('alias_view', '[expanded, transposed]', (m, ts) => [expanded(m, (ts as M.Tensor[])[0]), transposed(m, (ts as M.Tensor[])[0])], 'either', true),
];
/** Parameter lists for optimizers. */
const PARAMS: Bad[] = [
  ...WRONG_TYPES,
  val('empty', '[]', []),
  bad('dtype', '[int64 tensor]', (m) => [det(m, [3], 'int64')]),
  bad('wrong_type', '[5]', () => [5]),
  bad('wrong_type', '[undefined]', () => [undefined]),
];
/** An options object as a whole (fields are their own arguments where a row lists them). */
const OPTIONS: Bad[] = [
  val('wrong_type', "'1'", '1'), val('wrong_type', '5', 5), bad('wrong_type', "Symbol('s')", () => Symbol('s')),
  val('wrong_type', 'null', null, 'either'), val('wrong_type', 'undefined', undefined, 'either'),
];
/**
 * A value stored into an integer tensor: torch refuses what the integer type cannot hold
 * ("value cannot be converted to type int32_t without overflow"); a C++ cast would be undefined.
 */
const INT_SCALAR: Bad[] = [
  ...SCALAR.filter((b) => b.cls === 'wrong_type'),
  val('nan_inf', 'NaN', NaN), val('nan_inf', 'Infinity', Infinity), val('nan_inf', '-Infinity', -Infinity),
  val('huge', '3e9 (past int32)', 3e9), val('huge', '-2^31 - 1', -(2 ** 31) - 1), val('huge', '1e300', 1e300),
  val('fractional', '1.5', 1.5, 'either'), val('range', '-2^31', -(2 ** 31), 'either'),
];
/** A file path (readIdx): missing, a directory, a device, not a string. */
const PATH: Bad[] = [
  ...WRONG_TYPES.filter((b) => b.label !== 'undefined'),
  val('path', "'/nonexistent/x.idx'", '/nonexistent/x.idx'), val('path', "'/tmp' (a directory)", '/tmp'),
  val('path', "'/dev/zero' (a device)", '/dev/zero'), val('path', "''", ''), val('path', "'/proc/self/status' (not IDX)", '/proc/self/status'),
];
/** A string choice (reduction, mode, approximate): an unknown one must be refused, not read as the default. */
const ENUM: Bad[] = [
  ...WRONG_TYPES, val('wrong_type', '5', 5), val('enum', "'bogus'", 'bogus'), val('enum', "'MEAN'", 'MEAN'), val('enum', "''", ''),
];
/** A callback. */
const FN: Bad[] = [...WRONG_TYPES.filter((b) => b.label !== '() => 1'), val('wrong_type', '5', 5)];
/** IDX file bytes (ts/data/idx.ts): every corruption of the header must be refused by name. */
const u8 = (...b: number[]) => new Uint8Array(b);
const IDX_BYTES: Bad[] = [
  ...WRONG_TYPES.filter((b) => b.label !== 'undefined'),
  val('corrupt', 'truncated header', u8(0, 0, 8)),
  val('corrupt', 'bad magic', u8(1, 2, 8, 1, 0, 0, 0, 1, 7)),
  val('corrupt', 'unknown type code', u8(0, 0, 0x42, 1, 0, 0, 0, 1, 7)),
  val('corrupt', 'zero dims', u8(0, 0, 8, 0)),
  val('corrupt', 'dims 2^32-1', u8(0, 0, 8, 1, 255, 255, 255, 255, 7)),
  val('corrupt', 'product of dims wraps', u8(0, 0, 8, 2, 128, 0, 0, 0, 0, 0, 0, 2, 7)),
  val('corrupt', 'data shorter than dims', u8(0, 0, 8, 1, 0, 0, 0, 9, 7)),
  val('corrupt', 'float32 data length not a multiple of 4', u8(0, 0, 0x0d, 1, 0, 0, 0, 1, 7, 7)),
  val('corrupt', '255 dims', u8(0, 0, 8, 255)),
];

/** tensor()'s data: nested arrays, typed arrays, numbers. */
const DATA: Bad[] = [
  // BigInts are int64 data (tensor(2n), tensor([1, 2n]))
  ...WRONG_TYPES.filter((b) => b.label !== '{}').map((b) => (b.label === '2n' ? { ...b, expect: 'either' as Expect } : b)),
  val('shape', 'ragged [[1, 2], [3]]', [[1, 2], [3]]), val('wrong_type', "[[1, '2']]", [[1, '2']]),
  val('wrong_type', '[[1, 2], 3]', [[1, 2], 3]), val('wrong_type', '[1, 2n]', [1, 2n], 'either'),
  // eslint-disable-next-line no-sparse-arrays
  val('wrong_type', 'sparse [, 1]', [, 1]), val('wrong_type', '{ length: 3 }', { length: 3 }),
  // 1e20 is a float to torch (torch.tensor([1e20, 3]) is float32) and to us (only safe integers infer
  // int64), so it is valid data; with an integer dtype it throws (the intScalar rows)
  val('huge', '[1e20, 3] (integers past int64)', [1e20, 3], 'either'), val('huge', '[2^53 + 2, 1]', [2 ** 53 + 2, 1], 'either'),
  val('nan_inf', '[NaN, Infinity]', [NaN, Infinity], 'either'), val('empty', '[[]]', [[]], 'either'),
  bad('huge', 'nested 5000 deep', () => { let a: unknown = [1]; for (let i = 0; i < 5000; i++) a = [a]; return a; }, 'either'),
  val('empty', '[]', [], 'either'), val('zero_d', '3.5', 3.5, 'either'),
];

/** A text to tokenize: any string is valid (empty, a lone surrogate, a long word), anything else is not. */
const TEXT: Bad[] = [
  ...WRONG_TYPES.filter((b) => b.label !== "'1'"), val('wrong_type', '5', 5), val('wrong_type', "['a']", ['a']),
  val('empty', "''", '', 'either'), val('unicode', "'\\uD800' (a lone surrogate)", '\uD800', 'either'),
  val('unicode', "'🐋\\u0000'", '🐋\u0000', 'either'), val('huge', "'x' x 5000 (one long word)", 'x'.repeat(5000), 'either'),
];
/** A corpus: a string or an iterable of strings. */
const TEXTS: Bad[] = [
  ...WRONG_TYPES.filter((b) => b.label !== "'1'"), val('wrong_type', '5', 5), val('wrong_type', "['a', 5]", ['a', 5]),
  val('wrong_type', "['a', undefined]", ['a', undefined]), val('empty', '[]', [], 'either'), val('empty', "['']", [''], 'either'),
];
/** A list of token ids: integers >= 0 in an array or integer typed array. */
const IDS: Bad[] = [
  ...WRONG_TYPES, val('wrong_type', "['1']", ['1']), val('wrong_type', '{ length: 2 }', { length: 2 }),
  val('negative', '[-1]', [-1]), val('fractional', '[1.5]', [1.5]), val('nan_inf', '[NaN]', [NaN]), val('nan_inf', '[Infinity]', [Infinity]),
  val('huge', '[2^53]', [2 ** 53]), val('huge', '[2^31]', [2 ** 31]), val('huge', '[99999]', [99999], 'either'),
  // eslint-disable-next-line no-sparse-arrays
  val('wrong_type', 'sparse [, 1]', [, 1]), val('empty', '[]', [], 'either'),
  bad('dtype', 'Float64Array [1, 2]', () => Float64Array.of(1, 2), 'either'), bad('dtype', 'BigInt64Array [1, 2]', () => BigInt64Array.of(1n, 2n), 'either'),
];

export const BAD: Record<string, Bad[]> = {
  tensor: TENSOR, tensorLike: TENSOR_LIKE, inplaceSelf: INPLACE_SELF, index: INDEX, mask: MASK,
  data: DATA, dim: DIM, dims: DIMS, pos: POS, pad: PAD, bound: BOUND, count: COUNT, period: PERIOD, bytes: BYTES, milestones: MILESTONES, epochs: EPOCHS, upto: UPTO, shape: SHAPE, vshape: VSHAPE, scalar: SCALAR,
  hyper: HYPER, dtype: DTYPE, bool: BOOL, tensors: TENSORS, params: PARAMS, options: OPTIONS, intScalar: INT_SCALAR, path: PATH, enum: ENUM, fn: FN, idxBytes: IDX_BYTES,
  text: TEXT, texts: TEXTS, ids: IDS,
};
export type Kind = keyof typeof BAD;
