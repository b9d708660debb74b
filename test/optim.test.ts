// Optimizers against torch.optim step by step (test/fixtures/optim_steps.json from
// scripts/gen_optim_fixtures.py), through the fused native path (contiguous params) and the
// in-place fallback (non-contiguous params); state dicts, bad input and memory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { optim, type Tensor } from '../ts/index';

interface T { shape: number[]; dtype: my.DType; data: number[] }
interface Run { optimizer: string; options: Record<string, unknown>; params: T[]; grads: T[][]; after: T[][] }
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'optim_steps.json'), 'utf8')) as { runs: Run[] };
const mk = (s: T): Tensor => my.tensor(s.dtype === 'float64' ? Float64Array.from(s.data) : Float32Array.from(s.data), { shape: s.shape, dtype: s.dtype });
type Ctor = new (p: unknown, o: unknown) => optim.Optimizer;
const ctor = (name: string): Ctor => (optim as unknown as Record<string, Ctor>)[name];

function expectClose(a: Tensor, e: T, what: string): void {
  const av = Array.from(a.data() as Float32Array);
  const tol = e.dtype === 'float64' ? { rtol: 1e-7, atol: 1e-7 } : { rtol: 1.3e-6, atol: 1e-5 };
  av.forEach((v, i) => {
    if (!(Math.abs(v - e.data[i]) <= tol.atol + tol.rtol * Math.abs(e.data[i]))) throw new Error(`${what}: element ${i} is ${v}, torch ${e.data[i]}`);
  });
}

function runCase(r: Run, layout: 'contiguous' | 'strided', stopAt = 5, resume?: (o: optim.Optimizer, ps: Tensor[]) => optim.Optimizer): void {
  const ps = r.params.map((s) => {
    const t = mk(s);
    return (layout === 'strided' && t.ndim === 2 ? t.t().contiguous().t() : t).requiresGrad_();
  });
  if (layout === 'strided') expect(ps[0].isContiguous()).toBe(false);
  let opt = new (ctor(r.optimizer))([{ params: [ps[0]] }, { params: [ps[1]], lr: (r.options.lr as number) / 2 }], r.options);
  for (let k = 0; k < 5; k++) {
    if (k === stopAt && resume) opt = resume(opt, ps);
    ps.forEach((p, i) => { p.grad = mk(r.grads[k][i]); });
    opt.step();
    ps.forEach((p, i) => expectClose(p, r.after[k][i], `step ${k + 1} param ${i}`));
  }
}

describe('optimizers vs torch.optim, 5 steps, two param groups', () => {
  for (const r of fx.runs) {
    const name = `${r.optimizer} ${JSON.stringify(r.options)} ${r.params[0].dtype}`;
    it(`${name} (fused, contiguous)`, () => runCase(r, 'contiguous'));
    it(`${name} (in-place ops, strided)`, () => runCase(r, 'strided'));
  }
  it('stateDict after 2 steps loaded into a fresh optimizer continues identically', () => {
    for (const r of fx.runs) runCase(r, 'contiguous', 2, (o, ps) => {
      const sd = o.stateDict();
      const fresh = new (ctor(r.optimizer))([{ params: [ps[0]] }, { params: [ps[1]], lr: 1 }], r.options);
      fresh.loadStateDict(sd);
      expect(fresh.paramGroups[1].lr).toBe((r.options.lr as number) / 2);
      return fresh;
    });
  });
});

describe('optimizer behaviour and bad input', () => {
  it('zeroGrad drops gradients; parameters without grad are skipped', () => {
    const a = my.ones(3).requiresGrad_(), b = my.ones(2).requiresGrad_();
    const opt = new optim.SGD([a, b], { lr: 0.5 });
    a.grad = my.ones(3);
    opt.step();
    expect(a.toArray()).toEqual([0.5, 0.5, 0.5]);
    expect(b.toArray()).toEqual([1, 1]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });
  it('rejects bad hyperparameters and parameters', () => {
    const p = my.ones(2).requiresGrad_();
    expect(() => new optim.Adam([], {})).toThrow(/empty parameter list/);
    expect(() => new optim.SGD([p], { lr: -1 })).toThrow(/invalid learning rate: -1/);
    expect(() => new optim.Adam([p], { betas: [1, 0.9] })).toThrow(/invalid beta parameter at index 0: 1/);
    expect(() => new optim.Adam([p], { eps: -1 })).toThrow(/invalid epsilon/);
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum/);
    expect(() => new optim.SGD([my.tensor([1n, 2n])], { lr: 0.1 })).toThrow(/floating point/);
  });
  it('the fused steps validate every tensor before writing', () => {
    const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 };
    const p = my.zeros(4), g = my.ones(4), m = my.zeros(4), v = my.zeros(4);
    expect(() => my.adamStep_(p, my.ones(3), m, v, null, h)).toThrow(/adam_step_: grad has shape \[3\], param has \[4\]/);
    expect(() => my.adamStep_(p, g.double(), m, v, null, h)).toThrow(/adam_step_: grad has dtype float64, param has float32/);
    expect(() => my.adamStep_(my.zeros(4, 2).t(), my.ones(2, 4), my.zeros(2, 4), my.zeros(2, 4), null, h)).toThrow(/adam_step_: param must be contiguous/);
    expect(() => my.adamStep_(my.zeros([4], { dtype: 'int32' }), g, m, v, null, h)).toThrow(/adam_step_: expected a float32 or float64 param, got int32/);
    expect(() => my.adamStep_(p, g, m, v, null, { ...h, beta2: 1 })).toThrow(/adam_step_: invalid beta2: 1/);
    expect(() => my.adamStep_(p, g, m, v, null, { ...h, step: 0 })).toThrow(/adam_step_: step must be >= 1/);
    const d = my.zeros(4); d.dispose();
    expect(() => my.adamStep_(p, g, d, v, null, h)).toThrow(/adam_step_: argument 2 is a disposed tensor/);
    expect(() => my.sgdStep_(p, g, null, { lr: 0.1, momentum: 0.9 })).toThrow(/sgd_step_: momentum needs a momentum_buffer/);
    expect(() => my.sgdStep_(p, g, my.zeros(5), { lr: 0.1, momentum: 0.9 })).toThrow(/sgd_step_: momentum_buffer has shape \[5\]/);
    expect(() => my.sgdStep_(p, g, null, { lr: -0.1 })).toThrow(/sgd_step_: invalid learning rate/);
    const r = { lr: 0.01, alpha: 0.99, eps: 1e-8 };
    expect(() => my.rmspropStep_(p, g, my.zeros(3), null, null, r)).toThrow(/rmsprop_step_: square_avg has shape \[3\], param has \[4\]/);
    expect(() => my.rmspropStep_(p, g, m, null, null, { ...r, momentum: 0.9 })).toThrow(/rmsprop_step_: momentum needs a momentum_buffer/);
    expect(() => my.rmspropStep_(p, g, m, my.zeros(4).double(), null, r)).toThrow(/rmsprop_step_: grad_avg has dtype float64/);
    expect(() => my.adagradStep_(p, g, my.zeros(4), { lr: 0.1, eps: 1e-10, step: 0 })).toThrow(/adagrad_step_: step must be >= 1/);
    expect(() => my.adagradStep_(p, g, my.zeros(2, 2), { lr: 0.1, eps: 1e-10, step: 1 })).toThrow(/adagrad_step_: sum has shape \[2, 2\]/);
    expect(() => my.adagradStep_(p, g, my.zeros(4), { lr: 0.1, eps: -1, step: 1 })).toThrow(/adagrad_step_: invalid eps/);
    expect(p.toArray()).toEqual([0, 0, 0, 0]);  // nothing was written
  });
  it('1000 Adam steps keep native memory flat', () => {
    const ps = [my.randn(50, 20).requiresGrad_(), my.randn(20).requiresGrad_()];
    const opt = new optim.Adam(ps, { lr: 1e-3, amsgrad: true });
    const step = () => my.tidy(() => { opt.zeroGrad(); ps[0].matmul(my.ones(20, 1)).sum().add(ps[1].square().sum()).backward(); opt.step(); });
    for (let i = 0; i < 20; i++) step();
    const before = my.memory();
    for (let i = 0; i < 1000; i++) step();
    const after = my.memory();
    expect(after.numTensors - before.numTensors).toBeLessThanOrEqual(4);
    expect(after.numBytes - before.numBytes).toBeLessThan(16 * 1024);
  });
});
