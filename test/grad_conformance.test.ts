// PyTorch conformance for autograd: forward values, first derivatives of sum(out * w) and, for
// smooth ops, second derivatives, all compared with values torch computed in float32
// (test/fixtures/grad.json, regenerate with `python3 scripts/gen_grad_fixtures.py`).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as my from '../ts/index';

interface Arr { shape: number[]; data: number[] }
interface Fixture {
  name: string; method: string; call: 'method' | 'fn';
  inputs: Arr[]; args: unknown[]; out: Arr; w: number[]; grads: number[][];
  v?: number[][]; grad2?: number[][];
}
const FIX: { torch: string; cases: Fixture[] } = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'grad.json'), 'utf8'));

// torch.testing.assert_close defaults for float32.
const RTOL = 1.3e-6, ATOL = 1e-5;
/** Per-method loosening, each with its reason. Empty: every case passes at the float32 defaults
 *  (matmul/softmax sizes here are small enough that accumulation order does not matter). */
const LOOSE: Record<string, { rtol: number; atol: number; why: string }> = {};

const F32 = { dtype: 'float32' as const };
const f32 = (a: number[], shape: number[]): my.Tensor => my.tensor(a, F32).reshape(shape);

function decode(a: unknown, inputs: my.Tensor[]): unknown {
  if (Array.isArray(a)) return a.map((e) => decode(e, inputs));
  if (a && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    if ('$in' in o) return inputs[o.$in as number];
    if ('$i64' in o) return my.tensor(o.$i64 as number[], { dtype: 'int64' }).reshape(o.shape as number[]);
    if ('$bool' in o) return my.tensor(o.$bool as boolean[], { dtype: 'bool' }).reshape(o.shape as number[]);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decode(v, inputs)]));
  }
  return a;
}

function run(c: Fixture, inputs: my.Tensor[]): my.Tensor {
  const args = c.args.map((a) => decode(a, inputs));
  const r = c.call === 'fn'
    ? (my as unknown as Record<string, (...a: unknown[]) => unknown>)[c.method](...args)
    : (inputs[0] as unknown as Record<string, (...a: unknown[]) => unknown>)[c.method](...args);
  return (r instanceof my.Tensor ? r : (r as { values: my.Tensor }).values);
}

function close(what: string, got: my.Tensor | null, exp: number[], shape: number[], tol: { rtol: number; atol: number }): void {
  expect(got, `${what}: no gradient`).not.toBeNull();
  expect([...got!.shape], `${what}: shape`).toEqual(shape);
  expect(got!.dtype, `${what}: dtype`).toBe('float32');
  const g = Array.from(got!.contiguous().data() as Float32Array);
  const bad: string[] = [];
  for (let i = 0; i < exp.length; i++) {
    if (!(Math.abs(g[i] - exp[i]) <= tol.atol + tol.rtol * Math.abs(exp[i]))) bad.push(`[${i}] got ${g[i]} expected ${exp[i]}`);
  }
  if (bad.length) throw new Error(`${what}: ${bad.length}/${exp.length} mismatches: ${bad.slice(0, 5).join('; ')}`);
}

describe(`autograd conformance with torch ${FIX.torch}`, () => {
  it('fixture covers >= 40 methods', () => {
    expect(new Set(FIX.cases.map((c) => c.method)).size).toBeGreaterThanOrEqual(40);
  });
  for (const c of FIX.cases) {
    const tol = LOOSE[c.method] ?? { rtol: RTOL, atol: ATOL };
    it(`${c.method}: ${c.name}`, () => {
      const xs = c.inputs.map((a) => f32(a.data, a.shape).requiresGrad_());
      const out = run(c, xs);
      close(`${c.name} forward`, out, c.out.data, c.out.shape, tol);
      out.mul(f32(c.w, c.out.shape)).sum().backward();
      xs.forEach((x, k) => close(`${c.name} grad input ${k}`, x.grad, c.grads[k], c.inputs[k].shape, tol));
    });
    if (c.grad2) {
      it(`${c.method}: ${c.name} (second derivative)`, () => {
        const xs = c.inputs.map((a) => f32(a.data, a.shape).requiresGrad_());
        const y = run(c, xs).mul(f32(c.w, c.out.shape)).sum();
        const gs = my.autograd.grad(y, xs, { createGraph: true });
        // sum_k sum(g_k * v_k); a gradient that does not depend on x (sum, mean) has no graph.
        const terms = gs.map((g, k) => g!.mul(f32(c.v![k], c.inputs[k].shape)).sum());
        const s = terms.reduce((a, b) => a.add(b));
        const g2 = s.requiresGrad
          ? my.autograd.grad(s, xs, { allowUnused: true })
          : xs.map(() => null);
        xs.forEach((x, k) => close(`${c.name} grad2 input ${k}`, g2[k] ?? my.zerosLike(x), c.grad2![k], c.inputs[k].shape, tol));
      });
    }
  }
});
