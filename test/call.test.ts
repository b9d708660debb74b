// ts/call.ts: the one call path. call(id, args) takes the native export's argument list with
// Tensors for handles; liveness and device checks, wrapping, view bases, tidy tracking and
// autograd (ts/autograd/derivatives.ts, rows keyed by op id over that list) happen there.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { call, callInPlace } from '../ts/call';
import { DERIVATIVES } from '../ts/autograd/derivatives';
import { OPS } from '../ts/ops/registry';

const f32 = (v: my.NestedArray): my.Tensor => my.tensor(v, { dtype: 'float32' });
const vals = (t: my.Tensor): number[] => Array.from(t.contiguous().data() as Float32Array);

describe('call(id, args)', () => {
  it('runs the native export of that id on Tensors and wraps what it returns', () => {
    const a = f32([[1, 5], [3, 2]]);
    expect(vals(call('add', [a, 1]))).toEqual([2, 6, 4, 3]);
    const [v, i] = call<my.Tensor[]>('max', [a, 1, false]);
    expect(vals(v)).toEqual([5, 3]);
    expect(Array.from(i.data() as BigInt64Array)).toEqual([1n, 0n]);
    expect(vals(call('cat', [[a, a], 0])).length).toBe(8);
  });
  it('views get the root of their chain as base; reshape only when it did not copy', () => {
    const a = f32([[1, 2], [3, 4]]);
    const t = call('transpose', [a, 0, 1]);
    expect(t._base).toBe(a);
    expect(call('unsqueeze', [t, 0])._base).toBe(a);
    expect(call('reshape', [a, [4]])._base).toBe(a);
    expect(call('reshape', [t, [4]])._base).toBe(null);  // a copy: t is not contiguous
    expect(call('exp', [a])._base).toBe(null);
  });
  it('results are tracked by tidy', () => {
    const a = f32([1, 2]);
    let inner: my.Tensor | null = null;
    const out = my.tidy(() => { inner = call('exp', [a]); return call('add', [inner, 1]); });
    expect(inner!.isDisposed).toBe(true);
    expect(out.isDisposed).toBe(false);
  });
  it('an unknown id, a disposed tensor (or list entry) and mixed devices throw errors naming the op', () => {
    const a = f32([1, 2]), d = f32([1, 2]);
    d.dispose();
    expect(() => call('nope', [a])).toThrow(/^call: unknown op id 'nope' \(no native export of that name\)$/);
    expect(() => call('exp', [d])).toThrow(/^exp: argument 0 is a disposed tensor$/);
    expect(() => call('add', [a, d])).toThrow(/^add: argument 1 is a disposed tensor$/);
    expect(() => call('cat', [[a, d], 0])).toThrow(/^cat: entry 1 of argument 0 is a disposed tensor$/);
    expect(() => callInPlace('mul', d, [d, 2, d])).toThrow(/^mul_: argument 0 is a disposed tensor$/);
    const elsewhere = f32([3, 4]);
    Object.defineProperty(elsewhere, 'device', { get: () => 'cuda' });  // what helper B's devices will give
    expect(() => call('add', [a, elsewhere])).toThrow(/^add: expected all tensors on one device, but argument 1 is on cuda and an earlier one on cpu$/);
    expect(() => call('cat', [[a, elsewhere], 0])).toThrow(/^cat: expected all tensors on one device, but argument 0 is on cuda and an earlier one on cpu$/);
    expect(() => a.mul(elsewhere)).toThrow(/^mul: expected all tensors on one device/);
  });
});

describe('autograd from the derivatives table', () => {
  it('Tensor methods are the class\'s own (no prototype patching at import): each reaches call()', () => {
    for (const m of ['exp', 'add', 'matmul', 'sum', 'relu', 'mul_'] as const)
      expect(String(my.Tensor.prototype[m]), m).toMatch(/\bcall(InPlace)?\)?\(\s*["']\w+["']/);  // (transpiled: `(0, x.call)("exp", ...`)
  });
  it('rows are keyed by op id: every key is a registry id, and every op with a rule or a recorded backward has a row', () => {
    const ids = new Set(OPS.map((r) => r.id));
    expect(Object.keys(DERIVATIVES).filter((k) => !ids.has(k))).toEqual([]);
    const need = OPS.filter((r) => r.grad === 'rule' || r.grad === 'record' || r.grad === 'inplace').map((r) => r.id);
    expect(need.filter((id) => !DERIVATIVES[id])).toEqual([]);
  });
  it('rows read the native argument list: add\'s alpha is a recorded mul, gelu tanh is its own id', () => {
    const x = f32([1, 2]).requiresGrad_(), y = f32([3, 4]).requiresGrad_();
    const z = x.add(y, { alpha: 2 });
    expect(z.gradFn!.name).toBe('add');
    z.sum().backward();
    expect(vals(x.grad!)).toEqual([1, 1]);
    expect(vals(y.grad!)).toEqual([2, 2]);
    expect(f32([0.5]).requiresGrad_().gelu({ approximate: 'tanh' }).gradFn!.name).toBe('gelu_tanh');
  });
  it('a call made directly records too; under noGrad it does not', () => {
    const x = f32([1, 2, 3]).requiresGrad_();
    const y = call('mul', [x, 3]);
    expect(y.gradFn!.name).toBe('mul');
    call('sum', [y, null, false]).backward();
    expect(vals(x.grad!)).toEqual([3, 3, 3]);
    expect(my.noGrad(() => call('mul', [x, 3])).requiresGrad).toBe(false);
  });
  it('a JS number first (where(cond, 0, x), add(1, t)): the tensor operand still gets its gradient', () => {
    const x = f32([1, 2, 3]).requiresGrad_(), cond = my.tensor([true, false, true]);
    my.where(cond, 0, x).sum().backward();
    expect(vals(x.grad!)).toEqual([0, 1, 0]);
    const t = f32([2]).requiresGrad_();
    call('sub', [1, t]).sum().backward();
    expect(vals(t.grad!)).toEqual([-1]);
  });
  it('composites carry no rule: they record their parts', () => {
    const x = f32([[1, 2], [3, 4]]).requiresGrad_();
    expect(x.pad([1, 1], { value: 9 }).gradFn!.name).toBe('cat');
    expect(x.repeat(2, 1).gradFn!.name).toBe('reshape');
    expect(x.outer === undefined).toBe(false);
    expect(f32([1, 2]).requiresGrad_().outer(f32([3, 4])).gradFn!.name).toBe('mul');
    const p = x.pad([1, 0, 0, 1], { value: 9 });
    p.mul(f32([[1, 2, 3], [4, 5, 6], [7, 8, 9]])).sum().backward();
    expect(vals(x.grad!)).toEqual([2, 3, 5, 6]);
  });
});
