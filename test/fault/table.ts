// The public functions under fault injection, one row each: the name a user calls, its
// arguments as kinds (each kind has its list of bad values in bad_values.ts) with a good value,
// and how to call it. Cases are generated: every row x every argument x every bad value of the
// argument's kind, so adding a function is one row and adding a class of bad input is one line.
//
// Columns:
//   id      the public spelling ('Tensor.add', 'zeros', 'nn.Linear', 'nn.Linear.forward', ...)
//   names   extra words an error may use to name the function (the native op id when it differs)
//   args    [kind, good value, optional?]: optional arguments also accept undefined/null
//   call    (myelin, args) => result; Tensors, arrays and {values, indices} results are checked
//   random  the result depends on the RNG beyond manualSeed (no view check)
//   layout  the result depends on the input's memory layout by definition (asStrided: no view check)
//   accepts labels of bad values this function rightly takes (each with its reason at the row)
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as M from '../../ts/index';
import { det, type Kind } from './bad_values';

type My = typeof M;
type T = M.Tensor;
/* eslint-disable @typescript-eslint/no-explicit-any */
type A = any[];
export interface Arg { kind: Kind; good: (m: My) => unknown; optional?: boolean }
export interface Row { id: string; names: string[]; args: Arg[]; call: (m: My, a: A) => unknown; random?: boolean; layout?: boolean; accepts?: string[] }

// ---------------------------------------------------------------- argument makers
const t = (shape: number[] = [2, 3], dtype: M.DType = 'float32'): Arg => ({ kind: 'tensor', good: (m) => det(m, shape, dtype) });
const positive = (shape: number[] = [2, 3]): Arg => ({ kind: 'tensor', good: (m) => det(m, shape).abs().add(0.5) });
const prob = (shape: number[] = [2, 3]): Arg => ({ kind: 'tensor', good: (m) => det(m, shape).sigmoid() });
const tl = (shape: number[] = [2, 3]): Arg => ({ kind: 'tensorLike', good: (m) => det(m, shape) });
const self = (shape: number[] = [2, 3], dtype: M.DType = 'float32'): Arg => ({ kind: 'inplaceSelf', good: (m) => det(m, shape, dtype) });
const index = (shape: number[], hi = 3): Arg => ({ kind: 'index', good: (m) =>
  m.tensor(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i * 2) % hi), { dtype: 'int64', shape }) });
const mask = (shape: number[] = [2, 3]): Arg => ({ kind: 'mask', good: (m) => det(m, shape, 'bool') });
const k = (kind: Kind, v: unknown, optional = false): Arg => ({ kind, good: () => v, optional });
const dim = (v = 1, optional = false) => k('dim', v, optional);
const pos = (v = 0) => k('pos', v);
const count = (v = 2, optional = false) => k('count', v, optional);
const scalar = (v = 0.5, optional = false) => k('scalar', v, optional);
const hyper = (v = 0.1) => k('hyper', v);
const bool = (v = false) => k('bool', v, true);
const tensors = (...shapes: number[][]): Arg => ({ kind: 'tensors', good: (m) => shapes.map((s) => det(m, s)) });
/** An argument with a default (an options field, a trailing parameter): undefined and null mean "the default". */
const o = (a: Arg): Arg => ({ ...a, optional: true });

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const row = (id: string, args: Arg[], call: Row['call'], extra: Partial<Row> = {}): Row => {
  const last = id.split('.').filter((p) => p !== 'forward' && p !== 'step').pop()!;
  const names = [last, snake(last), last.replace(/_$/, ''), snake(last).replace(/_$/, ''), ...(extra.names ?? [])];
  return { id, args, call, ...extra, names: [...new Set(names)] };
};

// ---------------------------------------------------------------- Tensor methods
const UNARY = ['neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos',
  'tanh', 'erf', 'sigmoid', 'relu', 'selu', 'silu', 'floor', 'ceil', 'round', 'isnan', 'isfinite', 'logicalNot',
  'contiguous', 'clone', 'float', 'double', 'int', 'long', 'bool', 't', 'detach', 'toArray', 'data', 'numel', 'stride', 'toString'];
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'];
const INPLACE_BINARY = ['add_', 'sub_', 'mul_', 'div_', 'pow_'];
const INPLACE_UNARY = ['neg_', 'exp_', 'sqrt_', 'relu_', 'sigmoid_', 'tanh_'];
const REDUCE = ['sum', 'mean', 'prod', 'amax', 'amin', 'all', 'any', 'var', 'std'];
const DIM_OPS = ['cumsum', 'softmax', 'logSoftmax'];

const tensorRows: Row[] = [
  // printing a disposed tensor shows "tensor(<disposed>)": a debugging aid, not a use of the data
  ...UNARY.map((f) => row(`Tensor.${f}`, [t()], (_m, [x]) => x[f](), f === 'toString' ? { accepts: ['disposed'] } : {})),
  ...BINARY.map((f) => row(`Tensor.${f}`, [t(), tl()], (_m, [x, y]) => x[f](y))),
  row('Tensor.add(alpha)', [t(), tl(), o(scalar(2))], (_m, [x, y, alpha]) => x.add(y, { alpha }), { names: ['add'] }),
  ...INPLACE_BINARY.map((f) => row(`Tensor.${f}`, [self(), tl()], (_m, [x, y]) => x[f](y))),
  ...INPLACE_UNARY.map((f) => row(`Tensor.${f}`, [self()], (_m, [x]) => x[f]())),
  // a null bound is no bound (torch's clamp_(min=None)), as for clamp; both null is refused
  row('Tensor.clamp_', [self(), scalar(-0.5, true), scalar(0.5, true)], (_m, [x, lo, hi]) => x.clamp_(lo, hi)),
  // fill_ and zero_ may write through expanded views: filling is idempotent (torch allows it)
  row('Tensor.zero_', [t()], (_m, [x]) => x.zero_()),
  row('Tensor.fill_', [t(), scalar(2)], (_m, [x, v]) => x.fill_(v)),
  row('Tensor.fill_(int32)', [t([2, 3], 'int32'), k('intScalar', 2)], (_m, [x, v]) => x.fill_(v), { names: ['fill_'] }),
  row('Tensor.copy_', [self(), t()], (_m, [x, y]) => x.copy_(y)),
  row('Tensor.uniform_', [self(), scalar(0), scalar(1)], (_m, [x, a, b]) => x.uniform_(a, b), { random: true }),
  row('Tensor.normal_', [self(), scalar(0), scalar(1)], (_m, [x, a, b]) => x.normal_(a, b), { random: true }),
  row('Tensor.maskedFill_', [self(), mask(), scalar(7)], (_m, [x, mk, v]) => x.maskedFill_(mk, v), { names: ['masked_fill'] }),
  row('Tensor.leakyRelu', [t(), o(scalar(0.1))], (_m, [x, s]) => x.leakyRelu(s)),
  row('Tensor.elu', [t(), o(scalar(1))], (_m, [x, s]) => x.elu(s)),
  row('Tensor.gelu', [t(), k('enum', 'tanh', true)], (_m, [x, approximate]) => x.gelu({ approximate })),
  row('Tensor.softplus', [t(), o(scalar(1)), o(scalar(20))], (_m, [x, beta, threshold]) => x.softplus({ beta, threshold })),
  row('Tensor.clamp', [t(), scalar(-0.5, true), scalar(0.5, true)], (_m, [x, lo, hi]) => x.clamp(lo, hi)),
  row('Tensor.where', [t(), mask(), tl()], (_m, [x, c, y]) => x.where(c, y)),
  ...REDUCE.map((f) => row(`Tensor.${f}`, [t(), k('dims', [1], true), bool()], (_m, [x, d, keepdim]) => x[f](d, { keepdim }))),
  row('Tensor.logsumexp', [t(), o(k('dims', [1]))], (_m, [x, d]) => x.logsumexp(d)),   // no dim: over all (as sum)
  row('Tensor.norm', [t(), scalar(2), k('dims', [1], true)], (_m, [x, p, d]) => x.norm(p, d)),
  row('Tensor.max', [t(), dim(1, true)], (_m, [x, d]) => x.max(d)),
  row('Tensor.min', [t(), dim(1, true)], (_m, [x, d]) => x.min(d)),
  row('Tensor.argmax', [t(), dim(1, true)], (_m, [x, d]) => x.argmax(d)),
  row('Tensor.argmin', [t(), dim(1, true)], (_m, [x, d]) => x.argmin(d)),
  ...DIM_OPS.map((f) => row(`Tensor.${f}`, [t(), dim()], (_m, [x, d]) => x[f](d))),
  row('Tensor.matmul', [t([2, 3]), t([3, 4])], (_m, [a, b]) => a.matmul(b)),
  row('Tensor.mm', [t([2, 3]), t([3, 4])], (_m, [a, b]) => a.mm(b), { names: ['matmul'] }),
  row('Tensor.bmm', [t([2, 2, 3]), t([2, 3, 4])], (_m, [a, b]) => a.bmm(b), { names: ['matmul'] }),
  row('Tensor.dot', [t([3]), t([3])], (_m, [a, b]) => a.dot(b)),
  row('Tensor.outer', [t([2]), t([3])], (_m, [a, b]) => a.outer(b)),
  row('Tensor.reshape', [t(), k('vshape', [3, 2])], (_m, [x, s]) => x.reshape(s)),
  row('Tensor.view', [t(), k('vshape', [3, 2])], (_m, [x, s]) => x.view(s)),
  row('Tensor.permute', [t(), k('dims', [1, 0])], (_m, [x, d]) => x.permute(d)),
  row('Tensor.transpose', [t(), dim(0), dim(1)], (_m, [x, a, b]) => x.transpose(a, b)),
  row('Tensor.slice', [t(), dim(1), o(k('bound', 0)), o(k('bound', 3)), o(count(2))], (_m, [x, d, s, e, st]) => x.slice(d, s, e, st)),
  row('Tensor.select', [t(), dim(1), pos(2)], (_m, [x, d, i]) => x.select(d, i)),
  row('Tensor.narrow', [t(), dim(1), pos(1), count(2)], (_m, [x, d, s, n]) => x.narrow(d, s, n)),
  row('Tensor.expand', [t([1, 3]), k('vshape', [4, 3])], (_m, [x, s]) => x.expand(s)),
  // squeeze([]) squeezes no dim (torch's squeeze(dim=()))
  row('Tensor.squeeze', [t([2, 1, 3]), dim(1, true)], (_m, [x, d]) => x.squeeze(d), { accepts: ['[]'] }),
  row('Tensor.unsqueeze', [t(), dim(1)], (_m, [x, d]) => x.unsqueeze(d)),
  row('Tensor.flatten', [t([2, 3, 2]), o(dim(0)), o(dim(1))], (_m, [x, a, b]) => x.flatten(a, b)),
  row('Tensor.unflatten', [t(), dim(1), k('vshape', [3, 1])], (_m, [x, d, s]) => x.unflatten(d, s)),
  row('Tensor.asStrided', [t(), k('vshape', [3, 2]), k('vshape', [1, 2]), o(pos(0))], (_m, [x, s, st, o]) => x.asStrided(s, st, o),
    { names: ['as_strided'], layout: true }),
  // the shape: a long view whose extent (4097 - 1) * stride can wrap int64
  row('Tensor.asStrided(long)', [t([4097]), k('vshape', [4097]), k('vshape', [1])], (_m, [x, s, st]) => x.asStrided(s, st, 0).sum(),
    { names: ['as_strided'], layout: true }),
  row('Tensor.split', [t(), k('upto', 2), o(dim(1))], (_m, [x, n, d]) => x.split(n, d)),
  row('Tensor.chunk', [t(), k('upto', 2), o(dim(1))], (_m, [x, n, d]) => x.chunk(n, d)),
  row('Tensor.repeat', [t(), k('vshape', [2, 2])], (_m, [x, r]) => x.repeat(r)),
  row('Tensor.flip', [t(), k('dims', [0, 1])], (_m, [x, d]) => x.flip(d)),
  row('Tensor.pad', [t(), k('vshape', [1, 2]), o(scalar(0))], (_m, [x, p, value]) => x.pad(p, { value })),
  row('Tensor.pad(reflect)', [t(), k('vshape', [1, 1])], (_m, [x, p]) => x.pad(p, { mode: 'reflect' }), { names: ['pad'] }),
  row('Tensor.gather', [t(), dim(1), index([2, 3])], (_m, [x, d, i]) => x.gather(d, i)),
  row('Tensor.scatter', [t(), dim(1), index([2, 3]), tl()], (_m, [x, d, i, s]) => x.scatter(d, i, s)),
  row('Tensor.scatterAdd', [t(), dim(1), index([2, 3]), t()], (_m, [x, d, i, s]) => x.scatterAdd(d, i, s)),
  row('Tensor.scatterReduce', [t(), dim(1), index([2, 3]), t(), k('enum', 'amax'), bool(true)], (_m, [x, d, i, s, r, includeSelf]) => x.scatterReduce(d, i, s, r, { includeSelf })),
  row('Tensor.indexSelect', [t(), dim(1), index([2])], (_m, [x, d, i]) => x.indexSelect(d, i)),
  row('Tensor.indexAdd', [t(), dim(1), index([2]), t([2, 2]), o(scalar(1))], (_m, [x, d, i, s, alpha]) => x.indexAdd(d, i, s, { alpha })),
  row('Tensor.maskedFill', [t(), mask(), scalar(7)], (_m, [x, mk, v]) => x.maskedFill(mk, v)),
  row('Tensor.oneHot', [index([4]), o(count(3))], (_m, [x, n]) => x.oneHot(n), { accepts: ['-1'] }),   // -1: infer the count (torch)
  row('Tensor.topk', [t(), count(2), dim(1, true)], (_m, [x, n, d]) => x.topk(n, { dim: d })),
  row('Tensor.sort', [t(), dim(1, true), bool()], (_m, [x, d, descending]) => x.sort({ dim: d, descending })),
  row('Tensor.argsort', [t(), dim(1, true)], (_m, [x, d]) => x.argsort({ dim: d }), { names: ['sort'] }),
  // to({}) names no device and no dtype: it returns the tensor itself, as torch's x.to() does
  row('Tensor.to', [t(), k('dtype', 'float64')], (_m, [x, d]) => x.to(d), { names: ['to_dtype'], accepts: ['{}'] }),
  row('Tensor.item', [t([])], (_m, [x]) => x.item()),
  // printing gathers what it shows: a 7-d tensor of 280k elements prints (torch summarizes it)
  row('Tensor.toString(large)', [k('shape', [6, 6, 6, 6, 6, 6, 6])], (m, [s]) => String(m.zeros(s)), { names: ['toString', 'print', 'format'] }),
  // size(undefined) is size() in JS (the whole shape): the dim is optional; null is refused
  row('Tensor.size', [t(), dim(1, true)], (_m, [x, d]) => x.size(d)),
  row('Tensor.backward', [t([2, 3])], (m, [g]) => { const x = m.ones([2, 3]).requiresGrad_(); x.mul(2).backward(g); return x.grad; }),
];

// ---------------------------------------------------------------- top-level functions
const topRows: Row[] = [
  row('tensor', [k('data', [[1, 2], [3, 4]]), o(k('dtype', 'float32'))], (m, [d, dtype]) => m.tensor(d, { dtype })),
  // shape reshapes the data (numel must match); shape: undefined is no shape option
  row('tensor(shape)', [o(k('shape', [2, 2]))], (m, [shape]) => m.tensor([1, 2, 3, 4], { shape }), { names: ['tensor'] }),
  // bigints are int64 data for tensor() (tensor([1, 2n])): 2n fits int32, so [2n, 1] is valid data
  row('tensor(int32)', [k('intScalar', 7)], (m, [v]) => m.tensor([v, 1], { dtype: 'int32' }), { names: ['tensor'], accepts: ['2n'] }),
  row('scalarTensor', [scalar(3), o(k('dtype', 'int32'))], (m, [v, dtype]) => m.scalarTensor(v, { dtype })),
  row('zeros', [k('shape', [2, 3]), o(k('dtype', 'float32'))], (m, [s, dtype]) => m.zeros(s, { dtype })),
  row('ones', [k('shape', [2, 3])], (m, [s]) => m.ones(s)),
  row('empty', [k('shape', [2, 3])], (m, [s]) => m.empty(s)),
  row('full', [k('shape', [2, 3]), scalar(1.5), o(k('dtype', 'float32'))], (m, [s, v, dtype]) => m.full(s, v, { dtype })),
  row('full(int32)', [k('intScalar', 7)], (m, [v]) => m.full([2], v, { dtype: 'int32' }), { names: ['full'] }),
  row('zerosLike', [t(), o(k('dtype', 'float64'))], (m, [x, dtype]) => m.zerosLike(x, { dtype })),
  row('fullLike', [t(), scalar(2)], (m, [x, v]) => m.fullLike(x, v)),
  row('randLike', [t()], (m, [x]) => m.randLike(x), { random: true }),
  row('arange', [scalar(0), scalar(5), scalar(1)], (m, [a, b, s]) => m.arange(a, b, s)),
  row('arange(int64)', [scalar(5), o(k('dtype', 'int64'))], (m, [n, dtype]) => m.arange(0, n, 1, { dtype }), { names: ['arange'] }),
  row('linspace', [scalar(0), scalar(1), count(5)], (m, [a, b, n]) => m.linspace(a, b, n)),
  row('eye', [count(3), o(count(2))], (m, [n, mm]) => m.eye(n, mm)),
  row('rand', [k('shape', [2, 3])], (m, [s]) => m.rand(s), { random: true }),
  row('randn', [k('shape', [2, 3])], (m, [s]) => m.randn(s), { random: true }),
  row('randint', [scalar(0), scalar(10), k('shape', [2, 3]), o(k('dtype', 'int64'))], (m, [lo, hi, s, dtype]) => m.randint(lo, hi, s, { dtype }), { random: true }),
  row('randperm', [count(5)], (m, [n]) => m.randperm(n), { random: true }),
  row('bernoulli', [prob()], (m, [p]) => m.bernoulli(p), { random: true }),
  row('manualSeed', [scalar(1)], (m, [s]) => m.manualSeed(s), { names: ['manual_seed', 'seed'] }),
  row('cat', [tensors([2, 3], [1, 3]), o(dim(0))], (m, [ts, d]) => m.cat(ts, d)),
  row('stack', [tensors([2, 3], [2, 3]), o(dim(0))], (m, [ts, d]) => m.stack(ts, d)),
  row('where', [mask(), tl(), tl()], (m, [c, a, b]) => m.where(c, a, b)),
  row('split', [t(), k('vshape', [1, 2]), dim(1)], (m, [x, s, d]) => m.split(x, s, d)),
  row('setNumThreads', [count(1)], (m, [n]) => m.setNumThreads(n), { names: ['set_num_threads', 'threads'] }),
  row('tidy', [k('fn', () => 1)], (m, [fn]) => m.tidy(fn)),
  row('keep', [t()], (m, [x]) => m.keep(x)),
  row('emptyCache', [], (m) => m.emptyCache(), { names: ['empty_cache'] }),
  row('supports', [k('enum', 'add'), k('enum', 'cpu'), k('dtype', 'float32')], (m, [op, dev, dt]) => m.supports(op, dev, dt)),
  // the limit is removed again at once: a case must not leave later cases under a 1-byte limit
  row('setMemoryLimit', [k('bytes', 2 ** 30)], (m, [b]) => { try { m.setMemoryLimit(b); } finally { m.setMemoryLimit(null); } },
    { names: ['set_memory_limit'] }),
  row('conv2d', [t([1, 2, 5, 5]), t([3, 2, 3, 3]), o(count(1)), o(k('pad', 1)), o(count(1)), o(count(1))],
    (m, [x, w, stride, padding, dilation, groups]) => m.conv2d(x, w, null, { stride, padding, dilation, groups })),
  // bias null/undefined is "no bias" (torch's bias=None), so that argument is optional
  row('conv2d(bias)', [t([1, 2, 5, 5]), t([3, 2, 3, 3]), o(t([3]))], (m, [x, w, b]) => m.conv2d(x, w, b), { names: ['conv2d'] }),
  row('conv1d', [t([1, 2, 7]), t([3, 2, 3]), o(count(1)), o(k('pad', 0))], (m, [x, w, stride, padding]) => m.conv1d(x, w, null, { stride, padding })),
  row('convTranspose2d', [t([1, 2, 4, 4]), t([2, 3, 3, 3]), o(count(2)), o(k('pad', 1)), o(pos(1))],
    (m, [x, w, stride, padding, outputPadding]) => m.convTranspose2d(x, w, null, { stride, padding, outputPadding })),
  row('conv2dWeightGrad', [t([1, 3, 3, 3]), t([1, 2, 5, 5]), count(3)], (m, [dy, x, ks]) => m.conv2dWeightGrad(dy, x, ks)),
  row('conv2dBackward', [t([1, 3, 3, 3]), t([1, 2, 5, 5]), t([3, 2, 3, 3])], (m, [dy, x, w]) => m.conv2dBackward(dy, x, w)),
  row('maxPool2d', [t([1, 1, 4, 4]), count(2), count(2, true), o(k('pad', 0)), o(count(1))],
    (m, [x, ks, stride, padding, dilation]) => m.maxPool2d(x, ks, { stride, padding, dilation }), { names: ['max_pool2d'] }),
  row('maxPool2dWithIndices', [t([1, 1, 4, 4]), count(2), bool()], (m, [x, ks, ceilMode]) => m.maxPool2dWithIndices(x, ks, { ceilMode }), { names: ['max_pool2d'] }),
  row('maxPool1d', [t([1, 2, 6]), count(2), o(k('pad', 0))], (m, [x, ks, padding]) => m.maxPool1d(x, ks, { padding }), { names: ['max_pool1d', 'max_pool2d'] }),
  row('avgPool2d', [t([1, 1, 4, 4]), count(2), o(k('pad', 0)), bool()],
    (m, [x, ks, padding, countIncludePad]) => m.avgPool2d(x, ks, { padding, countIncludePad }), { names: ['avg_pool2d'] }),
  row('adaptiveAvgPool2d', [t([1, 1, 4, 4]), count(2)], (m, [x, n]) => m.adaptiveAvgPool2d(x, n), { names: ['adaptive_avg_pool2d'] }),
  row('adaptiveMaxPool2d', [t([1, 1, 4, 4]), count(2)], (m, [x, n]) => m.adaptiveMaxPool2d(x, n), { names: ['adaptive_max_pool2d'] }),
  row('interpolate', [t([1, 1, 2, 2]), count(4)], (m, [x, size]) => m.interpolate(x, { size })),
  row('interpolate(scale)', [t([1, 1, 2, 2]), hyper(2), k('enum', 'bilinear', true)], (m, [x, scaleFactor, mode]) => m.interpolate(x, { scaleFactor, mode }), { names: ['interpolate'] }),
  row('batchNorm', [t([4, 3]), o(t([3])), o(t([3])), o(t([3])), o(positive([3])), bool(true), o(scalar(0.1)), o(scalar(1e-5))],
    (m, [x, w, b, rm, rv, training, momentum, eps]) => m.batchNorm(x, w, b, rm, rv, training, momentum, eps), { names: ['batch_norm'] }),
  // training moves the running stats in place: they are write targets (an expanded view must be refused)
  row('batchNorm(running stats)', [self([3]), { kind: 'inplaceSelf', good: (m) => det(m, [3]).abs().add(0.5) }],
    (m, [rm, rv]) => { m.batchNorm(det(m, [4, 3]), null, null, rm, rv, true, 0.1, 1e-5); return [rm, rv]; }, { names: ['batch_norm', 'batchNorm'] }),
  row('batchNorm(eval)', [t([4, 3]), t([3]), positive([3])],
    (m, [x, rm, rv]) => m.batchNorm(x, null, null, rm, rv, false), { names: ['batch_norm', 'batchNorm'] }),
  // fused recurrent cells: gates [B, 4H] / [B, 3H], state [B, H]
  row('lstmCell', [t([2, 8]), t([2, 8]), t([2, 2])], (m, [xg, hg, c]) => m.lstmCell(xg, hg, c)),
  row('gruCell', [t([2, 6]), t([2, 6]), t([2, 2])], (m, [xg, hg, h]) => m.gruCell(xg, hg, h)),
  row('lstmCellBackward', [o(t([2, 2])), o(t([2, 2])), t([2, 2]), t([2, 2]), prob([2, 8])],
    (m, [dh, dc, c, cNew, ws]) => m.lstmCellBackward(dh, dc, c, cNew, ws)),
  row('gruCellBackward', [t([2, 2]), prob([2, 10])], (m, [dy, ws]) => m.gruCellBackward(dy, ws)),
  // whole-layer scans: gi [N, 4H] / [N, 3H], state [B, H], w_hh [kH, H], 3 steps of 2, 2, 1 rows
  row('lstmScan', [t([5, 8]), t([2, 2]), t([2, 2]), t([8, 2])], (m, [gi, h0, c0, w]) => m.lstmScan(gi, h0, c0, w, [2, 2, 1])),
  row('gruScan', [t([5, 6]), t([2, 2]), t([6, 2]), o(t([6]))], (m, [gi, h0, w, b]) => m.gruScan(gi, h0, w, b, [2, 2, 1], true)),
  row('lstmScanBackward', [t([9, 2]), prob([5, 12]), t([8, 2])], (m, [dy, ws, w]) => m.lstmScanBackward(dy, ws, w, [2, 2, 1])),
  row('gruScanBackward', [t([7, 2]), prob([5, 10]), t([6, 2])], (m, [dy, ws, w]) => m.gruScanBackward(dy, ws, w, [2, 2, 1])),
  // fused attention: q, k, v [B, H, L, E], a mask broadcastable to [B, H, L, S]
  row('sdpaFlash', [t([1, 2, 3, 4]), t([1, 2, 3, 4]), t([1, 2, 3, 4]), o(mask([3, 3])), bool(), o(scalar(0.5))],
    (m, [q, kk, v, am, causal, sc]) => m.sdpaFlash(q, kk, v, am, causal, sc)),
  row('sdpaFlashBackward', [t([1, 2, 3, 4]), t([1, 2, 3, 4]), t([1, 2, 3, 4]), t([1, 2, 3, 4]), o(mask([3, 3])), t([1, 2, 3, 4]), t([1, 2, 3]), bool(), o(scalar(0.5))],
    (m, [dy, q, kk, v, am, out, lse, causal, sc]) => m.sdpaFlashBackward(dy, q, kk, v, am, out, lse, causal, sc)),
  row('autograd.grad', [o(t([2, 3]))], (m, [g]) => { const w = m.ones([2, 3]).requiresGrad_(); return m.autograd.grad(w.mul(2), w, { gradOutputs: [g] }); }),
  row('autograd.grad(inputs)', [{ kind: 'tensor', good: (m) => det(m, [2, 3]).requiresGrad_() }],
    (m, [x]) => m.autograd.grad(m.ones([2, 3]).requiresGrad_().sum(), x, { allowUnused: true }), { names: ['grad'] }),
];

// ---------------------------------------------------------------- nn.functional and losses
const F = (m: My) => m.nn.functional;
const LOSSES: [string, (m: My) => T][] = [['mseLoss', (m) => det(m, [4, 3])], ['l1Loss', (m) => det(m, [4, 3])],
  ['huberLoss', (m) => det(m, [4, 3])], ['smoothL1Loss', (m) => det(m, [4, 3])], ['binaryCrossEntropy', (m) => det(m, [4, 3]).sigmoid()],
  ['binaryCrossEntropyWithLogits', (m) => det(m, [4, 3]).sigmoid()]];
const functionalRows: Row[] = [
  row('nn.functional.linear', [t([2, 3]), t([4, 3]), o(t([4]))], (m, [x, w, b]) => F(m).linear(x, w, b), { accepts: ['2'] }),   // a number bias broadcasts
  row('nn.functional.bilinear', [t([2, 3]), t([2, 2]), t([4, 3, 2])], (m, [a, b, w]) => F(m).bilinear(a, b, w)),
  row('nn.functional.dropout', [t(), o(k('hyper', 0.5)), bool(true)], (m, [x, p, tr]) => F(m).dropout(x, p, tr), { random: true }),
  row('nn.functional.dropout2d', [t([1, 2, 3, 3]), o(k('hyper', 0.5))], (m, [x, p]) => F(m).dropout2d(x, p), { random: true }),
  row('nn.functional.layerNorm', [t([2, 3]), k('vshape', [3]), o(t([3])), o(t([3])), o(scalar(1e-5))],
    (m, [x, s, w, b, eps]) => F(m).layerNorm(x, s, w, b, eps), { names: ['layer_norm'] }),
  row('nn.functional.groupNorm', [t([2, 4, 3]), count(2), o(t([4])), o(t([4]))], (m, [x, g, w, b]) => F(m).groupNorm(x, g, w, b), { names: ['group_norm'] }),
  row('nn.functional.batchNorm', [t([4, 3]), t([3]), positive([3]), bool(true), o(scalar(0.1))],
    (m, [x, rm, rv, tr, mo]) => F(m).batchNorm(x, rm, rv, null, null, tr, mo), { names: ['batch_norm'] }),
  row('nn.functional.embedding', [index([2, 3], 5), t([5, 4]), o(k('pos', 0))], (m, [i, w, pad]) => F(m).embedding(i, w, pad)),
  ...LOSSES.map(([f, input]) => row(`nn.functional.${f}`, [{ kind: 'tensor' as Kind, good: input }, prob([4, 3]), k('enum', 'mean', true)],
    (m, [i, tg, reduction]) => (F(m) as any)[f](i, tg, { reduction }))),
  row('nn.functional.binaryCrossEntropy(weight)', [prob([4, 3]), prob([4, 3]), o(t([3]))],
    (m, [i, tg, weight]) => F(m).binaryCrossEntropy(i, tg, { weight }), { names: ['binaryCrossEntropy', 'binary_cross_entropy'] }),
  row('nn.functional.crossEntropy', [t([4, 3]), index([4]), o(t([3])), o(k('bound', -100)), o(scalar(0))],
    (m, [x, y, weight, ignoreIndex, labelSmoothing]) => F(m).crossEntropy(x, y, { weight, ignoreIndex, labelSmoothing }), { names: ['cross_entropy'] }),
  row('nn.functional.crossEntropy(probs)', [t([4, 3]), prob([4, 3])], (m, [x, y]) => F(m).crossEntropy(x, y), { names: ['crossEntropy', 'cross_entropy'] }),
  row('nn.functional.nllLoss', [t([4, 3]), index([4]), k('enum', 'sum', true)], (m, [x, y, reduction]) => F(m).nllLoss(x, y, { reduction }), { names: ['nll_loss'] }),
  // attention (ts/nn/attention.ts): q [2, 3, 4], k [2, 5, 4], v [2, 5, 3], a boolean mask [3, 5]
  row('nn.functional.scaledDotProductAttention', [t([2, 3, 4]), t([2, 5, 4]), t([2, 5, 3]), o(mask([3, 5])), o(scalar(0.5)), bool(false)],
    (m, [q, kk, v, attnMask, scale, enableGqa]) => F(m).scaledDotProductAttention(q, kk, v, { attnMask, scale, enableGqa }), { names: ['scaled_dot_product_attention'] }),
  row('nn.functional.tril', [t([3, 4]), o(k('bound', 1))], (m, [x, d]) => F(m).tril(x, d)),
  row('nn.functional.triu', [t([2, 3, 4]), o(k('bound', -1))], (m, [x, d]) => F(m).triu(x, d)),
  row('nn.Transformer.generateSquareSubsequentMask', [count(4)], (m, [n]) => m.nn.Transformer.generateSquareSubsequentMask(n), { names: ['generate_square_subsequent_mask'] }),
  row('nn.functional.klDiv', [t([4, 3]), prob([4, 3]), k('enum', 'batchmean', true)], (m, [x, y, reduction]) => F(m).klDiv(x, y, { reduction }), { names: ['kl_div'] }),
];

// ---------------------------------------------------------------- nn modules: constructors and forward
type Ctor = (m: My, a: A) => M.nn.Module;
const goods = (m: My, args: Arg[]) => args.map((a) => a.good(m));
/** [class, constructor args, build, forward inputs] */
const MODULES: [string, Arg[], Ctor, Arg[]][] = [
  ['Linear', [count(3), count(4)], (m, [i, o]) => new m.nn.Linear(i, o), [t([2, 3])]],
  ['Bilinear', [count(3), count(2), count(4)], (m, [a, b, o]) => new m.nn.Bilinear(a, b, o), [t([2, 3]), t([2, 2])]],
  ['Conv2d', [count(2), count(3), count(3), o(count(1)), o(k('pad', 1))], (m, [i, o, ks, stride, padding]) => new m.nn.Conv2d(i, o, ks, { stride, padding }), [t([1, 2, 5, 5])]],
  ['Conv1d', [count(2), count(3), count(3)], (m, [i, o, ks]) => new m.nn.Conv1d(i, o, ks), [t([1, 2, 7])]],
  ['ConvTranspose2d', [count(2), count(3), count(3), o(count(2))], (m, [i, o, ks, stride]) => new m.nn.ConvTranspose2d(i, o, ks, { stride }), [t([1, 2, 4, 4])]],
  ['BatchNorm1d', [count(3), o(scalar(1e-5)), o(scalar(0.1))], (m, [n, eps, momentum]) => new m.nn.BatchNorm1d(n, { eps, momentum }), [t([4, 3])]],
  ['BatchNorm2d', [count(2)], (m, [n]) => new m.nn.BatchNorm2d(n), [t([2, 2, 3, 3])]],
  ['GroupNorm', [count(2), count(4)], (m, [g, c]) => new m.nn.GroupNorm(g, c), [t([2, 4, 3])]],
  ['LayerNorm', [k('vshape', [3]), o(scalar(1e-5))], (m, [s, eps]) => new m.nn.LayerNorm(s, eps), [t([2, 3])]],
  ['Embedding', [count(5), count(4), o(k('pos', 0))], (m, [n, d, paddingIdx]) => new m.nn.Embedding(n, d, { paddingIdx }), [index([2, 3], 5)]],
  ['Dropout', [o(k('hyper', 0.5))], (m, [p]) => new m.nn.Dropout(p), [t()]],
  ['Dropout2d', [o(k('hyper', 0.5))], (m, [p]) => new m.nn.Dropout2d(p), [t([1, 2, 3, 3])]],
  ['Flatten', [o(dim(1)), o(dim(-1))], (m, [a, b]) => new m.nn.Flatten(a, b), [t([2, 3, 2])]],
  ['Unflatten', [dim(1), k('vshape', [3, 1])], (m, [d, s]) => new m.nn.Unflatten(d, s), [t()]],
  ['LeakyReLU', [o(scalar(0.1))], (m, [s]) => new m.nn.LeakyReLU(s), [t()]],
  ['ELU', [o(scalar(1))], (m, [a]) => new m.nn.ELU(a), [t()]],
  ['GELU', [k('enum', 'tanh', true)], (m, [a]) => new m.nn.GELU(a), [t()]],
  ['Softmax', [dim(1)], (m, [d]) => new m.nn.Softmax(d), [t()]],
  ['LogSoftmax', [dim(1)], (m, [d]) => new m.nn.LogSoftmax(d), [t()]],
  ['Softplus', [o(scalar(1)), o(scalar(20))], (m, [b, th]) => new m.nn.Softplus(b, th), [t()]],
  ['ReLU', [], (m) => new m.nn.ReLU(), [t()]],
  ['Identity', [], (m) => new m.nn.Identity(), [t()]],
  ['SELU', [], (m) => new m.nn.SELU(), [t()]],
  ['SiLU', [], (m) => new m.nn.SiLU(), [t()]],
  ['Tanh', [], (m) => new m.nn.Tanh(), [t()]],
  ['L1Loss', [], (m) => new m.nn.L1Loss(), [t([4, 3]), t([4, 3])]],
  ['HuberLoss', [scalar(1)], (m, [delta]) => new m.nn.HuberLoss({ delta }), [t([4, 3]), t([4, 3])]],
  ['SmoothL1Loss', [scalar(1)], (m, [beta]) => new m.nn.SmoothL1Loss({ beta }), [t([4, 3]), t([4, 3])]],
  ['BCEWithLogitsLoss', [o(t([3]))], (m, [posWeight]) => new m.nn.BCEWithLogitsLoss({ posWeight }), [t([4, 3]), prob([4, 3])]],
  ['Sigmoid', [], (m) => new m.nn.Sigmoid(), [t()]],
  ['Sequential', [], (m) => new m.nn.Sequential(new m.nn.Linear(3, 4), new m.nn.ReLU()), [t([2, 3])]],
  ['MaxPool2d', [count(2), count(2, true), o(k('pad', 0))], (m, [ks, stride, padding]) => new m.nn.MaxPool2d(ks, { stride, padding }), [t([1, 1, 4, 4])]],
  ['MaxPool1d', [count(2)], (m, [ks]) => new m.nn.MaxPool1d(ks), [t([1, 2, 6])]],
  ['AvgPool2d', [count(2), o(k('pad', 0))], (m, [ks, padding]) => new m.nn.AvgPool2d(ks, { padding }), [t([1, 1, 4, 4])]],
  ['AdaptiveAvgPool2d', [count(2)], (m, [n]) => new m.nn.AdaptiveAvgPool2d(n), [t([1, 1, 4, 4])]],
  ['AdaptiveMaxPool2d', [count(2)], (m, [n]) => new m.nn.AdaptiveMaxPool2d(n), [t([1, 1, 4, 4])]],
  ['Upsample', [count(4)], (m, [size]) => new m.nn.Upsample({ size }), [t([1, 1, 2, 2])]],
  ['ZeroPad2d', [k('pad', 1)], (m, [p]) => new m.nn.ZeroPad2d(p), [t([1, 1, 2, 2])]],
  ['MSELoss', [k('enum', 'mean', true)], (m, [reduction]) => new m.nn.MSELoss({ reduction }), [t([4, 3]), t([4, 3])]],
  ['BCELoss', [k('enum', 'mean', true)], (m, [reduction]) => new m.nn.BCELoss({ reduction }), [prob([4, 3]), prob([4, 3])]],
  ['CrossEntropyLoss', [k('enum', 'mean', true)], (m, [reduction]) => new m.nn.CrossEntropyLoss({ reduction }), [t([4, 3]), index([4])]],
  ['NLLLoss', [], (m) => new m.nn.NLLLoss(), [t([4, 3]), index([4])]],
  ['KLDivLoss', [], (m) => new m.nn.KLDivLoss(), [t([4, 3]), prob([4, 3])]],
  // recurrent layers (ts/nn/rnn.ts) and embedding bags (ts/nn/embedding.ts)
  ['RNN', [count(3), count(4), k('enum', 'relu', true)], (m, [i, h, nonlinearity]) => new m.nn.RNN(i, h, { nonlinearity }), [t([5, 2, 3]), o(t([1, 2, 4]))]],
  ['LSTM', [count(3), count(4), o(count(1))], (m, [i, h, numLayers]) => new m.nn.LSTM(i, h, { numLayers }), [t([5, 2, 3])]],
  ['GRU', [count(3), count(4), bool(true)], (m, [i, h, bidirectional]) => new m.nn.GRU(i, h, { bidirectional }), [t([5, 2, 3]), o(t([2, 2, 4]))]],
  ['RNNCell', [count(3), count(4)], (m, [i, h]) => new m.nn.RNNCell(i, h), [t([2, 3]), o(t([2, 4]))]],
  ['LSTMCell', [count(3), count(4)], (m, [i, h]) => new m.nn.LSTMCell(i, h), [t([2, 3])]],
  ['GRUCell', [count(3), count(4)], (m, [i, h]) => new m.nn.GRUCell(i, h), [t([2, 3]), o(t([2, 4]))]],
  // attention and the encoder stack (ts/nn/attention.ts, ts/nn/transformer.ts)
  ['MultiheadAttention', [count(4), count(2), o(count(3)), o(k('hyper', 0))], (m, [e, h, kdim, dropout]) => new m.nn.MultiheadAttention(e, h, { kdim, dropout }),
    [t([3, 2, 4]), t([5, 2, 3]), t([5, 2, 4])]],
  ['TransformerEncoderLayer', [count(4), count(2), o(count(8)), k('enum', 'gelu', true), o(scalar(1e-5))],
    (m, [d, h, dimFeedforward, activation, layerNormEps]) => new m.nn.TransformerEncoderLayer(d, h, { dimFeedforward, activation, layerNormEps, dropout: 0 }), [t([3, 2, 4])]],
  ['TransformerEncoder', [count(2)], (m, [n]) => new m.nn.TransformerEncoder(new m.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 }), n), [t([3, 2, 4])]],
  ['TransformerDecoderLayer', [count(4), count(2), o(count(8)), k('enum', 'gelu', true), o(scalar(1e-5))],
    (m, [d, h, dimFeedforward, activation, layerNormEps]) => new m.nn.TransformerDecoderLayer(d, h, { dimFeedforward, activation, layerNormEps, dropout: 0 }), [t([3, 2, 4]), t([5, 2, 4])]],
  ['TransformerDecoder', [count(2)], (m, [n]) => new m.nn.TransformerDecoder(new m.nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 }), n), [t([3, 2, 4]), t([5, 2, 4])]],
  ['Transformer', [count(4), count(2), o(count(1)), o(count(8))],
    (m, [dModel, nhead, numDecoderLayers, dimFeedforward]) => new m.nn.Transformer({ dModel, nhead, numEncoderLayers: 1, numDecoderLayers, dimFeedforward, dropout: 0 }), [t([5, 2, 4]), t([3, 2, 4])]],
  // positional encodings (ts/nn/positional.ts)
  ['SinusoidalPositionalEncoding', [count(4), o(count(8))], (m, [d, maxLen]) => new m.nn.SinusoidalPositionalEncoding(d, maxLen, { dropout: 0 }), [t([3, 2, 4])]],
  ['LearnedPositionalEmbedding', [count(8), count(4)], (m, [maxLen, d]) => new m.nn.LearnedPositionalEmbedding(maxLen, d), [t([3, 2, 4])]],
  ['RotaryEmbedding', [count(4), o(count(8))], (m, [headDim, maxLen]) => new m.nn.RotaryEmbedding(headDim, { maxLen }), [t([2, 3, 4]), t([2, 3, 4])]],
  ['EmbeddingBag', [count(5), count(4), k('enum', 'sum', true)], (m, [n, d, mode]) => new m.nn.EmbeddingBag(n, d, { mode }), [index([2, 3], 5)]],
];
// A constructor may keep its configuration unchecked until forward (torch does for many), so
// a constructor case builds the module with the bad value and runs forward on good input.
const moduleRows: Row[] = MODULES.flatMap(([name, ctorArgs, build, fwdArgs]) => [
  ...(ctorArgs.length ? [row(`nn.${name}`, ctorArgs, (m, a) => (build(m, a) as any).forward(...goods(m, fwdArgs)),
    { random: name.startsWith('Dropout') })] : []),
  row(`nn.${name}.forward`, fwdArgs, (m, a) => (build(m, goods(m, ctorArgs)) as any).forward(...a),
    { random: name.startsWith('Dropout') }),
]);

// ---------------------------------------------------------------- optimizers, schedulers
const param = (m: My) => { const p = det(m, [2, 3]).requiresGrad_(); p.grad = det(m, [2, 3]); return p; };
const OPTIMIZERS: [string, (m: My, params: unknown, lr: unknown, extra: unknown) => any][] = [
  ['SGD', (m, p, lr, momentum) => new m.optim.SGD(p as T[], { lr: lr as number, momentum: momentum as number })],
  ['Adam', (m, p, lr, eps) => new m.optim.Adam(p as T[], { lr: lr as number, eps: eps as number })],
  ['AdamW', (m, p, lr, weightDecay) => new m.optim.AdamW(p as T[], { lr: lr as number, weightDecay: weightDecay as number })],
  ['RMSprop', (m, p, lr, alpha) => new m.optim.RMSprop(p as T[], { lr: lr as number, alpha: alpha as number })],
  ['Adagrad', (m, p, lr, initialAccumulatorValue) => new m.optim.Adagrad(p as T[], { lr: lr as number, initialAccumulatorValue: initialAccumulatorValue as number })],
];
/** A gradient that does not fit its parameter (shape, dtype, lifetime). */
const gradArg: Arg = { kind: 'tensor', good: (m) => det(m, [2, 3]), optional: true };   // no grad: the param is skipped (torch)
const optimRows: Row[] = OPTIMIZERS.flatMap(([name, make]) => [
  row(`optim.${name}`, [{ kind: 'params', good: (m) => [param(m)] }, o(hyper(0.1)), o(hyper(0.5))], (m, [p, lr, x]) => make(m, p, lr, x)),
  row(`optim.${name}.step`, [gradArg], (m, [g]) => {
    const p = det(m, [2, 3]).requiresGrad_();
    const opt = make(m, [p], 0.1, 0.5);
    p.grad = g;
    opt.step();
    return p;
  }, { names: [`${snake(name)}_step`, `${name.toLowerCase()}_step`] }),
]);
const sched = (m: My) => new m.optim.SGD([param(m)], { lr: 0.1 });
const schedulerRows: Row[] = [
  // schedule lengths and patience are 'period' counts: huge ones are valid (see PERIOD)
  row('optim.LinearLR', [o(hyper(0.5)), o(k('period', 4))], (m, [startFactor, totalIters]) => { const s = new m.optim.LinearLR(sched(m), { startFactor, totalIters }); s.step(); return s.getLastLr(); }),
  row('optim.ReduceLROnPlateau', [o(hyper(0.5)), o(k('period', 1)), scalar(1)], (m, [factor, patience, metric]) => {
    const s = new m.optim.ReduceLROnPlateau(sched(m), { factor, patience });
    for (let i = 0; i < 4; i++) s.step(metric);
    return s.getLastLr();
  }),
  row('optim.EarlyStopping', [o(k('period', 2)), o(hyper(0)), scalar(1)], (m, [patience, minDelta, metric]) => {
    const e = new m.optim.EarlyStopping({ patience, minDelta });
    return [e.step(metric), e.step(metric), e.step(metric)];
  }),
  row('optim.StepLR', [k('period', 2), o(scalar(0.5))], (m, [stepSize, gamma]) => { const s = new m.optim.StepLR(sched(m), { stepSize, gamma }); s.step(); s.step(); return s.getLastLr(); }),
  row('optim.CosineAnnealingLR', [k('period', 10), o(scalar(0))], (m, [tMax, etaMin]) => { const s = new m.optim.CosineAnnealingLR(sched(m), { tMax, etaMin }); s.step(); return s.getLastLr(); }),
  row('optim.ExponentialLR', [scalar(0.9)], (m, [gamma]) => { const s = new m.optim.ExponentialLR(sched(m), { gamma }); s.step(); return s.getLastLr(); }),
  row('optim.MultiStepLR', [k('milestones', [1, 2])], (m, [milestones]) => { const s = new m.optim.MultiStepLR(sched(m), { milestones }); s.step(); return s.getLastLr(); }),
  row('optim.OneCycleLR', [hyper(1), k('period', 10)], (m, [maxLr, totalSteps]) => { const s = new m.optim.OneCycleLR(sched(m), { maxLr, totalSteps }); s.step(); return s.getLastLr(); }),
];

// ---------------------------------------------------------------- data, utils, state dicts
const ONNX_MLP = join(__dirname, '..', 'fixtures', 'onnx', 'myelin_mlp.onnx');
const idx3 = (m: My) => { void m; return new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4]); };
/** The same IDX bytes as a file (one per process, removed at exit). */
let idxPath: string | null = null;
const idxFile = (m: My) => {
  if (!idxPath) {
    idxPath = join(tmpdir(), `myelin-fault-${process.pid}.idx`);
    writeFileSync(idxPath, idx3(m));
    const p = idxPath;
    process.on('exit', () => rmSync(p, { force: true }));
  }
  return idxPath;
};
const dataRows: Row[] = [
  row('data.TensorDataset', [t([4, 3]), t([4])], (m, [x, y]) => { const d = new m.data.TensorDataset(x, y); return d.get(d.length - 1); }),
  row('data.DataLoader', [o(k('upto', 2)), bool(true), o(scalar(0))], (m, [batchSize, shuffle, seed]) =>
    [...new m.data.DataLoader(new m.data.TensorDataset(det(m, [5, 3]), det(m, [5])), { batchSize, shuffle, seed })]),
  row('data.DataLoader(dataset)', [t([5, 3])], (m, [x]) => [...new m.data.DataLoader(new m.data.TensorDataset(x), { batchSize: 2 })], { names: ['DataLoader', 'TensorDataset'] }),
  row('data.Subset', [k('vshape', [0, 2])], (m, [indices]) => { const s = new m.data.Subset(new m.data.TensorDataset(det(m, [4, 3])), indices); return s.get(1); }),
  row('data.randomSplit', [k('vshape', [2, 2])], (m, [lengths]) => m.data.randomSplit(new m.data.TensorDataset(det(m, [4, 3])), lengths).map((s) => s.get(0))),
  row('data.normalize', [t([1, 2, 2]), scalar(0.5), scalar(0.25)], (m, [x, mean, std]) => m.data.normalize(x, mean, std)),
  row('data.randomShift', [t([2, 1, 4, 4]), count(1)], (m, [x, s]) => m.data.randomShift(x, s), { random: true }),
  row('data.readIdx', [{ kind: 'idxBytes', good: idx3 }], (m, [b]) => m.data.readIdx(b), { names: ['idx'] }),
  row('data.readIdx(path)', [{ kind: 'path', good: idxFile }], (m, [p]) => m.data.readIdx(p), { names: ['idx'] }),
  row('nn.utils.clipGradValue_', [hyper(0.5)], (m, [v]) => { const p = param(m); m.nn.utils.clipGradValue_([p], v); return p.grad; }, { names: ['clip_grad_value'] }),
  row('nn.utils.l1Penalty', [{ kind: 'tensors', good: (m) => [det(m, [2, 3]), det(m, [3])] }], (m, [ps]) => m.nn.utils.l1Penalty(ps),
    { accepts: ['[t, t of [7, 5]]', '[t, int64 t]', '[0-d, 0-d]'] }),   // parameters of any shapes and dtypes
  ...['uniform_', 'normal_', 'zeros_', 'ones_', 'xavierUniform_', 'xavierNormal_', 'kaimingUniform_', 'kaimingNormal_', 'lecunNormal_', 'orthogonal_']
    .map((f) => row(`nn.init.${f}`, [t([4, 3])], (m, [x]) => (m.nn.init as any)[f](x), { random: true })),
  row('nn.init.constant_', [t([4, 3]), scalar(2)], (m, [x, v]) => m.nn.init.constant_(x, v)),
  row('nn.init.xavierUniform_(gain)', [hyper(1)], (m, [gain]) => m.nn.init.xavierUniform_(det(m, [4, 3]), gain), { random: true, names: ['xavierUniform_', 'xavier_uniform'] }),
  row('nn.init.calculateGain', [k('enum', 'leaky_relu'), o(scalar(0.2))], (m, [nl, p]) => m.nn.init.calculateGain(nl, p), { names: ['calculate_gain'] }),
  row('nn.init.calculateFanInAndFanOut', [t([4, 3])], (m, [x]) => m.nn.init.calculateFanInAndFanOut(x)),
  row('data.Standardizer', [t([4, 3]), t([2, 3])], (m, [a, b]) => new m.data.Standardizer().fit(a).transform(b)),
  row('data.defaultCollate', [tensors([3], [3])], (m, [items]) => m.data.defaultCollate(items), { names: ['defaultCollate', 'stack'] }),
  row('train.evaluate', [t([4, 3]), index([4])], (m, [x, y]) =>
    m.train.evaluate(new m.nn.Linear(3, 3), [[x, y]], (out, tg) => m.nn.functional.crossEntropy(out, tg))),
  row('train.fit', [t([4, 3]), index([4]), k('epochs', 1)], (m, [x, y, epochs]) => {
    const model = new m.nn.Linear(3, 3);
    return m.train.fit(model, [[x, y]], {
      epochs, optimizer: new m.optim.SGD(model.parameters(), { lr: 0.1 }), lossFn: (out, tg) => m.nn.functional.crossEntropy(out, tg),
      progress: m.train.makeProgress(process.stdout, { quiet: true }),   // the child's stdout carries its reports
    }).map((l) => l.loss);
  }, { random: true }),
  row('models.LeNet5.forward', [t([2, 1, 28, 28])], (m, [x]) => new m.models.LeNet5().forward(x), { names: ['LeNet5', 'Conv2d', 'conv2d'] }),
  row('models.Perceptron', [count(3), t([4, 3]), { kind: 'tensor', good: (m) => det(m, [4]).gt(0).double() }, o(k('epochs', 3))],
    (m, [n, x, y, epochs]) => new m.models.Perceptron(n).fit(x, y, { epochs })),
  row('autograd.gradcheck', [{ kind: 'tensor', good: (m) => det(m, [3], 'float64').requiresGrad_() }], (m, [x]) => m.autograd.gradcheck((a) => a.sin(), [x])),
  row('nn.utils.clipGradNorm_', [hyper(1), o(k('hyper', 2))], (m, [maxNorm, normType]) => m.nn.utils.clipGradNorm_([param(m)], maxNorm, normType), { names: ['clip_grad_norm'] }),
  row('nn.Module.loadStateDict', [t([4, 3])], (m, [w]) => new m.nn.Linear(3, 4).loadStateDict({ weight: w, bias: det(m, [4]) })),
  // onnx (test/onnx.test.ts has the bad graphs, bad initializers, truncated files and the mutation fuzz)
  row('onnx.load', [{ kind: 'path', good: () => ONNX_MLP }], (m, [p]) => m.onnx.load(p).run(det(m, [2, 1, 4, 4])).logp, { names: ['load'] }),
  row('onnx.inspectOnnx', [{ kind: 'path', good: () => ONNX_MLP }], (m, [p]) => m.onnx.inspectOnnx(p).length, { names: ['inspectOnnx'] }),
  row('onnx.exportBytes', [t([2, 3]), { kind: 'options', good: () => ({}), optional: true }], (m, [x, o]) => m.onnx.exportBytes(new m.nn.Linear(3, 2), x, o).length,
    { names: ['exportModel', 'linear', 'Linear', 'matmul', 'trace'] }),
];

// ---------------------------------------------------------------- text: tokenizers and token datasets
/** A tokenizer file per process (removed at exit), for the load rows. */
let vocabPath: string | null = null;
const vocabFile = (m: My) => {
  if (!vocabPath) {
    vocabPath = join(tmpdir(), `myelin-fault-${process.pid}-vocab.json`);
    m.text.WordTokenizer.buildVocab('a b b c').save(vocabPath);
    const p = vocabPath;
    process.on('exit', () => rmSync(p, { force: true }));
  }
  return vocabPath;
};
let charPath: string | null = null;
const charFile = (m: My) => {
  if (!charPath) {
    charPath = join(tmpdir(), `myelin-fault-${process.pid}-chars.json`);
    m.text.CharTokenizer.fromText('hello').save(charPath);
    const p = charPath;
    process.on('exit', () => rmSync(p, { force: true }));
  }
  return charPath;
};
const corpus = (v: unknown = 'hello world'): Arg => k('texts', v);
const words = (m: My) => m.text.WordTokenizer.buildVocab('the cat sat on the mat');
const textRows: Row[] = [
  row('text.CharTokenizer.fromText', [corpus(), k('text', 'hold')], (m, [c, s]) => { const t = m.text.CharTokenizer.fromText(c, { unk: '<unk>' }); return t.decode(t.encode(s)); }),
  row('text.CharTokenizer.encode', [k('text', 'hold')], (m, [s]) => m.text.CharTokenizer.fromText('hello world').encode(s)),
  row('text.CharTokenizer.decode', [k('ids', [0, 1, 2])], (m, [ids]) => m.text.CharTokenizer.fromText('hello world').decode(ids)),
  row('text.CharTokenizer.idToToken', [pos(1)], (m, [id]) => m.text.CharTokenizer.fromText('hello world').idToToken(id)),
  row('text.CharTokenizer.load', [{ kind: 'path', good: charFile }], (m, [p]) => m.text.CharTokenizer.load(p).vocab),
  row('text.WordTokenizer.buildVocab', [corpus('a b b c'), o(k('upto', 1)), o(k('upto', 10))], (m, [c, minFreq, maxSize]) =>
    m.text.WordTokenizer.buildVocab(c, { minFreq, maxSize }).vocab),
  row('text.WordTokenizer.encode', [k('text', 'the dog sat')], (m, [s]) => words(m).encode(s)),
  row('text.WordTokenizer.decode', [k('ids', [4, 5, 1])], (m, [ids]) => words(m).decode(ids)),
  row('text.WordTokenizer.idToToken', [pos(4)], (m, [id]) => words(m).idToToken(id)),
  row('text.WordTokenizer.tokenToId', [k('text', 'cat')], (m, [s]) => words(m).tokenToId(s)),
  row('text.WordTokenizer.fromJSON', [{ kind: 'options', good: (m) => words(m).toJSON() }], (m, [j]) => m.text.WordTokenizer.fromJSON(j).vocab),
  row('text.WordTokenizer.load', [{ kind: 'path', good: vocabFile }], (m, [p]) => m.text.WordTokenizer.load(p).vocab),
  row('text.BASIC_TOKENIZE', [k('text', "don't stop")], (m, [s]) => m.text.BASIC_TOKENIZE(s)),
  row('text.BPETokenizer', [o(k('enum', 'gpt2'))], (m, [e]) => new m.text.BPETokenizer(e).encode('hello world')),
  row('text.BPETokenizer.encode', [k('text', 'hello world')], (m, [s]) => new m.text.BPETokenizer().encode(s)),
  row('text.BPETokenizer.decode', [k('ids', [31373, 995])], (m, [ids]) => new m.text.BPETokenizer().decode(ids)),
  row('text.BPETokenizer.idToToken', [pos(995)], (m, [id]) => new m.text.BPETokenizer().idToToken(id), { accepts: ['99'] }),   // a token of GPT-2's 50,257
  row('text.BPETokenizer.tokenToId', [k('text', 'hello')], (m, [s]) => new m.text.BPETokenizer().tokenToId(s)),
  row('text.tokenizerFromJSON', [{ kind: 'options', good: (m) => words(m).toJSON() }], (m, [j]) => m.text.tokenizerFromJSON(j).vocabSize),
  row('text.loadTokenizer', [{ kind: 'path', good: vocabFile }], (m, [p]) => m.text.loadTokenizer(p).vocabSize),
  row('data.TextDataset', [k('ids', [5, 6, 7, 8, 9]), k('upto', 2), o(k('upto', 1))], (m, [ids, seqLen, stride]) => {
    const ds = new m.data.TextDataset(ids, { seqLen, stride });
    return ds.length > 0 ? [...ds.get(ds.length - 1), ds.windows().inputs] : ds.length;
  }),
  row('data.padBatch', [k('ids', [3, 4, 5]), o(k('pos', 0))], (m, [ids, paddingValue]) => m.data.padBatch([[1, 2], ids], { paddingValue, sort: true }).padded,
    { accepts: ['99'] }),   // any id may pad
  row('data.padCollate', [k('ids', [3, 4, 5])], (m, [ids]) => { const b = m.data.padCollate()([[[1, 2], 0], [ids, 1]]); return [b.padded, b.labels]; }),
  row('data.splitIndices', [k('count', 4), k('vshape', [2, 2]), o(scalar(0))], (m, [n, sizes, seed]) => m.data.splitIndices(n, sizes, seed)),
];


// ---------------------------------------------------------------- nn.utils.rnn and the embedding extras
const seqs = (m: My) => [det(m, [3, 2]), det(m, [2, 2])];
const rnnUtilRows: Row[] = [
  row('nn.utils.rnn.padSequence', [tensors([3, 2], [2, 2]), bool(true), o(scalar(0))],
    (m, [s, batchFirst, paddingValue]) => m.nn.utils.rnn.padSequence(s, { batchFirst, paddingValue })),
  row('nn.utils.rnn.packSequence', [tensors([3, 2], [2, 2]), bool(false)], (m, [s, enforceSorted]) => m.nn.utils.rnn.packSequence(s, { enforceSorted }),
    { names: ['packPaddedSequence'] }),
  row('nn.utils.rnn.packPaddedSequence', [t([4, 2, 3]), k('vshape', [4, 2]), bool(false)],
    (m, [x, lengths, batchFirst]) => m.nn.utils.rnn.packPaddedSequence(x, lengths, { batchFirst })),
  row('nn.utils.rnn.padPackedSequence', [o(count(5)), o(scalar(0))],
    (m, [totalLength, paddingValue]) => m.nn.utils.rnn.padPackedSequence(m.nn.utils.rnn.packSequence(seqs(m)), { totalLength, paddingValue })),
  row('nn.utils.rnn.PackedSequence', [t([5, 2]), { kind: 'index', good: (m) => m.tensor([3, 2], { dtype: 'int64' }) }], (m, [data, batchSizes]) => new m.nn.utils.rnn.PackedSequence(data, batchSizes)),
  row('nn.Embedding.fromPretrained', [t([5, 3]), bool(false)], (m, [w, freeze]) => m.nn.Embedding.fromPretrained(w, { freeze }).forward(m.tensor([1, 4], { dtype: 'int64' }))),
  row('nn.EmbeddingBag.forward(offsets)', [index([5], 5), index([2], 3)], (m, [x, offsets]) => new m.nn.EmbeddingBag(5, 2).forward(x, offsets),
    { names: ['EmbeddingBag'] }),
];

export const ROWS: Row[] = [...tensorRows, ...topRows, ...functionalRows, ...moduleRows, ...optimRows, ...schedulerRows, ...dataRows, ...textRows, ...rnnUtilRows];
