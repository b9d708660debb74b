// The backend test: every op sample (test/samples/*.ts) x dtype x device, against the CPU.
// A sample whose floating inputs are float32 runs in float32, float64, float16 and bfloat16
// (its floating inputs cast to each); the reference is the CPU run in float64 on the same
// rounded values (inputs cast to the dtype, then to float64), so only the op's own rounding
// is measured, at the dtype's tolerance (torch.testing.assert_close's defaults, or the test
// table's looser float32 tolerance for the op). Each device is listed: a combination that
// cannot run shows as a skipped test whose name says why (no CUDA in this build, no kernel
// for that op/dtype as `supports(op, device, dtype)` answers, or the CPU float64 run being the
// reference itself). Samples with only integer/bool inputs run in their own dtypes on the
// non-CPU devices, compared exactly with the CPU.
import { describe, it, expect } from 'vitest';
import { tidy, supports, cuda, Tensor, type DType } from '../ts/index';
import { OPS } from '../ts/ops/registry';
import { outputsOf, readResult, compare, DEFAULT_TOL, type Tol, type TensorSpec } from './helpers';
import { loadSamples, rowFor, buildInputs, runRow, type Loaded } from './samples/run';

type Device = 'cpu' | 'cuda';
const DEVICES: Device[] = ['cpu', 'cuda'];
/** torch.testing.assert_close's defaults for the 16-bit floats */
const HALF_TOL: Record<string, Tol> = { float16: { rtol: 1e-3, atol: 1e-5 }, bfloat16: { rtol: 1.6e-2, atol: 1e-5 } };
/** the ops.def kernel a composite of the test table runs on (supports() knows ops.def ids) */
const KERNEL: Record<string, string> = {
  stack: 'cat', split: 'slice', chunk: 'slice', repeat: 'expand', pad: 'cat', mm: 'matmul', bmm: 'matmul', dot: 'matmul',
  outer: 'mul', argsort: 'sort', t: 'transpose', T: 'permute', unflatten: 'view', conv1d: 'conv2d', maxPool1d: 'max_pool2d',
};
/** Looser 16-bit tolerances: composites of several ops round to the 16-bit dtype after each
 *  op, where torch's kernel rounds once (bilinear interpolate: a weighted sum that cancels). */
const HALF_TOL_OF: Record<string, Record<string, Tol>> = {
  interpolate: { float16: { rtol: 1e-3, atol: 1e-3 }, bfloat16: { rtol: 1.6e-2, atol: 4e-3 } },
};
const IDS = new Set(OPS.map((o) => o.id));
/** composites whose building kernel has no such dtype (supports() knows ops.def ids only) */
const COMPOSITE_GAPS: Record<string, [dtype: string, kernel: string]> = { avgPool2d: ['float16', 'conv2d'] };
/** the message the known gap throws, or null */
function knownGap(op: string, dtype: string, device: Device): { why: string; message: string } | null {
  if (device !== 'cpu') return null;
  const c = COMPOSITE_GAPS[op];
  if (c && c[0] === dtype) return { why: `known gap: the ${c[1]} kernel it runs on has no ${dtype}`, message: `${c[1]}: ${dtype} is not supported` };
  return null;
}
const kernelOf = (op: string): string => KERNEL[op] ?? op;

const isF = (d: DType) => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
/** Outputs read back on the CPU, floating ones as float64 (16-bit floats come back as raw bits
 *  otherwise); `round`: float64 outputs first rounded to that dtype (overflow to inf included). */
function readBack(outs: Tensor[], round?: DType) {
  return outs.map((t) => {
    let c = t.device === 'cpu' ? t : t.to('cpu');
    if (round && c.dtype === 'float64' && round !== 'float64') c = c.to(round);
    const r = readResult(isF(c.dtype) && c.dtype !== 'float64' ? c.to('float64') : c);
    return { ...r, dtype: c.dtype };
  });
}

/** null when the combination can run, else why not */
function skipReason(s: Loaded, dtype: DType | 'native', device: Device): string | null {
  if (device === 'cuda' && !cuda.isAvailable()) return `cuda: ${cuda.unavailableReason()}`;
  if (device === 'cpu' && dtype === 'float64') return 'the CPU float64 run is the reference';
  if (s.in.every((x) => 'scalar' in x)) return 'no tensor inputs: the device and dtype come from the options';
  const k = kernelOf(s.op);
  if (dtype !== 'native' && IDS.has(k) && !supports(k, device, dtype)) return `supports('${k}', '${device}', '${dtype}') is false`;
  return null;
}

function check(s: Loaded, dtype: DType | 'native', device: Device): void {
  const row = rowFor(s.op);
  tidy(() => {
    const cast = dtype === 'native' ? undefined : dtype;
    const attempt = (build: () => ReturnType<typeof buildInputs>) => {
      try { return { outs: outputsOf(runRow(s.op, build().x, s.args)) }; } catch (e) { return { error: e as Error }; }
    };
    const ref = attempt(() => buildInputs(s.in, cast ? [cast, 'float64'] : undefined));
    const got = attempt(() => buildInputs(s.in, cast, device));
    if (ref.error || s.error) {
      // rejected inputs: rejected on every device and dtype alike
      expect(got.error, `the CPU float64 run throws (${ref.error?.message}); ${device} ${dtype} returned a result`).toBeInstanceOf(Error);
      return;
    }
    if (got.error) throw new Error(`${s.id} ${dtype} on ${device} throws where the CPU float64 run does not: ${got.error.message}`);
    // an explicit result dtype (to_dtype, creation options) is kept; otherwise a float64
    // reference output stands for an output in the run's dtype, rounded to it once
    const round = s.args?.dtype === undefined ? cast : undefined;
    const exp = readBack(ref.outs!, round), act = readBack(got.outs!);
    expect(act.length, 'number of outputs').toBe(exp.length);
    let e2 = exp, a2 = act;
    if (row.normalize) { e2 = row.normalize(exp, s.args ?? {}) as typeof exp; a2 = row.normalize(act, s.args ?? {}) as typeof act; }
    const problems: string[] = [];
    a2.forEach((a, k) => {
      const e = e2[k];
      if (a.dtype !== e.dtype) problems.push(`output ${k}: dtype ${a.dtype}, expected ${e.dtype}`);
      const d = a.dtype;
      const tol = d === 'float16' || d === 'bfloat16' ? HALF_TOL_OF[s.op]?.[d] ?? HALF_TOL[d] : d === 'float32' ? row.tol?.float32 ?? DEFAULT_TOL.float32 : DEFAULT_TOL.float64;
      // compared as float64 values (compare() is exact for non-float dtypes)
      const as = isF(e.dtype) ? 'float64' : e.dtype;
      const spec: TensorSpec = { dtype: as, shape: e.shape, data: e.data };
      for (const p of compare({ ...a, dtype: as }, spec, tol)) problems.push(`output ${k}: ${p}`);
    });
    if (problems.length) throw new Error(`${s.id} ${dtype} on ${device}:\n  ${problems.join('\n  ')}`);
  });
}

const samples = loadSamples();
for (const device of DEVICES) {
  describe(`backend ${device} vs the CPU`, () => {
    for (const s of samples) {
      const dtypes: (DType | 'native')[] = s.dtypes.length ? s.dtypes : device === 'cpu' ? [] : ['native'];
      for (const dtype of dtypes) {
        const why = skipReason(s, dtype, device);
        const name = `${s.id} ${dtype} ${device}`;
        const gap = knownGap(s.op, dtype, device);
        // shown, not hidden: a combination this build cannot run (no CUDA here, or supports() false,
        // or CPU float64 is the reference itself) is a skipped test whose name carries the reason
        if (why) it.skip(`${name} (skipped: ${why})`, () => {});
        else if (gap && !s.error) it(`${name} (${gap.why})`, () => expect(() => check(s, dtype, device)).toThrow(gap.message));
        else it(name, () => check(s, dtype, device));
      }
    }
  });
}
