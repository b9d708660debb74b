// Shared pieces of the conformance suite: loading the fixtures scripts/gen_fixtures.py
// wrote, building myelin inputs from their JSON description, and comparing results
// (shape, dtype, values with NaN-equal allclose; distribution checks for random ops).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, tensor, type DType } from '../ts/index';

export const FIXTURE_DIR = join(__dirname, 'fixtures');
/** The registry's families (ts/ops/registry.ts), one fixture file each. */
export const FAMILIES = ['unary', 'binary', 'view', 'creation', 'reduce', 'linalg', 'index', 'conv', 'optim'] as const;
export type Family = (typeof FAMILIES)[number];

// ---------------------------------------------------------------- fixture format

/** A JSON number, or "nan" / "inf" / "-inf". */
export type Num = number | string;
export type ViewOp = [string, ...unknown[]];
export interface TensorSpec {
  dtype: DType;
  shape: number[];
  data?: Num[];
  /** [mult, mod, lo, hi]: element i is lo + (hi - lo) * (((i * mult) % mod) / mod). */
  gen?: [number, number, number, number];
  /** View ops applied to the base tensor (non-contiguous inputs). */
  view?: ViewOp[];
  /** Outputs: only every `sample`-th element of the flat result is stored. */
  sample?: number;
  /** Outputs: whether the result must share storage with input 0's base. */
  shares?: boolean;
}
export interface ScalarSpec { scalar: Num | boolean }
export type InputSpec = TensorSpec | ScalarSpec;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Args = Record<string, any>;
export interface Stats {
  shape: number[];
  dtype: DType;
  min?: number;
  max?: number;
  maxExclusive?: boolean;
  integer?: boolean;
  mean?: number;
  meanTol?: number;
  std?: number;
  stdTol?: number;
  hist?: { edges: number[]; probs: number[] };
  permutation?: boolean;
}
export interface Case {
  op: string;
  name: string;
  in: InputSpec[];
  args?: Args;
  out?: TensorSpec[];
  /** torch raised on these inputs (its message); myelin must throw too. */
  error?: string;
  /** random ops: the distribution a sample must match. */
  stats?: Stats;
}
export interface Fixture { family: Family; generator: string; seed: number; torch: string; cases: Case[] }

/** "nan" / "inf" / "-inf" back to numbers; anything else unchanged. */
export function num(v: Num): number {
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`fixture: not a number: ${JSON.stringify(v)}`);
}

const SPECIAL = new Set(['nan', 'inf', '-inf']);
/** Decodes non-finite numbers anywhere inside args (dtype names and modes stay strings). */
export function decodeArgs<T>(v: T): T {
  if (typeof v === 'string' && SPECIAL.has(v)) return num(v) as T;
  if (Array.isArray(v)) return v.map(decodeArgs) as T;
  if (v !== null && typeof v === 'object') {
    const o: Args = {};
    for (const [k, x] of Object.entries(v)) o[k] = decodeArgs(x);
    return o as T;
  }
  return v;
}

const cache = new Map<Family, Fixture>();
export function loadFixture(family: Family): Fixture {
  let f = cache.get(family);
  if (!f) {
    f = JSON.parse(readFileSync(join(FIXTURE_DIR, `${family}.json`), 'utf8')) as Fixture;
    for (const c of f.cases) {
      if (c.args) c.args = decodeArgs(c.args);
      if (c.stats) c.stats = decodeArgs(c.stats);
    }
    cache.set(family, f);
  }
  return f;
}
export const loadAllFixtures = (): Fixture[] => FAMILIES.map(loadFixture);

// ---------------------------------------------------------------- inputs

export type Input = Tensor | number | boolean;
export interface BuiltInput { value: Input; base?: Tensor; spec: InputSpec }

/** The flat base values of a tensor spec, as JS numbers (bools as 0/1). */
export function specValues(spec: TensorSpec): number[] {
  if (spec.gen) {
    const [mult, mod, lo, hi] = spec.gen;
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const out = new Array<number>(n);
    // the same float64 operations, in the same order, as gen_fixtures.py
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * (((i * mult) % mod) / mod);
    return spec.dtype === 'bool' ? out.map((v) => (v !== 0 ? 1 : 0)) : out;
  }
  return (spec.data ?? []).map(num);
}

function typedFor(values: number[], dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'int64': return BigInt64Array.from(values, (v) => BigInt(v));
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}

/** A tensor from a spec's values (through the public tensor()), before its view ops. */
export function baseTensor(spec: TensorSpec): Tensor {
  return tensor(typedFor(specValues(spec), spec.dtype), { shape: spec.shape, dtype: spec.dtype });
}

/** The view ops gen_fixtures.py applies to a base tensor, through the public API. */
export function applyView(t: Tensor, view: ViewOp[] = []): Tensor {
  for (const [op, ...a] of view) {
    const n = a as number[];
    switch (op) {
      case 'transpose': t = t.transpose(n[0], n[1]); break;
      case 'permute': t = t.permute(a[0] as number[]); break;
      case 'slice': t = t.slice(n[0], n[1], n[2], n[3]); break;
      case 'expand': t = t.expand(a[0] as number[]); break;
      case 'select': t = t.select(n[0], n[1]); break;
      case 'unsqueeze': t = t.unsqueeze(n[0]); break;
      default: throw new Error(`fixture: unknown view op ${op}`);
    }
  }
  return t;
}

export function buildInput(spec: InputSpec): BuiltInput {
  if ('scalar' in spec) {
    const s = spec.scalar;
    return { value: typeof s === 'boolean' ? s : num(s), spec };
  }
  const base = baseTensor(spec);
  return { value: applyView(base, spec.view), base, spec };
}

// ---------------------------------------------------------------- outputs and comparison

export interface Tol { rtol: number; atol: number }
/** torch.testing.assert_close's defaults (float32: rtol 1.3e-6, atol 1e-5; float64: rtol 1e-7, atol 1e-7). */
export const DEFAULT_TOL: Record<'float32' | 'float64', Tol> = {
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  float64: { rtol: 1e-7, atol: 1e-7 },
};

/** A result read back from myelin: what the comparison (and normalizers) work on. */
export interface Result { shape: number[]; dtype: DType; data: number[]; tensor: Tensor }

export function readResult(t: Tensor): Result {
  if (!(t instanceof Tensor)) throw new Error(`expected a Tensor result, got ${describe(t)}`);
  const raw = t.data();
  const data = Array.from(raw as ArrayLike<number | bigint>, (v) => Number(v));
  return { shape: [...t.shape], dtype: t.dtype, data, tensor: t };
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return v.constructor?.name ?? 'object';
}

/** Tensor, Tensor[] or {values, indices} -> the list of result tensors, in fixture order. */
export function outputsOf(out: unknown): Tensor[] {
  if (out instanceof Tensor) return [out];
  if (Array.isArray(out)) return out.flatMap(outputsOf);
  if (out && typeof out === 'object' && 'values' in out && 'indices' in out) {
    const o = out as { values: unknown; indices: unknown };
    return [...outputsOf(o.values), ...outputsOf(o.indices)];
  }
  throw new Error(`op returned ${describe(out)}, not a Tensor, Tensor[] or {values, indices}`);
}

/** allclose with NaN == NaN, infinities equal only to themselves. */
export function isClose(actual: number, expected: number, tol: Tol): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
}

const isFloat = (d: DType) => d === 'float32' || d === 'float64';

/** Compares one result with its expected spec; returns a list of problems (empty when it matches). */
export function compare(actual: Result, expected: TensorSpec, tol: Tol | undefined): string[] {
  const problems: string[] = [];
  if (actual.dtype !== expected.dtype) problems.push(`dtype ${actual.dtype}, expected ${expected.dtype}`);
  if (actual.shape.join(',') !== expected.shape.join(',') || actual.shape.length !== expected.shape.length)
    problems.push(`shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
  if (problems.length) return problems;
  const exp = (expected.data ?? []).map(num);
  const step = expected.sample ?? 1;
  const n = expected.sample ? exp.length : actual.data.length;
  if (!expected.sample && exp.length !== actual.data.length)
    return [`${actual.data.length} elements, expected ${exp.length}`];
  const exact = !isFloat(expected.dtype);
  const t = tol ?? DEFAULT_TOL[expected.dtype as 'float32' | 'float64'];
  const bad: string[] = [];
  let count = 0;
  for (let k = 0; k < n; k++) {
    const i = k * step;
    const a = actual.data[i], e = exp[k];
    const ok = exact ? a === e : isClose(a, e, t);
    if (!ok) {
      count++;
      if (bad.length < 6) {
        const diff = exact ? '' : ` (|diff| ${Math.abs(a - e).toExponential(2)})`;
        bad.push(`[${i}] ${a} != ${e}${diff}`);
      }
    }
  }
  if (count) problems.push(`${count} of ${n} values differ${exact ? '' : ` beyond rtol ${t.rtol} atol ${t.atol}`}: ${bad.join(', ')}`);
  return problems;
}

/** Exact (NaN-equal) equality of a tensor's values with a list. */
export function sameValues(t: Tensor, values: number[]): boolean {
  const d = readResult(t).data;
  if (d.length !== values.length) return false;
  for (let i = 0; i < d.length; i++) {
    const a = d[i], e = values[i];
    if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)))) return false;
  }
  return true;
}

// ---------------------------------------------------------------- random ops

/** Checks a sample against a statistical fixture; returns problems (empty when it passes). */
export function checkStats(t: Tensor, s: Stats): string[] {
  const problems: string[] = [];
  const r = readResult(t);
  if (r.dtype !== s.dtype) problems.push(`dtype ${r.dtype}, expected ${s.dtype}`);
  if (r.shape.join(',') !== s.shape.join(',') || r.shape.length !== s.shape.length)
    problems.push(`shape [${r.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
  const x = r.data;
  const n = x.length;
  if (problems.length || n === 0) return problems;
  let lo = Infinity, hi = -Infinity, sum = 0;
  for (const v of x) { if (v < lo) lo = v; if (v > hi) hi = v; sum += v; }
  if (x.some((v) => !Number.isFinite(v))) problems.push('non-finite values in the sample');
  if (s.min !== undefined && lo < s.min) problems.push(`min ${lo} < ${s.min}`);
  if (s.max !== undefined && (s.maxExclusive ? hi >= s.max : hi > s.max))
    problems.push(`max ${hi} ${s.maxExclusive ? '>=' : '>'} ${s.max}`);
  if (s.integer && x.some((v) => !Number.isInteger(v))) problems.push('non-integer values');
  const mean = sum / n;
  if (s.mean !== undefined && n > 1 && Math.abs(mean - s.mean) > (s.meanTol ?? 0))
    problems.push(`mean ${mean} not within ${s.meanTol} of ${s.mean}`);
  if (s.std !== undefined && n > 1) {
    let ss = 0;
    for (const v of x) ss += (v - mean) * (v - mean);
    const std = Math.sqrt(ss / n);
    if (Math.abs(std - s.std) > (s.stdTol ?? 0)) problems.push(`std ${std} not within ${s.stdTol} of ${s.std}`);
  }
  if (s.hist) {
    // each bin's count within 5 binomial standard deviations of n * p
    const { edges, probs } = s.hist;
    const counts = new Array<number>(probs.length).fill(0);
    for (const v of x) {
      for (let b = 0; b < probs.length; b++) if (v >= edges[b] && v < edges[b + 1]) { counts[b]++; break; }
    }
    counts.forEach((c, b) => {
      const e = n * probs[b], sd = Math.sqrt(n * probs[b] * (1 - probs[b]));
      if (Math.abs(c - e) > 5 * sd + 1) problems.push(`bin [${edges[b]}, ${edges[b + 1]}) holds ${c}, expected ${e.toFixed(1)} ± ${(5 * sd).toFixed(1)}`);
    });
  }
  if (s.permutation) {
    const seen = new Uint8Array(n);
    for (const v of x) {
      if (!Number.isInteger(v) || v < 0 || v >= n || seen[v]) { problems.push(`not a permutation of 0..${n - 1} (saw ${v})`); break; }
      seen[v] = 1;
    }
  }
  return problems;
}
