// The device seam: tensor.device read from the native storage, to(device | dtype | {device,
// dtype}), { device } on every creation function, the CUDA stub of a build without CUDA, and
// Module.to / double / float / half / bfloat16 against torch float64 numbers
// (test/fixtures/device.json from scripts/gen_device_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { nn, optim, type Tensor } from '../ts/index';
import { native, type Handle } from '../ts/binding';
import { deviceNative } from '../ts/device';

const NO_CUDA = /cuda is not available: built without CUDA/;
const close = (got: ArrayLike<number>, want: number[], tol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `element ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol);
};

describe('cuda on a build without CUDA (native/cuda/stub.cpp)', () => {
  it('is not available, has no devices, and says why', () => {
    expect(my.cuda.isAvailable()).toBe(false);
    expect(my.cuda.deviceCount()).toBe(0);
    expect(my.cuda.unavailableReason()).toMatch(/^built without CUDA; /);
    expect(native.backend_info().cuda).toBe(false);
  });
  it('the native move refuses cuda through the allocator seam, naming the op and the reason', () => {
    const x = my.tensor([1, 2, 3], { dtype: 'float32' });
    expect(() => deviceNative.to_device(x._h, 'cuda')).toThrow(/^to: cuda is not available: built without CUDA/);
    expect(() => deviceNative.to_device(x._h, 'tpu' as 'cpu')).toThrow(/^to: argument 1 must be 'cpu' or 'cuda', got a string/);
    expect(() => deviceNative.to_device(x._h, 0 as unknown as 'cpu')).toThrow(/^to: argument 1 must be 'cpu' or 'cuda', got the number 0/);
    expect(() => deviceNative.to_device({} as Handle, 'cpu')).toThrow(/^to: argument 0 must be a tensor/);
    x.dispose();
    expect(() => deviceNative.to_device(x._h, 'cpu')).toThrow(/^to: argument 0 is a disposed tensor/);
  });
  it('the native move to the CPU gathers a strided view into a contiguous copy (core copy_to_host)', () => {
    const x = my.arange(12, undefined, 1, { dtype: 'float64' }).reshape(3, 4).transpose(0, 1).narrow(0, 1, 2);
    const y = new my.Tensor(deviceNative.to_device(x._h, 'cpu'));
    expect(y.sharesStorageWith(x)).toBe(false);
    expect(y.isContiguous()).toBe(true);
    expect(y.shape).toEqual([2, 3]);
    expect(Array.from(y.data() as Float64Array)).toEqual([1, 5, 9, 2, 6, 10]);
    const e = new my.Tensor(deviceNative.to_device(my.zeros([0, 3])._h, 'cpu'));
    expect(e.shape).toEqual([0, 3]);
  });
});

describe('tensor.device and tensor.to', () => {
  it('device comes from the storage: cpu for created tensors, views and op results', () => {
    const x = my.randn([2, 3]);
    for (const t of [x, x.transpose(0, 1), x.add(1), x.sum(), my.tensor([true]), my.arange(3)]) expect(t.device).toBe('cpu');
    expect(deviceNative.device(x._h)).toBe('cpu');
  });
  it("to('cpu') and the like return the tensor itself; a dtype makes a copy", () => {
    const x = my.tensor([1.5, -2.25, 3], { dtype: 'float32' });
    expect(x.to('cpu')).toBe(x);
    expect(x.to('cpu:0')).toBe(x);
    expect(x.to({ device: 'cpu' })).toBe(x);
    expect(x.to({})).toBe(x);
    const d = x.to({ device: 'cpu', dtype: 'float64' });
    expect(d.dtype).toBe('float64');
    expect(Array.from(d.data() as Float64Array)).toEqual([1.5, -2.25, 3]);
    const same = x.to('float32');
    expect(same).not.toBe(x);
    expect(same.sharesStorageWith(x)).toBe(false);
    expect(Array.from(x.to({ dtype: 'int32' }).data() as Int32Array)).toEqual([1, -2, 3]);
  });
  it('to() with a dtype stays differentiable in the object form', () => {
    const x = my.tensor([1, 2, 3], { dtype: 'float32' }).requiresGrad_();
    const y = x.to({ dtype: 'float64', device: 'cpu' });
    y.mul(y).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.data() as Float32Array)).toEqual([2, 4, 6]);
  });
  it("to('cuda') throws the stub's named error, and so does every cuda spelling", () => {
    const x = my.ones([2]);
    for (const target of ['cuda', 'cuda:0', 'cuda:3', { device: 'cuda' }, { device: 'cuda:0', dtype: 'float64' }] as const)
      expect(() => x.to(target as never), JSON.stringify(target)).toThrow(/^to: cuda is not available: built without CUDA; /);
  });
  it('refuses devices and targets torch would not parse, or myelin has no backend for, by name', () => {
    const x = my.ones([2]);
    const cases: [unknown, RegExp][] = [
      ['gpu', /^to: the target must be a dtype \('float32'.*or a device: 'cpu', 'cuda' or 'cuda:N', got "gpu"/],
      ['CUDA', /^to: the target must be a dtype .* got "CUDA"/],
      ['cuda:', /^to: the target must be a dtype .* got "cuda:"/],
      ['cuda:-1', /^to: the target must be a dtype .* got "cuda:-1"/],
      ['cuda:01', /^to: the target must be a dtype .* got "cuda:01"/],
      [' cuda', /^to: the target must be a dtype .* got " cuda"/],
      ['cpu:1', /^to: device "cpu:1": the CPU device index must be 0/],
      ['mps', /^to: device "mps" is not supported by myelin \(its devices are 'cpu' and 'cuda'\)/],
      ['float8', /^to: the target must be a dtype .* got "float8"/],
      [5, /^to: the target must be a dtype, a device or \{ device, dtype \}, got 5/],
      [null, /^to: the target must be a dtype, a device or \{ device, dtype \}, got null/],
      [undefined, /^to: the target must be a dtype, a device or \{ device, dtype \}, got undefined/],
      [['cpu'], /^to: the target must be a dtype, a device or \{ device, dtype \}, got \["cpu"\]/],
      [{ device: 'tpu' }, /^to: device must be a device: 'cpu', 'cuda' or 'cuda:N', got "tpu"/],
      [{ device: 0 }, /^to: device must be a device: .* got 0/],
      [{ dtype: 'float8' }, /^to: dtype must be one of 'float32'.*got "float8"/],
      [{ dtype: 'cpu' }, /^to: dtype must be one of .* got "cpu"/],
      [{ device: 'cpu', copy: true }, /^to: unknown option 'copy' \(expected device and\/or dtype\)/],
    ];
    for (const [target, re] of cases) expect(() => x.to(target as never), String(target)).toThrow(re);
  });
  it('a disposed tensor refuses to move', () => {
    const x = my.ones([2]);
    x.dispose();
    expect(() => x.to('cpu')).toThrow(/^to: argument 0 is a disposed tensor/);
    expect(() => x.to('float64')).toThrow(/^to: argument 0 is a disposed tensor/);
  });
});

describe('{ device } on every creation function', () => {
  const src = my.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
  type Make = (o: { device?: unknown }) => Tensor;
  const makers: [string, Make][] = [
    ['tensor', (o) => my.tensor([1, 2], o as my.CreateOptions)],
    ['scalar_tensor', (o) => my.scalarTensor(2, o as my.CreateOptions)],
    ['zeros', (o) => my.zeros([2, 3], o as my.CreateOptions)],
    ['ones', (o) => my.ones(2, 3, o as my.CreateOptions)],
    ['empty', (o) => my.empty([2], o as my.CreateOptions)],
    ['full', (o) => my.full([2], 7, o as my.CreateOptions)],
    ['arange', (o) => my.arange(0, 4, 1, o as my.CreateOptions)],
    ['linspace', (o) => my.linspace(0, 1, 5, o as my.CreateOptions)],
    ['eye', (o) => my.eye(3, 3, o as my.CreateOptions)],
    ['rand', (o) => my.rand([2, 2], o as my.CreateOptions)],
    ['randn', (o) => my.randn([2, 2], o as my.CreateOptions)],
    ['randint', (o) => my.randint(0, 5, [3], o as my.CreateOptions)],
    ['randperm', (o) => my.randperm(4, o as my.CreateOptions)],
    ['zeros_like', (o) => my.zerosLike(src, o as my.CreateOptions)],
    ['ones_like', (o) => my.onesLike(src, o as my.CreateOptions)],
    ['empty_like', (o) => my.emptyLike(src, o as my.CreateOptions)],
    ['full_like', (o) => my.fullLike(src, 3, o as my.CreateOptions)],
    ['rand_like', (o) => my.randLike(src, o as my.CreateOptions)],
    ['randn_like', (o) => my.randnLike(src, o as my.CreateOptions)],
  ];
  it.each(makers)("%s: device 'cpu' (and 'cpu:0') make the same tensor as no device", (_op, make) => {
    for (const device of ['cpu', 'cpu:0']) {
      my.manualSeed(3);
      const a = make({});
      my.manualSeed(3);
      const b = make({ device });
      expect(b.device).toBe('cpu');
      expect(b.dtype).toBe(a.dtype);
      expect(b.shape).toEqual(a.shape);
      expect(b.toArray()).toEqual(a.toArray());
    }
  });
  it.each(makers)("%s: 'cuda' and 'cuda:0' throw the named error before allocating; a bad device is a named bad argument", (op, make) => {
    const opName = op === 'scalar_tensor' ? 'scalar_tensor' : op;
    const before = my.memory().numTensors;
    for (const device of ['cuda', 'cuda:0'])
      expect(() => make({ device }), device).toThrow(new RegExp(`^${opName}: cuda is not available: built without CUDA; `));
    expect(() => make({ device: 'gpu' })).toThrow(new RegExp(`^${opName}: device must be a device: 'cpu', 'cuda' or 'cuda:N', got "gpu"`));
    expect(() => make({ device: 'cpu:2' })).toThrow(new RegExp(`^${opName}: device "cpu:2": the CPU device index must be 0`));
    expect(() => make({ device: null })).toThrow(new RegExp(`^${opName}: device must be a device: .* got null`));
    // nothing allocated (a GC during the calls may free earlier garbage: the count cannot rise)
    expect(my.memory().numTensors).toBeLessThanOrEqual(before);
  });
  it('requiresGrad and dtype combine with device', () => {
    const w = my.zeros([2], { device: 'cpu', dtype: 'float64', requiresGrad: true });
    expect([w.device, w.dtype, w.requiresGrad]).toEqual(['cpu', 'float64', true]);
  });
});

interface Fx {
  params: Record<string, number[]>; x: number[]; x_shape: number[];
  y_float64: number[]; loss_float64: number; adam_lr: number;
  running: { running_mean: number[]; running_var: number[]; num_batches_tracked: number };
  params_after_adam: Record<string, number[]>; y_eval_float32: number[];
}
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'device.json'), 'utf8')) as Fx;
const makeNet = () => new nn.Sequential(new nn.Linear(4, 3, { bias: false }), new nn.BatchNorm1d(3), new nn.Tanh(), new nn.Linear(3, 2));

describe('Module.to, double(), float(), half(), bfloat16()', () => {
  it('a float64 round trip matches torch float64: forward, running stats, an Adam step made before the cast, then float()', () => {
    const net = makeNet();
    net.loadStateDict(Object.fromEntries(Object.entries(fx.params).map(([k, v]) => [k, my.tensor(v, { dtype: 'float32' }).reshape(net.stateDict().get(k)!.shape as number[])])), { strict: false });
    const before = net.parameters();
    const bufsBefore = net.buffers();
    const opt = new optim.Adam(net.parameters(), { lr: fx.adam_lr });
    expect(net.double()).toBe(net);
    // the same objects, now float64; the int64 counter is not cast
    expect(net.parameters()).toEqual(before);
    net.parameters().forEach((p, i) => { expect(p).toBe(before[i]); expect(p.dtype).toBe('float64'); expect(p.requiresGrad).toBe(true); });
    net.buffers().forEach((b, i) => expect(b).toBe(bufsBefore[i]));
    const bn = net.at(1) as nn.BatchNorm1d;
    expect([bn.runningMean!.dtype, bn.runningVar!.dtype, bn.numBatchesTracked!.dtype]).toEqual(['float64', 'float64', 'int64']);

    const x = my.tensor(fx.x, { dtype: 'float64' }).reshape(fx.x_shape);
    const y = net.forward(x) as Tensor;
    expect(y.dtype).toBe('float64');
    close(y.data() as Float64Array, fx.y_float64, 1e-14);  // float32 math would miss by ~1e-8
    close(bn.runningMean!.data() as Float64Array, fx.running.running_mean, 1e-15);
    close(bn.runningVar!.data() as Float64Array, fx.running.running_var, 1e-15);
    expect(bn.numBatchesTracked!.item()).toBe(fx.running.num_batches_tracked);
    const loss = y.pow(2).mean();
    expect(Math.abs((loss.item() as number) - fx.loss_float64)).toBeLessThan(1e-15);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    for (const [k, p] of net.namedParameters()) close(p.data() as Float64Array, fx.params_after_adam[k], 1e-14);

    expect(net.float().eval()).toBe(net);
    net.parameters().forEach((p, i) => { expect(p).toBe(before[i]); expect(p.dtype).toBe('float32'); });
    const y32 = my.noGrad(() => net.forward(x.float()) as Tensor);
    expect(y32.dtype).toBe('float32');
    close(y32.data() as Float32Array, fx.y_eval_float32, 2e-6);
  });
  it('gradients move with their parameters; to(device) of the current device leaves everything as it was', () => {
    const m = new nn.Linear(3, 2);
    (m.forward(my.ones([1, 3])) as Tensor).sum().backward();
    const w = m.weight, g = w.grad!;
    expect(m.to('cpu')).toBe(m);
    expect(m.weight).toBe(w);
    expect(w.grad).toBe(g);
    m.to({ device: 'cpu', dtype: 'float64' });
    expect(m.weight).toBe(w);
    expect(w.grad!.dtype).toBe('float64');
    expect(g.isDisposed).toBe(true);
    expect(Array.from(w.grad!.data() as Float64Array)).toEqual([1, 1, 1, 1, 1, 1]);
  });
  it('bad targets throw named errors and leave the module as it was', () => {
    const m = new nn.Linear(3, 2);
    const w = m.weight;
    expect(() => m.to('cuda')).toThrow(/^Module\.to: cuda is not available: built without CUDA; /);
    expect(() => m.to({ device: 'cuda:1', dtype: 'float64' })).toThrow(/^Module\.to: cuda is not available/);
    expect(() => m.to('gpu' as never)).toThrow(/^Module\.to: the target must be a dtype .* got "gpu"/);
    expect(() => m.to('int32')).toThrow(/^Module\.to: only floating-point dtypes are accepted .* got 'int32'/);
    expect(() => m.to(null as never)).toThrow(/^Module\.to: the target must be/);
    expect(m.weight).toBe(w);
    expect([w.dtype, m.bias!.dtype]).toEqual(['float32', 'float32']);
  });
  it('half() and bfloat16() cast to float16/bfloat16 where this build has them, else name the dtype', () => {
    for (const [cast, dt] of [[(m: nn.Module) => m.half(), 'float16'], [(m: nn.Module) => m.bfloat16(), 'bfloat16']] as const) {
      const m = new nn.Linear(2, 2);
      if ((my.DTYPES as readonly string[]).includes(dt)) {
        expect(cast(m)).toBe(m);
        expect(m.weight.dtype).toBe(dt);
      } else {
        expect(() => cast(m)).toThrow(new RegExp(`^Module\\.to: the target must be a dtype .* got "${dt}"`));
        expect(m.weight.dtype).toBe('float32');
      }
    }
  });
});
