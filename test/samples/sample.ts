// The op sample format: one list of samples per op id (native/ops.def, plus the composites of
// test/op_table.ts), written once here and used by the torch fixtures, the float64 gradchecks
// and the device x dtype backend test. Inputs are seeded, so a sample's values never change.
import type { DType } from '../../ts/index';
import type { Args, Num, ViewOp, InputSpec, TensorSpec } from '../helpers';

/** A tensor input: its base values come from `values` or from a seeded generator (`gen`). */
export interface TensorIn {
  shape: number[];
  dtype: DType;
  /** explicit flat values (row-major); numbers, or "nan" / "inf" / "-inf" */
  values?: Num[];
  /** how the seeded generator draws the values (ignored when `values` is given) */
  gen?: Gen;
  /** the generator's seed; by default derived from the op, the sample's name and the input's position */
  seed?: number;
  /** view ops applied to the base tensor (non-contiguous inputs), as test/helpers.ts applyView */
  view?: ViewOp[];
}
/** uniform [lo, hi) floats rounded to 6 decimals; int: integers in [lo, hi); bool: p = 0.5;
 *  distinct: a shuffled ramp without ties (sort/max indices are unique); grid: halves in [lo, hi) (ties) */
export type Gen = { kind: 'uniform' | 'int' | 'grid' | 'distinct'; lo: number; hi: number } | { kind: 'bool' };
export type SampleIn = TensorIn | { scalar: number | boolean | string };

export interface Sample {
  name: string;
  in: SampleIn[];
  /** the op's options, named as test/op_table.ts's row reads them */
  args?: Args;
  /** float dtypes the backend test runs the sample in (its floating inputs cast to each);
   *  default: the four float dtypes when the sample's floating inputs are float32, else none */
  dtypes?: DType[];
  /** why the float64 gradcheck leaves this sample out (kinks, ties, steps, specials); absent: checked */
  noGrad?: string;
  /** torch rejects these inputs: myelin must throw too (no outputs) */
  error?: true;
  /** the outputs the gradcheck's loss covers (default: every floating output); saved values
   *  such as a fused kernel's workspace have no gradient of their own */
  gradOutputs?: number[];
}
/** op id -> its samples */
export type SampleTable = Record<string, Sample[]>;

export const FLOATS: DType[] = ['float32', 'float64', 'float16', 'bfloat16'];
const isFloat = (d: DType) => FLOATS.includes(d);

// ---------------------------------------------------------------- constructors

const T = (shape: number[], dtype: DType, gen: Gen | undefined, o: Partial<TensorIn> = {}): TensorIn => ({ shape, dtype, ...(gen ? { gen } : {}), ...o });
/** uniform floats in [lo, hi) */
export const fl = (shape: number[], lo = -3, hi = 3, o: Partial<TensorIn> = {}): TensorIn => T(shape, o.dtype ?? 'float32', { kind: 'uniform', lo, hi }, o);
/** float64 uniform */
export const f64 = (shape: number[], lo = -3, hi = 3, o: Partial<TensorIn> = {}): TensorIn => fl(shape, lo, hi, { ...o, dtype: 'float64' });
/** integers in [lo, hi), int64 unless o.dtype */
export const int = (shape: number[], lo = -5, hi = 6, o: Partial<TensorIn> = {}): TensorIn => T(shape, o.dtype ?? 'int64', { kind: 'int', lo, hi }, o);
export const bool = (shape: number[], o: Partial<TensorIn> = {}): TensorIn => T(shape, 'bool', { kind: 'bool' }, o);
/** halves in [lo, hi) (comparisons see ties) */
export const grid = (shape: number[], lo = -2, hi = 3, o: Partial<TensorIn> = {}): TensorIn => T(shape, o.dtype ?? 'float32', { kind: 'grid', lo, hi }, o);
/** values without ties, spread over [lo, hi) */
export const distinct = (shape: number[], lo = -4, hi = 4, o: Partial<TensorIn> = {}): TensorIn => T(shape, o.dtype ?? 'float32', { kind: 'distinct', lo, hi }, o);
/** explicit values */
export const vals = (values: Num[], dtype: DType = 'float32', shape: number[] = [values.length], o: Partial<TensorIn> = {}): TensorIn => ({ shape, dtype, values, ...o });
export const sc = (v: number | boolean | string): SampleIn => ({ scalar: v });
/** NaN, infinities, signed zeros, tiny, huge and half-way values (as gen_fixtures.py's SPECIALS) */
export const SPECIALS: Num[] = ['nan', 'inf', '-inf', 0, -0, 1e-30, -1e-30, 0.5, -0.5, 1.5, -2.5, 20.5, -20.5, 88.5, -88.5, 1e30, -1e30, 3e38];
export const specials = (dtype: DType = 'float32'): TensorIn => vals(SPECIALS, dtype);
export const T_ = (a = 0, b = 1): ViewOp[] => [['transpose', a, b]];

// ---------------------------------------------------------------- seeded values

/** FNV-1a: a sample's default seed from its op, name and input position. */
export function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) { h ^= key.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h;
}
/** mulberry32: a small, exactly specified generator (the values must not depend on the platform). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const round6 = (v: number) => Number(v.toFixed(6)) || 0;

export function generate(shape: number[], g: Gen, seed: number, dtype: DType = 'float32'): number[] {
  const half = isFloat(dtype) ? 2 : 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  switch (g.kind) {
    case 'uniform': return Array.from({ length: n }, () => round6(g.lo + (g.hi - g.lo) * r()));
    case 'int': return Array.from({ length: n }, () => g.lo + Math.floor((g.hi - g.lo) * r()));
    case 'bool': return Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
    case 'grid': return Array.from({ length: n }, () => (g.lo + Math.floor((g.hi - g.lo) * r())) / half);
    case 'distinct': {
      // a ramp over [lo, hi) with a small jitter, shuffled (Fisher-Yates)
      const v = Array.from({ length: n }, (_, i) => round6(g.lo + ((g.hi - g.lo) * (i + 0.2 + 0.6 * r())) / Math.max(n, 1)));
      for (let i = n - 1; i > 0; i--) { const k = Math.floor(r() * (i + 1)); [v[i], v[k]] = [v[k], v[i]]; }
      return v;
    }
  }
}

// ---------------------------------------------------------------- export

/** One sample with its values drawn: the exported form (test/fixtures/samples.json). */
export interface ExportedSample {
  id: string; op: string; name: string; in: InputSpec[]; args?: Args; dtypes: DType[]; noGrad?: string; error?: true; gradOutputs?: number[];
}

/** args with non-finite numbers as "nan" / "inf" / "-inf" (JSON has none) */
export const encArg = (v: unknown): unknown => {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (Array.isArray(v)) return v.map(encArg);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encArg(x)]));
  return v;
};

export function exportSample(op: string, s: Sample): ExportedSample {
  const ins: InputSpec[] = s.in.map((x, k): InputSpec => {
    if ('scalar' in x) return { scalar: x.scalar };
    const data = x.values ?? generate(x.shape, x.gen ?? { kind: 'uniform', lo: -3, hi: 3 }, x.seed ?? seedOf(`${op}/${s.name}/${k}`), x.dtype);
    const n = x.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`sample ${op}/${s.name}: input ${k} has ${data.length} values for shape [${x.shape}]`);
    const spec: TensorSpec = { dtype: x.dtype, shape: x.shape, data: data.map((v) => (Object.is(v, -0) ? '-0' as never : v)) };
    if (x.view) spec.view = x.view;
    return spec;
  });
  const floats = s.in.filter((x): x is TensorIn => !('scalar' in x) && isFloat(x.dtype));
  const dtypes = s.dtypes ?? (!s.error && floats.length && floats.every((x) => x.dtype === 'float32') ? FLOATS : []);
  return {
    id: `${op}/${s.name}`, op, name: s.name, in: ins, ...(s.args ? { args: encArg(s.args) as Args } : {}), dtypes,
    ...(s.noGrad ? { noGrad: s.noGrad } : {}), ...(s.error ? { error: true as const } : {}), ...(s.gradOutputs ? { gradOutputs: s.gradOutputs } : {}),
  };
}
