// Float64 central-difference gradcheck for every gradient rule in ts/autograd/formulas.ts,
// plus tie rules checked against values torch gives, non-contiguous inputs and broadcasting.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { DIFFERENTIABLE, record, catBackward } from '../ts/autograd/formulas';

const F64 = { dtype: 'float64' as const };
const EPS = 1e-6, RTOL = 1e-5, ATOL = 1e-5;

/** Distinct values spaced 0.37 apart (|v| >= 0.11, away from 0, ties and integers), shuffled. */
function distinct(n: number, seed = 1): number[] {
  const v = Array.from({ length: n }, (_, j) => 0.37 * (j - Math.floor(n / 2)) + 0.11);
  let s = seed * 2654435761 % 4294967296;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1664525 + 1013904223) % 4294967296;
    const k = s % (i + 1);
    [v[i], v[k]] = [v[k], v[i]];
  }
  return v;
}
/** Distinct positive values in [0.3, ...), shuffled. */
const positive = (n: number, seed = 1): number[] => distinct(n, seed).map((v) => v - Math.min(...distinct(n, seed)) + 0.3);

type Spec = { shape: number[]; data?: number[]; pos?: boolean; grad?: boolean };
type Out = my.Tensor | { values: my.Tensor };
interface Case { rule: string; name: string; inputs: Spec[]; f: (...t: my.Tensor[]) => Out }

const valuesOf = (o: Out): my.Tensor => (o instanceof my.Tensor ? o : o.values);
const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);
/** Fixed non-uniform weights so the loss sum(w * f) does not hide errors (softmax sums to 1). */
const weightsFor = (shape: readonly number[]): my.Tensor =>
  my.tensor(Array.from({ length: numel([...shape]) }, (_, i) => 0.5 + ((i * 7) % 11) / 10), F64).reshape([...shape]);

function gradcheck(c: Case): void {
  const data = c.inputs.map((s, k) => s.data ?? (s.pos ? positive(numel(s.shape), k + 1) : distinct(numel(s.shape), k + 1)));
  const make = (d: number[], s: Spec) => my.tensor(d, F64).reshape(s.shape);
  const leaves = c.inputs.map((s, k) => { const t = make(data[k], s); return s.grad === false ? t : t.requiresGrad_(); });
  const y = valuesOf(c.f(...leaves));
  expect(y.requiresGrad).toBe(true);
  const w = weightsFor(y.shape);
  y.mul(w).sum().backward();
  const loss = (ds: number[][]): number =>
    my.noGrad(() => valuesOf(c.f(...ds.map((d, k) => make(d, c.inputs[k])))).mul(w).sum().item() as number);
  c.inputs.forEach((s, k) => {
    if (s.grad === false) return;
    const g = leaves[k].grad;
    expect(g, `input ${k} got no gradient`).not.toBeNull();
    expect([...g!.shape]).toEqual(s.shape);
    expect(g!.dtype).toBe('float64');
    const ga = Array.from(g!.contiguous().data() as Float64Array);
    for (let i = 0; i < data[k].length; i++) {
      const p = data.map((d) => d.slice()), m = data.map((d) => d.slice());
      p[k][i] += EPS; m[k][i] -= EPS;
      const n = (loss(p) - loss(m)) / (2 * EPS);
      if (!(Math.abs(ga[i] - n) <= ATOL + RTOL * Math.abs(n)))
        throw new Error(`${c.rule}/${c.name}: input ${k} element ${i}: analytic ${ga[i]} vs numeric ${n}`);
    }
  });
}

const I = (v: number[] | number[][]): my.Tensor => my.tensor(v as number[], { dtype: 'int64' });
const A = (shape: number[], o: Partial<Spec> = {}): Spec => ({ shape, ...o });
const x34 = A([3, 4]), off34 = A([3, 4], { data: distinct(12).map((v) => v + 0.2) }) /* away from integers and halves */, p34 = A([3, 4], { pos: true });
const W34 = my.tensor([[0.3, -0.7, 1.1, 0.2], [0.5, 0.2, -0.4, 0.9], [0.9, -1.3, 0.6, -0.1]], F64);
const mask34 = my.tensor([[true, false, true, false], [false, false, true, true], [true, true, false, false]]);

const CASES: Case[] = [
  // ---- elementwise (rules from the first commit)
  { rule: 'neg', name: 'neg', inputs: [x34], f: (x) => x.neg() },
  { rule: 'abs', name: 'abs', inputs: [x34], f: (x) => x.abs() },
  { rule: 'exp', name: 'exp', inputs: [x34], f: (x) => x.exp() },
  { rule: 'log', name: 'log', inputs: [p34], f: (x) => x.log() },
  { rule: 'log1p', name: 'log1p', inputs: [p34], f: (x) => x.log1p() },
  { rule: 'expm1', name: 'expm1', inputs: [x34], f: (x) => x.expm1() },
  { rule: 'sqrt', name: 'sqrt', inputs: [p34], f: (x) => x.sqrt() },
  { rule: 'rsqrt', name: 'rsqrt', inputs: [p34], f: (x) => x.rsqrt() },
  { rule: 'square', name: 'square', inputs: [x34], f: (x) => x.square() },
  { rule: 'reciprocal', name: 'reciprocal', inputs: [x34], f: (x) => x.reciprocal() },
  { rule: 'sin', name: 'sin', inputs: [x34], f: (x) => x.sin() },
  { rule: 'cos', name: 'cos', inputs: [x34], f: (x) => x.cos() },
  { rule: 'tanh', name: 'tanh', inputs: [x34], f: (x) => x.tanh() },
  { rule: 'erf', name: 'erf', inputs: [x34], f: (x) => x.erf() },
  { rule: 'sigmoid', name: 'sigmoid', inputs: [x34], f: (x) => x.sigmoid() },
  { rule: 'relu', name: 'relu', inputs: [x34], f: (x) => x.relu() },
  { rule: 'leakyRelu', name: 'slope 0.1', inputs: [x34], f: (x) => x.leakyRelu(0.1) },
  { rule: 'silu', name: 'silu', inputs: [x34], f: (x) => x.silu() },
  { rule: 'softplus', name: 'default', inputs: [x34], f: (x) => x.softplus() },
  { rule: 'softplus', name: 'beta 2 threshold 1.5', inputs: [x34], f: (x) => x.softplus({ beta: 2, threshold: 1.5 }) },
  { rule: 'clamp', name: 'both', inputs: [x34], f: (x) => x.clamp(-0.5, 0.8) },
  { rule: 'clamp', name: 'max only', inputs: [x34], f: (x) => x.clamp(null, 0.3) },
  // ---- new elementwise
  { rule: 'elu', name: 'alpha 1', inputs: [x34], f: (x) => x.elu() },
  { rule: 'elu', name: 'alpha 1.5', inputs: [x34], f: (x) => x.elu(1.5) },
  { rule: 'selu', name: 'selu', inputs: [x34], f: (x) => x.selu() },
  { rule: 'gelu', name: 'exact', inputs: [x34], f: (x) => x.gelu() },
  { rule: 'gelu', name: 'tanh', inputs: [x34], f: (x) => x.gelu({ approximate: 'tanh' }) },
  { rule: 'sign', name: 'sign', inputs: [x34], f: (x) => x.sign().add(x) },
  { rule: 'floor', name: 'floor', inputs: [off34], f: (x) => x.floor().mul(x) },
  { rule: 'ceil', name: 'ceil', inputs: [off34], f: (x) => x.ceil().mul(x) },
  { rule: 'round', name: 'round', inputs: [off34], f: (x) => x.round().mul(x) },
  // ---- binary with broadcasting
  { rule: 'add', name: 'broadcast alpha', inputs: [x34, A([4])], f: (a, b) => a.add(b, { alpha: 2.5 }) },
  { rule: 'add', name: 'scalar', inputs: [x34], f: (a) => a.add(3) },
  { rule: 'sub', name: 'broadcast alpha', inputs: [A([3, 1]), x34], f: (a, b) => a.sub(b, { alpha: 0.5 }) },
  { rule: 'mul', name: 'broadcast', inputs: [x34, A([3, 1])], f: (a, b) => a.mul(b) },
  { rule: 'mul', name: 'scalar', inputs: [x34], f: (a) => a.mul(-1.5) },
  { rule: 'div', name: 'broadcast', inputs: [A([2, 3, 4]), A([4])], f: (a, b) => a.div(b) },
  { rule: 'pow', name: 'scalar exponent', inputs: [p34], f: (a) => a.pow(2.5) },
  { rule: 'pow', name: 'tensor exponent', inputs: [p34, A([4])], f: (a, b) => a.pow(b) },
  { rule: 'maximum', name: 'broadcast', inputs: [x34, A([4], { data: [0.05, -0.3, 0.6, 0.2] })], f: (a, b) => a.maximum(b) },
  { rule: 'maximum', name: 'scalar', inputs: [x34], f: (a) => a.maximum(0.3) },
  { rule: 'minimum', name: 'broadcast', inputs: [A([3, 1]), x34], f: (a, b) => a.minimum(b) },
  { rule: 'where', name: 'tensor other (broadcast)', inputs: [x34, A([4])], f: (a, b) => a.where(mask34, b) },
  { rule: 'where', name: 'scalar other', inputs: [x34], f: (a) => a.where(mask34, 2) },
  { rule: 'where', name: 'broadcast self and cond', inputs: [A([1, 4]), x34], f: (a, b) => a.where(mask34.select(0, 0), b) },
  // ---- reductions
  { rule: 'sum', name: 'all', inputs: [x34], f: (x) => x.sum() },
  { rule: 'sum', name: 'dims keepdim', inputs: [A([2, 3, 4])], f: (x) => x.sum([0, 2], { keepdim: true }) },
  { rule: 'mean', name: 'dim', inputs: [x34], f: (x) => x.mean(-1) },
  { rule: 'prod', name: 'all', inputs: [p34], f: (x) => x.prod() },
  { rule: 'prod', name: 'dim', inputs: [x34], f: (x) => x.prod(1) },
  { rule: 'prod', name: 'dims keepdim', inputs: [A([2, 3, 2])], f: (x) => x.prod([0, 2], { keepdim: true }) },
  { rule: 'prod', name: 'one zero', inputs: [A([4], { data: [2, 0, 3, 0.5] })], f: (x) => x.prod() },
  { rule: 'prod', name: 'two zeros', inputs: [A([2, 4], { data: [2, 0, 3, 0, 1.5, 0, 0.5, 2] })], f: (x) => x.prod(1) },
  { rule: 'amax', name: 'all', inputs: [x34], f: (x) => x.amax() },
  { rule: 'amax', name: 'dim', inputs: [x34], f: (x) => x.amax(0) },
  { rule: 'amin', name: 'dims keepdim', inputs: [A([2, 3, 4])], f: (x) => x.amin([1, 2], { keepdim: true }) },
  { rule: 'max', name: 'dim', inputs: [x34], f: (x) => x.max(1) },
  { rule: 'max', name: 'dim keepdim', inputs: [x34], f: (x) => x.max(0, { keepdim: true }) },
  { rule: 'max', name: 'all', inputs: [x34], f: (x) => x.max() },
  { rule: 'min', name: 'dim -1', inputs: [A([2, 3, 4])], f: (x) => x.min(-1) },
  { rule: 'min', name: 'all', inputs: [x34], f: (x) => x.min() },
  { rule: 'var', name: 'all', inputs: [x34], f: (x) => x.var() },
  { rule: 'var', name: 'dim correction 0', inputs: [x34], f: (x) => x.var(1, { correction: 0 }) },
  { rule: 'var', name: 'dims keepdim correction 2', inputs: [A([2, 3, 4])], f: (x) => x.var([0, 2], { keepdim: true, correction: 2 }) },
  { rule: 'std', name: 'all', inputs: [x34], f: (x) => x.std() },
  { rule: 'std', name: 'dim unbiased false', inputs: [x34], f: (x) => x.std(0, { unbiased: false }) },
  { rule: 'norm', name: 'p2 all', inputs: [x34], f: (x) => x.norm() },
  { rule: 'norm', name: 'p1 dim', inputs: [x34], f: (x) => x.norm(1, 1) },
  { rule: 'norm', name: 'pinf dim keepdim', inputs: [x34], f: (x) => x.norm(Infinity, 0, { keepdim: true }) },
  { rule: 'norm', name: 'fro', inputs: [x34], f: (x) => x.norm('fro') },
  { rule: 'logsumexp', name: 'dim', inputs: [x34], f: (x) => x.logsumexp(1) },
  { rule: 'cumsum', name: 'dim 0', inputs: [x34], f: (x) => x.cumsum(0) },
  { rule: 'cumsum', name: 'dim -1', inputs: [A([2, 3, 4])], f: (x) => x.cumsum(-1) },
  { rule: 'softmax', name: 'dim', inputs: [x34], f: (x) => x.softmax(-1) },
  { rule: 'logSoftmax', name: 'dim 0', inputs: [x34], f: (x) => x.logSoftmax(0) },
  // ---- linear algebra
  { rule: 'matmul', name: '2d', inputs: [x34, A([4, 2])], f: (a, b) => a.matmul(b) },
  { rule: 'matmul', name: '1d @ 2d', inputs: [A([3]), x34], f: (a, b) => a.matmul(b) },
  { rule: 'matmul', name: 'batched broadcast', inputs: [A([2, 3, 4]), A([4, 2])], f: (a, b) => a.matmul(b) },
  // ---- views and shape
  { rule: 'reshape', name: 'reshape', inputs: [x34], f: (x) => x.reshape(2, 6).mul(W34.reshape(2, 6)) },
  { rule: 'view', name: 'view', inputs: [x34], f: (x) => x.view([6, 2]).square() },
  { rule: 'flatten', name: 'flatten', inputs: [A([2, 3, 2])], f: (x) => x.flatten(1).square() },
  { rule: 'squeeze', name: 'squeeze', inputs: [A([3, 1, 4])], f: (x) => x.squeeze(1).square() },
  { rule: 'unsqueeze', name: 'unsqueeze', inputs: [x34], f: (x) => x.unsqueeze(0).square() },
  { rule: 'contiguous', name: 'of transpose', inputs: [x34], f: (x) => x.transpose(0, 1).contiguous().square() },
  { rule: 'clone', name: 'clone', inputs: [x34], f: (x) => x.clone().square() },
  { rule: 'transpose', name: 'transpose', inputs: [A([2, 3, 4])], f: (x) => x.transpose(0, 2).square() },
  { rule: 'permute', name: 'permute', inputs: [A([2, 3, 4])], f: (x) => x.permute(2, 0, 1).square() },
  { rule: 'expand', name: 'expand', inputs: [A([3, 1])], f: (x) => x.expand(2, 3, 4).square() },
  { rule: 'asStrided', name: 'overlapping windows', inputs: [A([7])], f: (x) => x.asStrided([3, 3], [2, 1], 0).square() },
  { rule: 'asStrided', name: 'of a view', inputs: [A([3, 4])], f: (x) => x.t().contiguous().asStrided([2, 2], [1, 3], 2) },
  { rule: 'slice', name: 'step 2', inputs: [x34], f: (x) => x.slice(1, 1, 4, 2).square() },
  { rule: 'slice', name: 'negative bounds', inputs: [x34], f: (x) => x.slice(0, -2).square() },
  { rule: 'slice', name: 'default end, dim -1', inputs: [A([2, 3, 5])], f: (x) => x.slice(-1, 1).square() },
  { rule: 'select', name: 'dim 0', inputs: [x34], f: (x) => x.select(0, 1).square() },
  { rule: 'select', name: 'negative', inputs: [x34], f: (x) => x.select(-1, -1).square() },
  { rule: 'narrow', name: 'narrow', inputs: [x34], f: (x) => x.narrow(1, 1, 2).square() },
  { rule: 'narrow', name: 'split (composite of narrow)', inputs: [x34], f: (x) => { const [a, b] = x.split([1, 3], 1); return b.mul(a); } },
  // ---- indexing
  { rule: 'gather', name: 'dim 1 repeats', inputs: [x34], f: (x) => x.gather(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 3]])) },
  { rule: 'gather', name: 'dim 0', inputs: [x34], f: (x) => x.gather(0, I([[2, 0, 1, 1]])) },
  { rule: 'scatter', name: 'tensor src', inputs: [x34, A([2, 4])], f: (x, s) => x.scatter(0, I([[2, 0, 1, 2], [0, 1, 2, 1]]), s) },
  { rule: 'scatter', name: 'scalar src', inputs: [x34], f: (x) => x.scatter(1, I([[0, 2], [3, 1], [1, 0]]), 0.5) },
  { rule: 'scatterAdd', name: 'repeats', inputs: [x34, A([3, 3])], f: (x, s) => x.scatterAdd(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s) },
  { rule: 'scatterReduce', name: 'sum', inputs: [x34, A([3, 3])], f: (x, s) => x.scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s, 'sum') },
  { rule: 'scatterReduce', name: 'mean', inputs: [x34, A([3, 3])], f: (x, s) => x.scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s, 'mean') },
  { rule: 'scatterReduce', name: 'mean without self', inputs: [x34, A([3, 3])], f: (x, s) => x.scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s, 'mean', { includeSelf: false }) },
  { rule: 'scatterReduce', name: 'amax', inputs: [x34, A([3, 3])], f: (x, s) => x.scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s, 'amax') },
  { rule: 'scatterReduce', name: 'amin without self', inputs: [x34, A([3, 3])], f: (x, s) => x.scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s, 'amin', { includeSelf: false }) },
  { rule: 'scatterReduce', name: 'prod', inputs: [x34, A([3, 3])], f: (x, s) => x.scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s, 'prod') },
  { rule: 'scatterReduce', name: 'prod without self', inputs: [x34, A([3, 3])], f: (x, s) => x.scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s, 'prod', { includeSelf: false }) },
  // zeros: row 0's slot 0 holds two (x and a src value: gradient 0 there), row 1's slot 1 one, row 2 none
  { rule: 'scatterReduce', name: 'prod with zeros', inputs: [x34, A([3, 3])], f: (x, s) => x.mul(my.tensor([[0, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]], F64))
    .scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s.mul(my.tensor([[0, 1, 1], [1, 0, 1], [1, 1, 1]], F64)), 'prod') },
  { rule: 'scatterReduce', name: 'prod with zeros, without self', inputs: [x34, A([3, 3])], f: (x, s) => x.mul(my.tensor([[0, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]], F64))
    .scatterReduce(1, I([[0, 0, 3], [2, 1, 2], [3, 3, 1]]), s.mul(my.tensor([[0, 1, 1], [1, 0, 1], [1, 1, 1]], F64)), 'prod', { includeSelf: false }) },
  { rule: 'indexSelect', name: 'repeats', inputs: [x34], f: (x) => x.indexSelect(1, I([3, 0, 3, 1])) },
  { rule: 'indexSelect', name: 'dim 0', inputs: [x34], f: (x) => x.indexSelect(0, I([2, 2])) },
  { rule: 'indexAdd', name: 'alpha', inputs: [x34, A([3, 2])], f: (x, s) => x.indexAdd(1, I([2, 0]), s, { alpha: 1.5 }) },
  { rule: 'indexAdd', name: 'repeated index', inputs: [x34, A([3, 4])], f: (x, s) => x.indexAdd(0, I([1, 1, 0]), s) },
  // graph attention's edge ops: node 3 receives no edge, node 1 three; edges repeat (0 -> 1 twice)
  { rule: 'edgeSoftmax', name: 'heads', inputs: [A([7, 2])], f: (x) => my.edgeSoftmax(x, I([1, 0, 1, 2, 1, 0, 2]), 4) },
  { rule: 'edgeSoftmax', name: '1-d', inputs: [A([5])], f: (x) => my.edgeSoftmax(x, I([0, 0, 1, 0, 1]), 2) },
  { rule: 'edgeWeightedSum', name: 'heads', inputs: [A([4, 2, 3]), A([6, 2])], f: (x, w) => my.edgeWeightedSum(x, w, I([0, 0, 3, 2, 1, 3]), I([1, 1, 0, 4, 1, 2]), 5) },
  { rule: 'edgeWeightedSum', name: '2-d', inputs: [A([3, 4]), A([5])], f: (x, w) => my.edgeWeightedSum(x, w, I([0, 2, 2, 1, 0]), I([1, 0, 1, 1, 0]), 2) },
  { rule: 'edgeDot', name: 'heads', inputs: [A([4, 2, 3]), A([5, 2, 3])], f: (a, b) => my.edgeDot(a, b, I([0, 3, 3, 1, 2, 0]), I([4, 0, 1, 1, 2, 4])) },
  // native dropout with a fixed mask (rng int64 [seed, first counter]): linear in x
  { rule: 'dropoutPhilox', name: 'fixed mask', inputs: [x34], f: (x) => my.dropoutPhilox(x, 0.4, I([12345, 678])).mul(x) },
  { rule: 'maskedFill', name: 'mask', inputs: [x34], f: (x) => x.maskedFill(mask34, 7).square() },
  { rule: 'maskedFill', name: 'broadcast mask', inputs: [x34], f: (x) => x.maskedFill(my.tensor([true, false, false, true]), -1).square() },
  { rule: 'topk', name: 'largest dim -1', inputs: [x34], f: (x) => x.topk(2) },
  { rule: 'topk', name: 'smallest dim 0', inputs: [x34], f: (x) => x.topk(2, { dim: 0, largest: false }) },
  { rule: 'sort', name: 'ascending', inputs: [x34], f: (x) => x.sort() },
  { rule: 'sort', name: 'descending dim 0', inputs: [x34], f: (x) => x.sort({ dim: 0, descending: true }) },
  { rule: 'flip', name: 'dims array', inputs: [x34], f: (x) => x.flip([0, 1]) },
  { rule: 'flip', name: 'spread', inputs: [A([2, 3, 4])], f: (x) => x.flip(2) },
  { rule: 'to', name: 'same dtype', inputs: [x34], f: (x) => x.to('float64').square() },
  { rule: 'to', name: 'double()', inputs: [x34], f: (x) => x.double().square() },
  { rule: 'pad', name: 'constant', inputs: [x34], f: (x) => x.pad([1, 2, 0, 1], { value: 0.5 }).square() },
  { rule: 'pad', name: 'constant negative (crop)', inputs: [x34], f: (x) => x.pad([-1, 2, 1, -1]).square() },
  { rule: 'pad', name: 'reflect 2 dims', inputs: [A([2, 3, 4])], f: (x) => x.pad([2, 3, 1, 2], { mode: 'reflect' }) },
  { rule: 'pad', name: 'reflect 1 dim', inputs: [x34], f: (x) => x.pad([1, 2], { mode: 'reflect' }).square() },
];

describe('gradcheck: every rule', () => {
  it('every rule in RULES has at least one case', () => {
    const covered = new Set(CASES.map((c) => c.rule));
    expect(DIFFERENTIABLE.filter((r) => !covered.has(r))).toEqual([]);
  });
  for (const c of CASES) it(`${c.rule}: ${c.name}`, () => gradcheck(c));
});

// A rule reads x, its tensor args or its output y through versioned accessors (formulas.ts
// Saved), and x's shape through `meta`: so after recording, an in-place change to any input
// or to the output must either make backward throw the version error or leave every
// gradient as it was. A rule that read overwritten values unchecked would fail here.
describe('in-place changes after recording: each rule throws the version error or is unaffected', () => {
  const gradsAfter = (c: Case, data: number[][], change: number | 'out' | null): (number[] | null)[] | 'threw' => {
    const leaves = c.inputs.map((s, k) => { const t = my.tensor(data[k], F64).reshape(s.shape); return s.grad === false ? t : t.requiresGrad_(); });
    const xs = leaves.map((l, k) => (c.inputs[k].grad === false ? l : l.mul(1)));  // non-leaves: they may change in place
    const out = valuesOf(c.f(...xs));
    const loss = out.mul(weightsFor(out.shape)).sum();
    my.noGrad(() => (change === 'out' ? out : change === null ? null : xs[change])?.add_(0.5));
    try { loss.backward(); } catch (e) {
      expect(String(e)).toMatch(/modified by an inplace operation: \w+ (input|output) \d+ is at version \d+; expected version \d+/);
      return 'threw';
    }
    return leaves.map((l) => (l.grad ? Array.from(l.grad.contiguous().data() as Float64Array) : null));
  };
  for (const c of CASES) {
    it(`${c.rule}: ${c.name}`, () => {
      const data = c.inputs.map((s, k) => s.data ?? (s.pos ? positive(numel(s.shape), k + 1) : distinct(numel(s.shape), k + 1)));
      const ref = gradsAfter(c, data, null);
      const changes: (number | 'out')[] = ['out', ...c.inputs.flatMap((s, k) => (s.grad === false ? [] : [k]))];
      for (const ch of changes) {
        const g = gradsAfter(c, data, ch);
        if (g !== 'threw') expect(g, `after changing ${ch} in place`).toEqual(ref);
      }
    });
  }
});

describe('gradcheck: composites and top-level ops', () => {
  it('repeat needs no rule: it records reshape/expand/contiguous', () => {
    expect(DIFFERENTIABLE).not.toContain('repeat');
    gradcheck({ rule: 'repeat', name: 'repeat', inputs: [A([2, 3])], f: (x) => x.repeat(2, 1, 3) });
  });
  it('t / mm / outer / chunk / argsort-free composites', () => {
    gradcheck({ rule: 'mm', name: 'mm of t', inputs: [x34, A([3, 2])], f: (a, b) => a.t().mm(b) });
    gradcheck({ rule: 'outer', name: 'outer', inputs: [A([3]), A([4])], f: (a, b) => a.outer(b) });
    gradcheck({ rule: 'chunk', name: 'chunk', inputs: [x34], f: (x) => { const [a, b] = x.chunk(2, 1); return a.mul(b.flip(1)); } });
  });
  const catVia = (ts: my.Tensor[], dim: number): my.Tensor => record('cat', ts, my.noGrad(() => my.cat(ts, dim)), catBackward(ts, dim));
  it('cat via record()/catBackward (what functional.ts will do)', () => {
    gradcheck({ rule: 'cat', name: 'dim 1', inputs: [x34, A([3, 2]), A([3, 1])], f: (a, b, c) => catVia([a, b, c], 1) });
    gradcheck({ rule: 'cat', name: 'dim -1, one input without grad', inputs: [x34, A([3, 2], { grad: false })], f: (a, b) => catVia([a, b], -1).square() });
  });
  it('stack (the export, recorded as one op)', () => {
    gradcheck({ rule: 'stack', name: 'dim 1', inputs: [x34, x34], f: (a, b) => my.stack([a, b], 1).square() });
    gradcheck({ rule: 'stack', name: 'dim -1, one input without grad', inputs: [x34, A([3, 4], { grad: false })], f: (a, b) => my.stack([a, b.mul(a)], -1) });
  });
  it('record() does nothing when no input requires grad or under noGrad', () => {
    const a = my.tensor([1, 2], F64), b = my.tensor([3], F64).requiresGrad_();
    expect(catVia([a, a], 0).requiresGrad).toBe(false);
    expect(my.noGrad(() => catVia([a, b], 0)).requiresGrad).toBe(false);
    expect(catVia([a, b], 0).gradFn?.name).toBe('cat');
  });
});

describe('tie rules and special points (values from torch 2.x CPU)', () => {
  const grad = (x: my.Tensor, f: (x: my.Tensor) => my.Tensor): number[] => {
    const l = x.requiresGrad_();
    f(l).sum().backward();
    return Array.from(l.grad!.data() as Float64Array);
  };
  it('maximum/minimum split ties half and half', () => {
    const x = my.tensor([1, 2, 3], F64).requiresGrad_(), o = my.tensor([1, 0, 3], F64).requiresGrad_();
    x.maximum(o).sum().backward();
    expect(Array.from(x.grad!.data() as Float64Array)).toEqual([0.5, 1, 0.5]);
    expect(Array.from(o.grad!.data() as Float64Array)).toEqual([0.5, 0, 0.5]);
    x.grad = null; o.grad = null;
    x.minimum(o).sum().backward();
    expect(Array.from(x.grad!.data() as Float64Array)).toEqual([0.5, 0, 0.5]);
    expect(Array.from(o.grad!.data() as Float64Array)).toEqual([0.5, 1, 0.5]);
  });
  it('amax/amin/max() share ties evenly', () => {
    const d = [[1, 3, 3], [2, 2, 0]];
    expect(grad(my.tensor(d, F64), (x) => x.amax(1))).toEqual([0, 0.5, 0.5, 0.5, 0.5, 0]);
    expect(grad(my.tensor(d, F64), (x) => x.amin())).toEqual([0, 0, 0, 0, 0, 1]);
    expect(grad(my.tensor(d, F64), (x) => x.max())).toEqual([0, 0.5, 0.5, 0, 0, 0]);
  });
  it('max(dim) with a tie sends the gradient to the returned index only', () => {
    const x = my.tensor([[1, 3, 3], [2, 2, 0]], F64).requiresGrad_();
    const { values, indices } = x.max(1);
    values.sum().backward();
    const g = x.grad!.toArray() as number[][], idx = indices.toArray() as number[];
    g.forEach((row, r) => row.forEach((v, c) => expect(v).toBe(c === idx[r] ? 1 : 0)));
    expect(indices.requiresGrad).toBe(false);
  });
  it('norm: inf-norm ties shared, 2-norm at zero gives zero', () => {
    expect(grad(my.tensor([1, -3, 3, 2], F64), (x) => x.norm(Infinity))).toEqual([0, -0.5, 0.5, 0]);
    expect(grad(my.zeros([3], F64), (x) => x.norm())).toEqual([0, 0, 0]);
  });
  it('prod with one and two zeros', () => {
    expect(grad(my.tensor([2, 0, 3, 4], F64), (x) => x.prod())).toEqual([0, 24, 0, 0]);
    expect(grad(my.tensor([2, 0, 3, 0], F64), (x) => x.prod())).toEqual([0, 0, 0, 0]);
  });
  it('gelu at 0 and elsewhere', () => {
    const g = grad(my.tensor([-1, 0, 2], F64), (x) => x.gelu());
    [-0.08331547058768635, 0.5, 1.085231801078197].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 12));
  });
  it('sign/floor/ceil/round give zero gradients', () => {
    for (const f of [(x: my.Tensor) => x.sign(), (x: my.Tensor) => x.floor(), (x: my.Tensor) => x.ceil(), (x: my.Tensor) => x.round()])
      expect(grad(my.tensor([-1.5, 0, 0.5, 2], F64), f)).toEqual([0, 0, 0, 0]);
  });
  it('to: a float32 copy sends a float64 gradient back; integer casts are not recorded', () => {
    const x = my.tensor([1, 2, 3], F64).requiresGrad_();
    x.float().mul(my.tensor([0.5, 2, -1])).sum().backward();
    expect(x.grad!.dtype).toBe('float64');
    expect(Array.from(x.grad!.data() as Float64Array)).toEqual([0.5, 2, -1]);
    expect(x.long().requiresGrad).toBe(false);
    expect(x.to('cpu')).toBe(x);
    expect(x.isLeaf).toBe(true);
  });
});

describe('non-contiguous inputs and broadcasting', () => {
  it('a transposed view of a leaf gets the right gradient', () => {
    gradcheck({ rule: 'transpose', name: 'exp of t', inputs: [x34], f: (x) => x.t().exp().matmul(W34) });
    gradcheck({ rule: 'transpose', name: 'cumsum/gather of t', inputs: [x34], f: (x) => x.t().cumsum(1).gather(0, I([[3, 1, 0]])) });
  });
  it('a non-contiguous leaf (made from a transposed tensor) gets a gradient of its shape', () => {
    const base = my.tensor(distinct(12), F64).reshape(3, 4);
    const x = base.t().requiresGrad_();
    expect(x.isContiguous()).toBe(false);
    const w = weightsFor([4, 3]);
    x.sin().mul(w).sum().backward();
    expect([...x.grad!.shape]).toEqual([4, 3]);
    const want = x.detach().cos().mul(w).toArray() as number[][];
    (x.grad!.toArray() as number[][]).forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 12)));
  });
  it('broadcast gradients are reduced to each input shape', () => {
    const a = my.tensor(distinct(3), F64).reshape(3, 1).requiresGrad_();
    const b = my.tensor(distinct(4, 2), F64).requiresGrad_();
    const c = my.tensor([2.5], F64).requiresGrad_();
    a.mul(b).add(c).div(b.maximum(0.1).add(1)).sum().backward();
    expect([...a.grad!.shape]).toEqual([3, 1]);
    expect([...b.grad!.shape]).toEqual([4]);
    expect([...c.grad!.shape]).toEqual([1]);
    gradcheck({ rule: 'broadcast', name: 'mixed', inputs: [A([3, 1]), A([4]), A([1])], f: (a, b, c) => a.mul(b).add(c).div(b.maximum(0.1).add(1)).where(mask34, c) });
  });
  it('double backward through new rules (createGraph)', () => {
    const x = my.tensor([0.5, -0.7, 1.2], F64).requiresGrad_();
    const [g] = my.autograd.grad(x.gelu({ approximate: 'tanh' }).sum(), x, { createGraph: true });
    const [h] = my.autograd.grad(g!.sum(), x);
    const num = [0.5, -0.7, 1.2].map((v) => {
      const d = (t: number) => { const xs = my.tensor([t], F64).requiresGrad_(); xs.gelu({ approximate: 'tanh' }).sum().backward(); return xs.grad!.item() as number; };
      return (d(v + EPS) - d(v - EPS)) / (2 * EPS);
    });
    Array.from(h!.data() as Float64Array).forEach((v, i) => expect(Math.abs(v - num[i])).toBeLessThan(1e-5));
  });
});
