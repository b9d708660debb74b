// float16, bfloat16, int8 and uint8 against PyTorch (test/fixtures/dtypes.json, written by
// scripts/gen_dtype_fixtures.py): the type-promotion table over every dtype pair and scalar
// kind, casts bit for bit, ops computed in float32 and rounded once, integer wrap-around,
// printing, and the named errors of ops that have no float16/bfloat16 path.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { Tensor, tensor, tidy, type DType } from '../ts/index';
import { toFloat16Bits, toBfloat16Bits } from '../ts/dtype';

interface OpCase {
  dtype: 'float16' | 'bfloat16'; op: string; inputs: number[][]; shapes: number[][];
  attrs: { dim?: number | null; scalar?: number }; out: number[]; out_dtype: DType; out_shape: number[];
}
/* eslint-disable @typescript-eslint/no-explicit-any */
const FX: any = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'dtypes.json'), 'utf8'),
  (_k, v) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === 'nan' ? NaN : v));
const P = FX.promotion;
const NAMES: DType[] = P.dtypes;
// torch gives int16 for uint8 with int8; myelin has no int16 and gives int32 (ts/dtype.ts)
const ours = (torchName: string): DType => (torchName === 'int16' ? 'int32' : torchName) as DType;

const bits = (t: Tensor): number[] => {
  const d = t.data();
  expect(d).toBeInstanceOf(Uint16Array);
  return Array.from(d as Uint16Array);
};
const isNanBits = (b: number, bf16: boolean) => (bf16 ? (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0 : (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0);
/** Bit patterns equal, any NaN matching any NaN (torch's NaN payload and sign vary by path). */
function expectBits(got: number[], want: number[], bf16: boolean, what: string): void {
  expect(got.length).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i] || (isNanBits(got[i], bf16) && isNanBits(want[i], bf16))) continue;
    bad.push(`#${i}: got 0x${got[i].toString(16)} want 0x${want[i].toString(16)}`);
  }
  expect(bad.slice(0, 5), `${what}: ${bad.length} mismatches`).toEqual([]);
}
/** One unit in the last place of `v` in a 16-bit float format (10 or 7 mantissa bits). */
const ulp = (v: number, mant: number, minExp: number) => 2 ** (Math.max(Math.floor(Math.log2(Math.abs(v) || 2 ** minExp)), minExp) - mant);
function expectWithinUlp(got: ArrayLike<number>, want: number[], dtype: DType, what: string): void {
  expect(got.length).toBe(want.length);
  const [mant, minExp] = dtype === 'float16' ? [10, -14] : dtype === 'bfloat16' ? [7, -126] : [23, -126];
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    // results are rounded once from float32 that may differ in its last bits (summation order,
    // libm): at most one step of the 16-bit format
    if (!(Math.abs(g - w) <= ulp(w, mant, minExp))) bad.push(`#${i}: got ${g} want ${w}`);
  }
  expect(bad.slice(0, 5), `${what}: ${bad.length} beyond 1 ulp`).toEqual([]);
}
const widened = (t: Tensor): number[] => Array.from(t.float().data() as Float32Array);

describe('type promotion (torch.result_type over every pair)', () => {
  const t1 = (d: DType) => my.ones(2, { dtype: d });
  const t0 = (d: DType) => my.ones([], { dtype: d });
  it('tensor with tensor, tensor with 0-d tensor, 0-d with 0-d', () => tidy(() => {
    const bad: string[] = [];
    NAMES.forEach((a, i) => NAMES.forEach((b, j) => {
      const check = (kind: string, got: DType, want: string) => { if (got !== ours(want)) bad.push(`${kind} ${a} ${b}: ${got} != ${want}`); };
      check('tensor_tensor', t1(a).add(t1(b)).dtype, P.tensor_tensor[i][j]);
      check('tensor_zerodim', t1(a).add(t0(b)).dtype, P.tensor_zerodim[i][j]);
      check('zerodim_zerodim', t0(a).add(t0(b)).dtype, P.zerodim_zerodim[i][j]);
    }));
    expect(bad).toEqual([]);
    // the one documented difference: torch's int16
    expect(P.tensor_tensor[NAMES.indexOf('uint8')][NAMES.indexOf('int8')]).toBe('int16');
    expect(t1('uint8').add(t1('int8')).dtype).toBe('int32');
  }));
  it('weak scalars (JS numbers and booleans) do not promote within their category', () => tidy(() => {
    const bad: string[] = [];
    NAMES.forEach((a, i) => {
      const check = (kind: string, got: DType, want: string) => { if (got !== ours(want)) bad.push(`${kind} ${a}: ${got} != ${want}`); };
      check('tensor_int', t1(a).add(2).dtype, P.tensor_int[i]);
      check('tensor_float', t1(a).add(2.5).dtype, P.tensor_float[i]);
      check('tensor_bool', t1(a).add(true).dtype, P.tensor_bool[i]);
      check('zerodim_float', t0(a).add(2.5).dtype, P.zerodim_float[i]);
    });
    expect(bad).toEqual([]);
  }));
});

describe('float16 / bfloat16 casts against torch, bit for bit', () => {
  const C = FX.casts;
  it('float32 -> float16 and bfloat16 (native casts and the JS creation path)', () => tidy(() => {
    const x = tensor(new Float32Array(C.float32));
    expectBits(bits(x.half()), C.float32_to_float16_bits, false, 'half()');
    expectBits(bits(x.to('bfloat16')), C.float32_to_bfloat16_bits, true, "to('bfloat16')");
    expectBits(bits(tensor(C.float32, { dtype: 'float16' })), C.float32_to_float16_bits, false, 'tensor(numbers, float16)');
    expectBits(bits(tensor(C.float32, { dtype: 'bfloat16' })), C.float32_to_bfloat16_bits, true, 'tensor(numbers, bfloat16)');
    expectBits(C.float32.map(toFloat16Bits), C.float32_to_float16_bits, false, 'toFloat16Bits');
    expectBits(C.float32.map(toBfloat16Bits), C.float32_to_bfloat16_bits, true, 'toBfloat16Bits');
  }));
  it('float64 -> 16 bits rounds through float32, as torch', () => tidy(() => {
    const x = tensor(new Float64Array(C.float64));
    expectBits(bits(x.half()), C.float64_to_float16_bits, false, 'float64 half()');
    expectBits(bits(x.bfloat16()), C.float64_to_bfloat16_bits, true, 'float64 bfloat16()');
    expectBits(bits(tensor(C.float64, { dtype: 'float16' })), C.float64_to_float16_bits, false, 'tensor(float64 numbers)');
  }));
  it('16-bit patterns -> float32 (Uint16Array in, raw bits kept)', () => tidy(() => {
    const pat = new Uint16Array(C.patterns);
    for (const [dt, want] of [['float16', C.float16_patterns_to_float32], ['bfloat16', C.bfloat16_patterns_to_float32]] as const) {
      const t = tensor(pat, { dtype: dt });
      expect(t.dtype).toBe(dt);
      expect(bits(t)).toEqual(C.patterns);  // stored as given
      const got = widened(t);
      const bad = (want as number[]).flatMap((w, i) => (Object.is(got[i], w) || (Number.isNaN(w) && Number.isNaN(got[i])) ? [] : [i]));
      expect(bad, `${dt} patterns`).toEqual([]);
    }
  }));
  it('to and from the integer dtypes', () => tidy(() => {
    const h = tensor(C.float16_in, { dtype: 'float16' });
    expect(Array.from(h.to('int32').data() as Int32Array)).toEqual(C.float16_to_int32);
    const inI8 = C.float16_in.filter((v: number) => v >= -128 && v < 128);
    expect(Array.from(tensor(inI8, { dtype: 'float16' }).to('int8').data() as Int8Array)).toEqual(C.float16_in_int8_range_to_int8);
    const inU8 = C.float16_in.filter((v: number) => v >= 0 && v < 256);
    expect(Array.from(tensor(inU8, { dtype: 'float16' }).to('uint8').data() as Uint8Array)).toEqual(C.float16_in_uint8_range_to_uint8);
    const ii = tensor(new Int32Array(C.int_in));
    expect(Array.from(ii.to('int8').data() as Int8Array)).toEqual(C.int32_to_int8);  // integers wrap, as torch
    expect(Array.from(ii.to('uint8').data() as Uint8Array)).toEqual(C.int32_to_uint8);
    expectBits(bits(ii.half()), C.int32_to_float16_bits, false, 'int32 half()');
    const u = my.arange(0, 256, 5).to('uint8');
    expectBits(bits(u.bfloat16()), C.uint8_to_bfloat16_bits, true, 'uint8 bfloat16()');
  }));
  it('bool <-> float16/bfloat16', () => tidy(() => {
    expect(tensor([true, false]).half().toArray()).toEqual([1, 0]);
    expect(tensor([true, false]).bfloat16().data()).toEqual(new Uint16Array([0x3f80, 0]));
    expect(tensor(new Uint16Array([0x7e00, 0x8000, 0x0001, 0x3c00]), { dtype: 'float16' }).bool().toArray()).toEqual([true, false, true, true]);  // NaN is true, -0 false, as torch
    expect(tensor([1.5, -2], { dtype: 'bfloat16' }).half().toArray()).toEqual([1.5, -2]);
    expect(tensor([1e-7, 70000], { dtype: 'bfloat16' }).half().toArray()).toEqual([1.1920928955078125e-7, Infinity]);
  }));
  it('float -> int8/uint8 out of range saturates and NaN gives 0 (the rule Tensor.to documents)', () => tidy(() => {
    const x = tensor([300, -300, 127.9, -128.9, NaN, Infinity, -Infinity, 255.5, -0.5]);
    expect(Array.from(x.to('int8').data() as Int8Array)).toEqual([127, -128, 127, -128, 0, 127, -128, 127, 0]);
    expect(Array.from(x.to('uint8').data() as Uint8Array)).toEqual([255, 0, 127, 0, 0, 255, 0, 255, 0]);
    expect(Array.from(x.half().to('uint8').data() as Uint8Array)).toEqual([255, 0, 127, 0, 0, 255, 0, 255, 0]);  // 127.875 in float16
  }));
});

describe('float16 / bfloat16 ops compute in float32, rounded once (torch CPU)', () => {
  const run = (c: OpCase, xs: Tensor[]): Tensor => {
    const [a, b] = xs, d = c.attrs.dim;
    switch (c.op) {
      case 'add': return a.add(b);
      case 'sub': return a.sub(b);
      case 'mul': return a.mul(b);
      case 'div': return a.div(b);
      case 'add_scalar': return a.add(c.attrs.scalar!);
      case 'mul_scalar': return a.mul(c.attrs.scalar!);
      case 'exp': return a.exp();
      case 'log': return a.log();
      case 'tanh': return a.tanh();
      case 'sigmoid': return a.sigmoid();
      case 'sqrt': return a.sqrt();
      case 'relu': return a.relu();
      case 'sum': return a.sum();
      case 'sum_dim': return a.sum(d!);
      case 'mean_dim': return a.mean(d!);
      case 'amax_dim': return a.amax(d!);
      case 'var_dim': return a.var(d!);
      case 'cumsum': return a.cumsum(d!);
      case 'softmax': return a.softmax(d!);
      case 'log_softmax': return a.logSoftmax(d!);
      case 'matmul': case 'matmul_24x40x24': case 'matmul_gen': return a.matmul(b);
      case 'gt': return a.gt(b);
      case 'add_float32': return a.add(b);
      case 'conv2d': return my.conv2d(a, b, xs[2], { padding: 1 });
    }
    throw new Error(`no runner for ${c.op}`);
  };
  for (const c of FX.ops as OpCase[]) {
    it(`${c.op} ${c.dtype}`, () => tidy(() => {
      const gen = (shape: number[], mult: number) =>  // the generator's formula, exact in both dtypes
        tensor(Array.from({ length: shape[0] * shape[1] }, (_, i) => (((i * mult) % 101) - 50) / 32), { dtype: c.dtype, shape });
      const xs = c.op === 'matmul_gen'
        ? c.shapes.map((sh, k) => gen(sh, (c.attrs as { mult: number[] }).mult[k]))
        : c.inputs.map((v, k) => tensor(v, { dtype: c.op === 'add_float32' && k === 1 ? 'float32' : c.dtype, shape: c.shapes[k] }));
      const y = run(c, xs);
      expect(y.dtype).toBe(c.out_dtype);
      expect([...y.shape]).toEqual(c.out_shape);
      if (y.dtype === 'bool') expect(Array.from(y.data() as Uint8Array)).toEqual(c.out);
      else if (y.dtype === 'float32') expect(Array.from(y.data() as Float32Array)).toEqual(c.out);  // exact: one float32 op
      else expectWithinUlp(widened(y), c.out, y.dtype, `${c.op} ${c.dtype}`);
    }));
  }
  it('ops on float16/bfloat16 store their results rounded (no float32 leaks out)', () => tidy(() => {
    const x = tensor([1, 2, 3], { dtype: 'float16' });
    expect(x.add(0.1).toArray()).toEqual([1.099609375, 2.099609375, 3.099609375]);  // 0.1 -> float16 first, as torch
    const big = tensor([2049, 3], { dtype: 'int32' }).add(tensor([0, 0], { dtype: 'float16' }));
    expect(big.toArray()).toEqual([2048, 3]);  // the int32 operand becomes float16 (torch), not float32
    const y = x.div(3);  // 1/3 in float16 is 0.333251953125
    expect(y.dtype).toBe('float16');
    expect(y.toArray()).toEqual([0.333251953125, 0.66650390625, 1]);
    // in-place and out= paths round too
    const z = tensor([1, 1, 1], { dtype: 'bfloat16' });
    z.add_(tensor([0.001, 0.002, 0.004]));  // float32 operand, result written into bfloat16
    expect(z.dtype).toBe('bfloat16');
    expect(z.toArray()).toEqual([1, 1, 1.0078125]);
  }));
  it('bfloat16 matmul: 2-d (oneDNN where the CPU has AVX512-BF16) and batched agree with float32 compute', () => tidy(() => {
    my.manualSeed(3);
    const a = my.randn([3, 70, 80]).bfloat16(), b = my.randn([80, 60]).bfloat16();  // 2-d products past 64^3: oneDNN
    const want = a.float().matmul(b.float());  // float32 products of the same bf16 values
    const batched = a.matmul(b);
    expect(batched.dtype).toBe('bfloat16');
    expectWithinUlp(widened(batched), widened(want), 'bfloat16', 'batched bf16 matmul');
    const two = a.select(0, 1).matmul(b);
    expectWithinUlp(widened(two), widened(want.select(0, 1)), 'bfloat16', '2-d bf16 matmul');
    const tr = b.t().matmul(a.select(0, 2).t());  // strided operands
    expectWithinUlp(widened(tr), widened(want.select(0, 2).t().contiguous()), 'bfloat16', 'transposed bf16 matmul');
  }));
});

// Which kernels run bfloat16 matmul/conv2d: oneDNN's bf16 ones where the CPU has AVX512-BF16,
// float32 compute elsewhere (simulated by capping oneDNN's ISA). DNNL_VERBOSE names each kernel.
const addon = process.env.MYELIN_ADDON ?? join(__dirname, '..', 'build', 'Release', 'myelin.node');
const bf16Child = `
const b = require(${JSON.stringify(addon)});
const v = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s));
const bf = (n, shape, s) => b.to_dtype(b.from_array(v(n, s), shape, 'float32'), 'bfloat16');
const x = bf(96 * 64, [96, 64], 0.37), w = bf(64 * 48, [64, 48], 0.11);  // 64^3 multiply-adds and up go to oneDNN
const y = b.matmul(x, w), ref = b.to_dtype(b.matmul(b.to_dtype(x, 'float32'), b.to_dtype(w, 'float32')), 'bfloat16');
const cx = bf(2 * 3 * 8 * 8, [2, 3, 8, 8], 0.21), cw = bf(4 * 3 * 3 * 3, [4, 3, 3, 3], 0.53);
const c = b.conv2d(cx, cw, null, [1, 1], [1, 1], [1, 1], 1);
const cref = b.to_dtype(b.conv2d(b.to_dtype(cx, 'float32'), b.to_dtype(cw, 'float32'), null, [1, 1], [1, 1], [1, 1], 1), 'bfloat16');
const diff = (p, q) => { const a = b.to_array(b.to_dtype(p, 'float32')), r = b.to_array(b.to_dtype(q, 'float32'));
  return Math.max(...a.map((e, i) => Math.abs(e - r[i]) / Math.max(Math.abs(r[i]), 1))); };
console.log(JSON.stringify({ dtypes: [b.dtype(y), b.dtype(c)], mm: diff(y, ref), conv: diff(c, cref) }));
`;
function bf16Kernels(env: Record<string, string>): { log: string; out: { dtypes: string[]; mm: number; conv: number } } {
  const r = spawnSync(process.execPath, ['-e', bf16Child], { encoding: 'utf8', env: { ...process.env, DNNL_VERBOSE: '1', ...env } });
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  return { log: lines.filter((l) => l.startsWith('onednn_verbose,exec')).join('\n'), out: JSON.parse(lines[lines.length - 1]) };
}
const hasBf16 = my.backendInfo().conv === 'onednn' &&
  /avx512_bf16/.test((() => { try { return readFileSync('/proc/cpuinfo', 'utf8'); } catch { return ''; } })());

describe('bfloat16 matmul and conv2d kernels', () => {
  // visible as skipped on CPUs without AVX512-BF16 or builds without oneDNN
  it.runIf(hasBf16)('oneDNN bf16 kernels on this AVX512-BF16 CPU', () => {
    const { log, out } = bf16Kernels({});
    expect(log).toMatch(/exec,cpu,matmul,[^,]*avx512_core_bf16[^,]*,[^,]*,src_bf16/);
    expect(log).toMatch(/exec,cpu,convolution,[^,]*avx512_core_bf16[^,]*,[^,]*,src_bf16/);
    expect(out.dtypes).toEqual(['bfloat16', 'bfloat16']);
    expect(out.mm).toBeLessThanOrEqual(2 ** -8);  // within a bf16 step of float32 compute
    expect(out.conv).toBeLessThanOrEqual(2 ** -8);
  });
  it('float32 compute where oneDNN may not use AVX512-BF16', () => {
    const { log, out } = bf16Kernels({ ONEDNN_MAX_CPU_ISA: 'AVX512_CORE', DNNL_MAX_CPU_ISA: 'AVX512_CORE' });
    expect(log).not.toMatch(/bf16/);
    expect(out).toEqual({ dtypes: ['bfloat16', 'bfloat16'], mm: 0, conv: 0 });  // the same float32 compute, rounded once
  });
});

describe('int8 and uint8 storage and arithmetic (as torch)', () => {
  const I = FX.ints;
  const u = (v: number[]) => tensor(Uint8Array.from(v), { dtype: 'uint8' });
  const s = (v: number[]) => tensor(Int8Array.from(v), { dtype: 'int8' });
  it('creation from Int8Array/Uint8Array keeps the bytes; data() gives the same class', () => tidy(() => {
    const a = u(I.u1), b = s(I.i1);
    expect(a.dtype).toBe('uint8');
    expect(b.dtype).toBe('int8');
    expect(a.data()).toBeInstanceOf(Uint8Array);
    expect(b.data()).toBeInstanceOf(Int8Array);
    expect(Array.from(a.data())).toEqual(I.u1);
    expect(b.toArray()).toEqual(I.i1);
    expect(tensor([1, 0, 1], { dtype: 'bool' }).data()).toBeInstanceOf(Uint8Array);
    expect(tensor(Uint8Array.from([0, 7, 1]), { dtype: 'bool' }).toArray()).toEqual([false, true, true]);
  }));
  it('uint8 + uint8 stays uint8 and wraps; comparisons give bool; sum gives int64', () => tidy(() => {
    const a = u(I.u1), b = u(I.u2);
    const sum = a.add(b);
    expect(sum.dtype).toBe('uint8');
    expect(sum.toArray()).toEqual(I.u_add);
    expect(a.sub(b).toArray()).toEqual(I.u_sub);
    expect(a.mul(b).toArray()).toEqual(I.u_mul);
    expect(a.add(300).toArray()).toEqual(I.u_add_300);
    expect(a.lt(b).dtype).toBe('bool');
    expect(a.lt(b).toArray()).toEqual(I.u_lt);
    expect(a.sum().dtype).toBe(I.u_sum_dtype);
    expect(a.sum().item()).toBe(I.u_sum);
    const q = a.div(b);
    expect(q.dtype).toBe(I.u_div_dtype);
    expectWithinUlp(q.data() as Float32Array, I.u_div, 'float32', 'uint8 div');
    expect(a.add(my.full([6], 0.5, { dtype: 'float16' })).dtype).toBe('float16');
    expect(widened(a.add(my.full([6], 0.5, { dtype: 'float16' })))).toEqual(I.u_float16_add);
  }));
  it('int8 arithmetic wraps; uint8 with int8 is int32 here (torch: int16), same values', () => tidy(() => {
    const a = s(I.i1), b = s(I.i2);
    expect(a.add(b).toArray()).toEqual(I.i_add);
    expect(a.mul(b).toArray()).toEqual(I.i_mul);
    expect(a.neg().toArray()).toEqual(I.i_neg);
    const m = u(I.u1).add(a);
    expect(m.dtype).toBe('int32');
    expect(m.toArray()).toEqual(I.ui_add);
  }));
});

describe('float16 / bfloat16 surface', () => {
  it('half(), bfloat16(), to(), item(), toArray(), data()', () => tidy(() => {
    const x = tensor([1.5, 2, -0.1]);
    const h = x.half(), b = x.bfloat16();
    expect([h.dtype, b.dtype, x.to('float16').dtype]).toEqual(['float16', 'bfloat16', 'float16']);
    expect(h.data()).toBeInstanceOf(Uint16Array);
    expect(Array.from(h.data())).toEqual([0x3e00, 0x4000, 0xae66]);
    expect(h.toArray()).toEqual([1.5, 2, -0.0999755859375]);
    expect(b.toArray()).toEqual([1.5, 2, -0.10009765625]);
    expect(h.sum().item()).toBe(3.400390625);
    expect(tensor(new Uint16Array([0x3c00, 0x7c00, 0xfc00]), { dtype: 'float16' }).toArray()).toEqual([1, Infinity, -Infinity]);
    expect(Number.isNaN(tensor(new Uint16Array([0x7fc0]), { dtype: 'bfloat16' }).item())).toBe(true);
    expect(h.isFloatingPoint()).toBe(true);
    expect(h.requiresGrad_().requiresGrad).toBe(true);
    expect(my.zeros(2, { dtype: 'bfloat16' }).toArray()).toEqual([0, 0]);
    expect(my.full([2], 65519, { dtype: 'float16' }).toArray()).toEqual([65504, 65504]);
  }));
  it('data movement, sorting and creation in float16/bfloat16', () => tidy(() => {
    const x = tensor([[1.5, -2, 3], [0.25, 5, -6]], { dtype: 'float16' });
    expect(x.gather(1, tensor([[0n], [2n]])).toArray()).toEqual([[1.5], [-6]]);
    expect(x.indexSelect(1, tensor([2n, 0n])).toArray()).toEqual([[3, 1.5], [-6, 0.25]]);
    expect(x.flip([0]).toArray()).toEqual([[0.25, 5, -6], [1.5, -2, 3]]);
    expect(my.cat([x, x.t().contiguous().reshape([2, 3])]).dtype).toBe('float16');
    const s = x.bfloat16().sort({ dim: 1, descending: true });
    expect([s.values.dtype, s.indices.dtype]).toEqual(['bfloat16', 'int64']);
    expect(s.values.toArray()).toEqual([[3, 1.5, -2], [5, 0.25, -6]]);
    expect(s.indices.toArray()).toEqual([[2, 0, 1], [1, 0, 2]]);
    expect(x.topk(1).values.toArray()).toEqual([[3], [5]]);
    expect(my.where(x.gt(0), x, 0).toArray()).toEqual([[1.5, 0, 3], [0.25, 5, 0]]);
    expect(my.arange(0, 1, 0.25, { dtype: 'float16' }).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(my.linspace(0, 1, 5, { dtype: 'bfloat16' }).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(my.eye(2, 2, { dtype: 'float16' }).toArray()).toEqual([[1, 0], [0, 1]]);
    my.manualSeed(1);
    const r = my.rand(1000, { dtype: 'bfloat16' });
    expect(r.dtype).toBe('bfloat16');
    expect(r.amin().item()).toBeGreaterThanOrEqual(0);
    expect(r.amax().item()).toBeLessThanOrEqual(1);  // float32 draws below 1 may round up to 1 in 8 bits, as torch
    expect(Math.abs((r.mean().item() as number) - 0.5)).toBeLessThan(0.05);
  }));
  it('printing', () => tidy(() => {
    expect(String(tensor([1.5, 2], { dtype: 'bfloat16' }))).toBe('tensor([1.5000, 2.0000], dtype=bfloat16)');
    expect(String(tensor([0.1, 1000], { dtype: 'float16' }))).toBe('tensor([9.9976e-02, 1.0000e+03], dtype=float16)');
    expect(String(tensor([1, 200], { dtype: 'uint8' }))).toBe('tensor([  1, 200], dtype=uint8)');
    expect(String(tensor([-1, 2], { dtype: 'int8' }))).toBe('tensor([-1,  2], dtype=int8)');
  }));
});

describe('bad input: named errors, never a crash', () => {
  it('ops without a float16/bfloat16 path name the op and the dtype', () => tidy(() => {
    const x = my.ones([1, 1, 4, 4], { dtype: 'float16' }), w = my.ones([1, 1, 3, 3], { dtype: 'float16' });
    expect(() => my.conv2d(x, w)).toThrow(/^conv2d: float16 is not supported$/);
    expect(() => my.conv2d(x.float(), w)).toThrow(/^conv2d: expected weight of dtype float32, got float16$/);
    const b = tensor([3, 1, 2], { dtype: 'bfloat16' });
    expect(() => b.indexAdd(0, tensor([0n]), tensor([1], { dtype: 'bfloat16' }))).toThrow(/^index_add: bfloat16 is not supported$/);
    expect(() => b.scatterAdd(0, tensor([0n]), tensor([1], { dtype: 'bfloat16' }))).toThrow(/^scatter_add: bfloat16 is not supported$/);
    expect(() => my.maxPool2d(x, 2)).toThrow(/^max_pool2d: float16 is not supported$/);
  }));
  it('creation checks values and TypedArrays', () => tidy(() => {
    expect(() => tensor([300], { dtype: 'uint8' })).toThrow(/^tensor: value 300 at index 0 cannot be converted to uint8 without overflow \(uint8 holds 0 to 255/);
    expect(() => tensor([-129], { dtype: 'int8' })).toThrow(/^tensor: value -129 at index 0 cannot be converted to int8/);
    expect(() => my.full([2], 256, { dtype: 'uint8' })).toThrow(/^full: value 256 cannot be converted to uint8 without overflow \(uint8 holds 0 to 255/);
    expect(() => tensor(new Uint16Array(3), { dtype: 'float16', shape: [2] })).toThrow(/^tensor: shape \[2\] is invalid for input of size 3$/);
    expect(() => tensor([1], { dtype: 'float8' as DType })).toThrow(/^tensor: dtype must be one of 'float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64', 'bool', got "float8"$/);
  }));
  it('mixed-dtype matmul names both dtypes', () => tidy(() => {
    expect(() => my.ones([2, 2], { dtype: 'float16' }).matmul(my.ones([2, 2], { dtype: 'bfloat16' })))
      .toThrow(/^matmul: expected m1 and m2 to have the same dtype, but got: float16 != bfloat16$/);
    expect(() => my.ones([2, 3], { dtype: 'bfloat16' }).matmul(my.ones([2, 3], { dtype: 'bfloat16' })))
      .toThrow(/^matmul: cannot multiply \[2, 3\] by \[2, 3\] \(3 != 2\)$/);
  }));
});
