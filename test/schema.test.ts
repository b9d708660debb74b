// The op schema (native/ops.def's typed rows), its generator (scripts/gen_ops.js), the one
// generic decoder every native op export goes through, and the dispatch table's supports().
import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as myelin from '../ts/index';
import { OPS } from '../ts/index';
import { native, type Handle } from '../ts/binding';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const gen = require('../scripts/gen_ops.js') as {
  outputs(): Record<string, string>;
  parseSignature(sig: string, where: string): { args: { name: string; type: string }[]; minArgc: number; result: { kind: string } };
  parseOpsDef(text: string): { id: string }[];
};
const root = path.join(__dirname, '..');
const call = (id: string, ...args: unknown[]) => (native as unknown as Record<string, (...a: unknown[]) => unknown>)[id](...args);
const h = (t: myelin.Tensor) => t._h;

describe('generated op files', () => {
  it('are current with native/ops.def (run npm run gen)', () => {
    const out = gen.outputs();
    expect(Object.keys(out).sort()).toEqual(['native/core/op_table_gen.inc', 'ts/ops/binding_gen.ts', 'ts/ops/table_gen.ts']);
    for (const [rel, text] of Object.entries(out)) expect(fs.readFileSync(path.join(root, rel), 'utf8') === text, `${rel} is stale`).toBe(true);
  });

  it('the generator refuses malformed rows, naming the line', () => {
    expect(() => gen.parseSignature('(x: tensr) -> tensor', 'ops.def:9')).toThrow(/^ops.def:9: unknown type "tensr"/);
    expect(() => gen.parseSignature('(x?: tensor, y: int) -> tensor', 'ops.def:9')).toThrow(/only trailing arguments may be left out/);
    expect(() => gen.parseSignature('(x: tensor) -> out', 'ops.def:9')).toThrow(/needs an argument out: tensor\?/);
    expect(() => gen.parseOpsDef('MYELIN_OP(BadId, view, "", "(x: tensor) -> tensor", "rule")')).toThrow(/^native\/ops.def:1: op id "BadId" is not snake_case/);
    expect(() => gen.parseOpsDef('MYELIN_OP(foo, view, "", "(x: tensor) -> tensor", "none")')).toThrow(/grad must be rule, record, inplace or "none: <why>"/);
    expect(() => gen.parseOpsDef('MYELIN_UNARY_OP(foo, Foo, F, 1, "", "(x: tensor, out?: tensor?) -> out", "rule")')).toThrow(/nparams 1 takes x, 1 float\? and out/);
    const s = gen.parseSignature('(x: tensor, dims?: int[]?) -> tensor', 'w');
    expect(s.minArgc).toBe(1);
    expect(s.args.map((a) => a.type)).toEqual(['tensor', 'int[]?']);
  });

  it('rows carry a typed signature and the gradient kind (the old NO_GRAD, RECORDED and IN_PLACE sets)', () => {
    const row = (id: string) => OPS.find((r) => r.id === id)!;
    expect(row('conv2d').signature).toBe('(x: tensor, weight: tensor, bias: tensor?, stride: int[], padding: int[], dilation: int[], groups: int) -> tensor');
    expect(row('conv2d').grad).toBe('record');
    expect(row('fill_').grad).toBe('inplace');
    expect(row('eq').grad).toEqual({ none: 'bool result' });
    expect(row('argmax').args).toEqual([['x', 'tensor'], ['dim', 'int?'], ['keepdim', 'bool']]);
    expect(row('max_pool2d').result).toBe('tuple');
    expect(row('adam_step_').result).toBe('self');
    expect(row('gelu_tanh').api).toBe('gelu');
    expect(OPS.filter((r) => r.grad === 'record').map((r) => r.id).sort()).toEqual(
      ['adaptive_max_pool2d', 'batch_norm', 'cat', 'conv2d', 'conv2d_weight_grad', 'conv_transpose2d', 'group_norm', 'gru_cell', 'gru_scan', 'layer_norm', 'lstm_cell', 'lstm_scan', 'max_pool2d', 'sdpa_flash']);
    expect(OPS.filter((r) => r.grad === 'inplace').map((r) => r.id)).toEqual(['copy_', 'fill_', 'uniform_', 'normal_']);
  });
});

describe('the generic decoder', () => {
  it("checks every export's argument count from its schema (the compiled table matches the TS one)", () => {
    for (const r of OPS) {
      const min = r.args.filter((a) => !a[2]).length;
      if (min === 0) continue;
      expect(() => call(r.id), r.id).toThrow(new RegExp(`^${r.id}: expected at least ${min} arguments, got 0$`));
    }
  });

  it('reads each argument type as the hand-written exports did', () => {
    const x = myelin.tensor([[1, -2, 3], [4, 5, -6]], { dtype: 'float32' });
    // int[]?: null is every dim, a number one dim, an array those dims
    const sum = (d: unknown) => Array.from(new myelin.Tensor(call('sum', h(x), d, false) as Handle).data() as Float32Array);
    expect(sum(null)).toEqual([5]);
    expect(sum(1)).toEqual([2, 3]);
    expect(sum([0])).toEqual([5, 3, -3]);
    // float?: null is "not given" (clamp's open bound)
    expect(Array.from(new myelin.Tensor(native.clamp(h(x), null, 2)).data() as Float32Array)).toEqual([1, -2, 2, 2, 2, -6]);
    // scalar: a JS number takes the lowest promotion tier; int?: null means over all elements
    expect(new myelin.Tensor(native.add(h(x), 1)).dtype).toBe('float32');
    expect(new myelin.Tensor(native.argmax(h(x), null, false)).item()).toBe(4);
    // tensor|float: a number fills, a tensor scatters
    const idx = myelin.tensor([[0], [1]], { dtype: 'int64' });
    expect(Array.from(new myelin.Tensor(native.scatter(h(x), 1, h(idx), 9)).data() as Float32Array)).toEqual([9, -2, 3, 4, 9, -6]);
    // out: the export returns the very handle it was given
    const out = myelin.zeros(2, 3);
    expect(native.neg(h(x), h(out))).toBe(h(out));
    expect(Array.from(out.data() as Float32Array)).toEqual([-1, 2, -3, -4, -5, 6]);
    // self: in-place ops return argument 0
    expect(native.fill_(h(out), 7)).toBe(h(out));
    // tuples: null where a result was not asked for
    const w = myelin.ones(1, 1, 1, 1);
    const img = myelin.ones(1, 1, 2, 2);
    const r = native.conv2d_backward(h(img), h(img), h(w), [1, 1], [0, 0], [1, 1], 1, false, true, false);
    expect(r[0]).toBeNull();
    expect(r[2]).toBeNull();
    expect(new myelin.Tensor(r[1]!).item()).toBe(4);
  });

  it('names the op, the position and the value for each type', () => {
    const x = myelin.ones(2);
    expect(() => call('clamp', h(x), 'a', null)).toThrow(/^clamp: argument 1 must be a number, got a string$/);
    expect(() => call('sum', h(x), [0.5], false)).toThrow(/^sum: argument 1 must be an array of integers, entry 0 is the number 0.5/);
    expect(() => call('argmax', h(x), 1.5, false)).toThrow(/^argmax: argument 1 must be an integer, got the number 1.5/);
    expect(() => call('sum', h(x), null, 1)).toThrow(/^sum: argument 2 must be a boolean, got the number 1/);
    expect(() => call('to_dtype', h(x), 'float8')).toThrow(/^to_dtype: argument 1 must be a dtype name/);
    expect(() => call('from_array', [1, 2], [2], 'float32')).toThrow(/^from_array: argument 0 must be a TypedArray, got an array/);
    expect(() => call('cat', h(x), 0)).toThrow(/^cat: argument 0 must be an array of tensors/);
    const d = myelin.ones(2);
    const dh = h(d);
    d.dispose();
    expect(() => call('conv2d', h(x), h(x), dh, [1, 1], [0, 0], [1, 1], 1)).toThrow(/^conv2d: argument 2 is a disposed tensor$/);
    expect(() => call('scatter_add', h(x), 0, h(x), 3)).toThrow(/^scatter_add: argument 3 must be a tensor, got the number 3/);
  });
});

describe('supports(op, device, dtype)', () => {
  it('answers from the dispatch table: the CPU has every op, this build no CUDA kernel', () => {
    for (const r of OPS) expect(myelin.supports(r.id, 'cpu', 'float32'), r.id).toBe(true);
    for (const r of OPS) expect(myelin.supports(r.id, 'cuda', 'float32'), r.id).toBe(false);
    expect(myelin.supports('conv2d', 'cpu', 'int32')).toBe(false);
    expect(myelin.supports('add', 'cpu', 'int64')).toBe(true);
  });
  it("a missing kernel is a named error (require_kernel, the dispatch table's lookup)", () => {
    expect(() => native.require_kernel('conv2d', 'cuda')).toThrow(/^conv2d: no cuda kernel in this build$/);
    expect(() => native.require_kernel('add', 'cuda')).toThrow(/^add: no cuda kernel in this build$/);
    for (const r of OPS) expect(native.require_kernel(r.id, 'cpu')).toBeUndefined();
    expect(() => native.require_kernel('conv3d', 'cpu')).toThrow(/^require_kernel: argument 0 must be an op id/);
    expect(() => native.require_kernel('add', 'gpu' as never)).toThrow(/^require_kernel: argument 1 must be a device/);
  });
  it('throws a named error for an unknown op, device or dtype', () => {
    expect(() => myelin.supports('conv3d', 'cpu', 'float32')).toThrow(/^supports: argument 0 must be an op id \(native\/ops.def\), got a string/);
    expect(() => myelin.supports('add', 'tpu' as never, 'float32')).toThrow(/^supports: argument 1 must be a device \('cpu' or 'cuda'\)/);
    expect(() => myelin.supports('add', 'cpu', 'float8' as never)).toThrow(/^supports: argument 2 must be a dtype name/);
  });
});
