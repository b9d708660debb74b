// nn layers and losses against PyTorch (test/fixtures/nn.json from scripts/gen_nn_fixtures.py):
// outputs, gradients of sum(out * r) w.r.t. inputs and parameters, running statistics, and
// state_dict key names, at torch.testing's float32 tolerances.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { nn, type Tensor } from '../ts/index';

interface T { shape: number[]; dtype: my.DType; data: number[] }
interface Case {
  name: string; kind: 'layer' | 'loss'; js?: unknown[]; fn?: string; opts?: Record<string, unknown>; train?: boolean;
  state?: Record<string, T>; in: T[]; out: T; r: T; gradIn: (T | null)[]; gradParams?: Record<string, T>; stateAfter?: Record<string, T>;
}
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'nn.json'), 'utf8')) as { cases: Case[] };
const typed = (s: T): ArrayBufferView => s.dtype === 'int64' ? BigInt64Array.from(s.data, (v) => BigInt(v))
  : s.dtype === 'float64' ? Float64Array.from(s.data) : Float32Array.from(s.data);
const mk = (s: T): Tensor => my.tensor(typed(s), { shape: s.shape, dtype: s.dtype });
const TOL = { rtol: 1.3e-6, atol: 1e-5 };

function close(actual: Tensor, exp: T, what: string, tol = TOL): void {
  expect([...actual.shape], `${what} shape`).toEqual(exp.shape);
  const a = Array.from(actual.data() as ArrayLike<number | bigint>, Number);
  let worst = -1, wi = 0;
  a.forEach((v, i) => { const e = exp.data[i]; const err = Math.abs(v - e) - (tol.atol + tol.rtol * Math.abs(e)); if (err > worst) { worst = err; wi = i; } });
  expect(worst <= 0 || Number.isNaN(worst) === false && worst <= 0, `${what}: element ${wi} is ${a[wi]}, torch ${exp.data[wi]}`).toBe(true);
}

function build(spec: unknown[]): nn.Module {
  const [name, ...args] = spec as [string, ...unknown[]];
  if (name === 'Sequential') return new nn.Sequential(...(args as unknown[][]).map(build));
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => nn.Module>)[name];
  return new Ctor(...args);
}
const lossOpts = (o: Record<string, unknown> = {}): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v && typeof v === 'object' && 'shape' in (v as object) ? mk(v as T) : v]));

describe('nn layers vs torch', () => {
  for (const c of fx.cases.filter((c) => c.kind === 'layer')) {
    it(c.name, () => {
      const m = build(c.js!);
      const sd = new Map(Object.entries(c.state!).map(([k, v]) => [k, mk(v)]));
      expect([...m.stateDict().keys()]).toEqual([...sd.keys()]);  // torch's key names and order
      m.loadStateDict(sd);
      m.train(c.train !== false);
      const xs = c.in.map((s) => { const x = mk(s); return x.isFloatingPoint() ? x.requiresGrad_() : x; });
      const y = m.forward(...xs) as Tensor;
      close(y, c.out, 'output');
      y.mul(mk(c.r)).sum().backward();
      c.gradIn.forEach((g, i) => { if (g) close(xs[i].grad!, g, `grad of input ${i}`); });
      const params = new Map(m.namedParameters());
      for (const [k, g] of Object.entries(c.gradParams!)) close(params.get(k)!.grad!, g, `grad of ${k}`);
      const after = m.stateDict();
      for (const [k, v] of Object.entries(c.stateAfter!)) close(after.get(k)!, v, `${k} after the step`);
    });
  }
});

describe('nn losses vs torch', () => {
  for (const c of fx.cases.filter((c) => c.kind === 'loss')) {
    it(c.name, () => {
      const xs = c.in.map((s, i) => { const x = mk(s); return c.gradIn[i] ? x.requiresGrad_() : x; });
      const fn = (nn.functional as unknown as Record<string, (a: Tensor, b: Tensor, o: unknown) => Tensor>)[c.fn!];
      const y = fn(xs[0], xs[1], lossOpts(c.opts));
      close(y, c.out, 'loss');
      y.mul(mk(c.r)).sum().backward();
      c.gradIn.forEach((g, i) => { if (g) close(xs[i].grad!, g, `grad of input ${i}`); });
    });
  }
});
