// Float64 gradchecks driven by the op samples (test/samples/*.ts): for every sample of an op
// with a derivative (ops.def grad 'rule' or 'record', and the composites built on them), its
// floating inputs become float64 leaves, the loss is sum(w * output) over the floating outputs,
// and autograd's gradient must match central differences (as test/gradcheck.test.ts; inputs
// over 48 elements at a fixed stride of elements, the analytic gradient read whole). Samples
// marked noGrad (kinks, ties, steps, specials, integer results) show as skipped with the reason.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { OPS } from '../ts/ops/registry';
import { COMPOSITES } from './op_table';
import { type TensorSpec, outputsOf, baseTensor, applyView, num, type Input } from './helpers';
import { loadSamples, runRow, type Loaded } from './samples/run';

const EPS = 1e-6, RTOL = 1e-5, ATOL = 1e-5;
const F = new Set(['float32', 'float64']);
const GRAD = new Map(OPS.map((o) => [o.id, o.grad]));
/** null when the op has a derivative, else why not */
function noDerivative(op: string): string | null {
  if ((COMPOSITES as readonly string[]).includes(op)) return op === 'rand' || op === 'randn' ? 'random' : null;
  const g = GRAD.get(op);
  if (g === 'rule' || g === 'record') return null;
  return g === 'inplace' ? 'in-place op' : `no derivative (${typeof g === 'object' ? g.none : g})`;
}

const valuesOf = (spec: TensorSpec): number[] => (spec.data ?? []).map((v) => (v === '-0' ? -0 : num(v)));

function gradcheck(s: Loaded): void {
  const isF = s.in.map((spec) => !('scalar' in spec) && F.has(spec.dtype));
  const data = s.in.map((spec, k) => (isF[k] ? valuesOf(spec as TensorSpec) : []));
  /** the inputs, floating ones as float64 (leaves when `leaf`), with the sample's view ops */
  const build = (ds: number[][], leaf: boolean): { x: Input[]; leaves: my.Tensor[] } => {
    const leaves: my.Tensor[] = [];
    const x = s.in.map((spec, k): Input => {
      if ('scalar' in spec) return typeof spec.scalar === 'boolean' ? spec.scalar : num(spec.scalar);
      const t = spec as TensorSpec;
      if (!isF[k]) return applyView(baseTensor({ ...t, view: undefined }), t.view as never);
      let b = my.tensor(Float64Array.from(ds[k]), { shape: t.shape, dtype: 'float64' });
      if (leaf) { b = b.requiresGrad_(); leaves[k] = b; }
      return applyView(b, t.view as never);
    });
    return { x, leaves };
  };
  const floatOuts = (o: my.Tensor[]) => (s.gradOutputs ? o.filter((_, k) => s.gradOutputs!.includes(k)) : o).filter((t) => F.has(t.dtype));
  const { x, leaves } = build(data, true);
  const outs = floatOuts(outputsOf(runRow(s.op, x, s.args)));
  expect(outs.length, 'no floating output').toBeGreaterThan(0);
  for (const o of outs) expect(o.dtype, 'outputs of float64 inputs are float64').toBe('float64');
  const ws = outs.map((o) => my.tensor(Array.from({ length: o.shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + ((i * 7) % 11) / 10), { dtype: 'float64' }).reshape([...o.shape]));
  const lossOf = (os: my.Tensor[]) => os.map((o, k) => o.mul(ws[k]).sum()).reduce((a, b) => a.add(b));
  lossOf(outs).backward();
  const loss = (ds: number[][]): number => my.noGrad(() => my.tidy(() => lossOf(floatOuts(outputsOf(runRow(s.op, build(ds, false).x, s.args)))).item() as number));
  let checked = 0;
  s.in.forEach((_, k) => {
    if (!isF[k]) return;
    const g = leaves[k].grad;
    const ga = g ? Array.from(g.contiguous().data() as Float64Array) : null;
    // at most ~48 perturbed elements per input (a fixed stride), so big conv samples stay fast
    const step = Math.max(1, Math.ceil(data[k].length / 48));
    for (let i = 0; i < data[k].length; i += step) {
      const p = data.map((d) => d.slice()), m = data.map((d) => d.slice());
      p[k][i] += EPS; m[k][i] -= EPS;
      const n = (loss(p) - loss(m)) / (2 * EPS);
      const a = ga ? ga[i] : 0;  // no gradient: the input does not reach a floating output
      if (!(Math.abs(a - n) <= ATOL + RTOL * Math.abs(n)))
        throw new Error(`${s.id}: input ${k} element ${i}: analytic ${a} vs numeric ${n}`);
      checked++;
    }
  });
  expect(checked).toBeGreaterThan(0);
}

describe('float64 gradchecks over the op samples', () => {
  for (const s of loadSamples()) {
    const hasFloat = s.in.some((spec) => !('scalar' in spec) && F.has(spec.dtype));
    const why = s.error ? 'rejected input' : noDerivative(s.op) ?? s.noGrad ?? (hasFloat ? null : 'no floating input');
    // a sample with nothing to gradcheck (rejected input, an op without a derivative, no
    // floating input) stays visible as a skipped test whose name gives that reason
    if (why) it.skip(`${s.id} (skipped: ${why})`, () => {});
    else it(s.id, () => my.tidy(() => gradcheck(s)));
  }
});
