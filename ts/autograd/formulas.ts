// Gradient rules, one per differentiable Tensor method, installed by wrapping the
// method: the wrapper runs the op with recording off (so composites record once) and,
// when an input requires grad, attaches a Node whose backward is the rule below.
// Broadcasting is reduced here (sumTo), so no rule mentions it.
// WORK IN PROGRESS (branch `autograd`, issue 3).
import { Tensor } from '../tensor';
import { Node, isGradEnabled, setGradEnabled } from './engine';

type Ctx = { x: Tensor; args: unknown[]; y: Tensor; dy: Tensor };
type Rule = (c: Ctx) => (Tensor | null | undefined)[];

/** Sums a broadcast gradient back to `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  let r = g.sum(dims, { keepdim: true });
  if (lead > 0) r = r.reshape([...shape]);
  return r;
}

const reducedDims = (x: Tensor, dim: unknown): number[] => {
  if (dim === undefined || dim === null) return [...Array(x.ndim).keys()];
  const ds = Array.isArray(dim) ? (dim as number[]) : [dim as number];
  return ds.map((d) => (d < 0 ? d + x.ndim : d));
};
/** dy of a reduction, with the reduced dims put back as size 1 and expanded to x. */
function unreduce(dy: Tensor, x: Tensor, dim: unknown, keepdim: boolean): Tensor {
  let g = dy;
  if (!keepdim) for (const d of reducedDims(x, dim).sort((a, b) => a - b)) g = g.unsqueeze(d);
  return g.expand([...x.shape]);
}
const keep = (a: unknown[], i: number): boolean => !!(a[i] as { keepdim?: boolean } | undefined)?.keepdim;
const T = (v: unknown): Tensor | null => (v instanceof Tensor ? v : null);

const RULES: Record<string, Rule> = {
  neg: ({ dy }) => [dy.neg()],
  abs: ({ dy, x }) => [dy.mul(x.sign())],
  exp: ({ dy, y }) => [dy.mul(y)],
  log: ({ dy, x }) => [dy.div(x)],
  log1p: ({ dy, x }) => [dy.div(x.add(1))],
  expm1: ({ dy, y }) => [dy.mul(y.add(1))],
  sqrt: ({ dy, y }) => [dy.div(y.mul(2))],
  rsqrt: ({ dy, y }) => [dy.mul(y.pow(3)).mul(-0.5)],
  square: ({ dy, x }) => [dy.mul(x).mul(2)],
  reciprocal: ({ dy, y }) => [dy.mul(y.square()).neg()],
  sin: ({ dy, x }) => [dy.mul(x.cos())],
  cos: ({ dy, x }) => [dy.mul(x.sin()).neg()],
  tanh: ({ dy, y }) => [dy.mul(y.square().neg().add(1))],
  sigmoid: ({ dy, y }) => [dy.mul(y).mul(y.neg().add(1))],
  relu: ({ dy, x }) => [dy.mul(x.gt(0))],
  leakyRelu: ({ dy, x, args }) => { const s = (args[0] as number | undefined) ?? 0.01; return [dy.mul(x.gt(0).float().mul(1 - s).add(s))]; },
  silu: ({ dy, x }) => { const s = x.sigmoid(); return [dy.mul(s.mul(x.mul(s.neg().add(1)).add(1)))]; },
  softplus: ({ dy, x, args }) => {
    const o = args[0] as { beta?: number; threshold?: number } | undefined;
    const bx = x.mul(o?.beta ?? 1);
    return [dy.mul(bx.sigmoid().where(bx.le(o?.threshold ?? 20), 1))];
  },
  clamp: ({ dy, x, args }) => {
    const lo = args[0] as number | null | undefined, hi = args[1] as number | null | undefined;
    let m = x.eq(x);
    if (lo !== null && lo !== undefined) m = m.logicalAnd(x.ge(lo));
    if (hi !== null && hi !== undefined) m = m.logicalAnd(x.le(hi));
    return [dy.mul(m)];
  },
  add: ({ dy, x, args }) => {
    const alpha = (args[1] as { alpha?: number } | undefined)?.alpha ?? 1;
    const o = T(args[0]);
    return [sumTo(dy, x.shape), o && sumTo(alpha === 1 ? dy : dy.mul(alpha), o.shape)];
  },
  sub: ({ dy, x, args }) => {
    const alpha = (args[1] as { alpha?: number } | undefined)?.alpha ?? 1;
    const o = T(args[0]);
    return [sumTo(dy, x.shape), o && sumTo(dy.mul(-alpha), o.shape)];
  },
  mul: ({ dy, x, args }) => {
    const o = args[0] as Tensor | number;
    return [sumTo(dy.mul(o), x.shape), o instanceof Tensor ? sumTo(dy.mul(x), o.shape) : null];
  },
  div: ({ dy, x, args }) => {
    const o = args[0] as Tensor | number;
    return [sumTo(dy.div(o), x.shape), o instanceof Tensor ? sumTo(dy.mul(x).div(o.square()).neg(), o.shape) : null];
  },
  pow: ({ dy, x, y, args }) => {
    const o = args[0] as Tensor | number;
    const gx = sumTo(dy.mul(x.pow(o instanceof Tensor ? o.sub(1) : (o as number) - 1)).mul(o), x.shape);
    return [gx, o instanceof Tensor ? sumTo(dy.mul(y).mul(x.log()), o.shape) : null];
  },
  sum: ({ dy, x, args }) => [unreduce(dy, x, args[0], keep(args, 1))],
  mean: ({ dy, x, args }) => {
    const n = reducedDims(x, args[0]).reduce((a, d) => a * x.shape[d], 1);
    return [unreduce(dy, x, args[0], keep(args, 1)).div(n)];
  },
  logsumexp: ({ dy, x, y, args }) => [unreduce(dy, x, args[0], keep(args, 1)).mul(x.sub(unreduce(y, x, args[0], keep(args, 1))).exp())],
  softmax: ({ dy, y, args }) => [y.mul(dy.sub(dy.mul(y).sum(args[0] as number, { keepdim: true })))],
  logSoftmax: ({ dy, y, args }) => [dy.sub(y.exp().mul(dy.sum(args[0] as number, { keepdim: true })))],
  matmul: ({ dy, x, args }) => {
    const o = args[0] as Tensor;
    const a = x.ndim === 1 ? x.unsqueeze(0) : x, b = o.ndim === 1 ? o.unsqueeze(-1) : o;
    let g = dy;
    if (x.ndim === 1) g = g.unsqueeze(-2);
    if (o.ndim === 1) g = g.unsqueeze(-1);
    const ga = sumTo(g.matmul(b.transpose(-1, -2)), a.shape).reshape([...x.shape]);
    const gb = sumTo(a.transpose(-1, -2).matmul(g), b.shape).reshape([...o.shape]);
    return [ga, gb];
  },
  reshape: ({ dy, x }) => [dy.reshape([...x.shape])],
  view: ({ dy, x }) => [dy.reshape([...x.shape])],
  flatten: ({ dy, x }) => [dy.reshape([...x.shape])],
  squeeze: ({ dy, x }) => [dy.reshape([...x.shape])],
  unsqueeze: ({ dy, x }) => [dy.reshape([...x.shape])],
  contiguous: ({ dy }) => [dy],
  clone: ({ dy }) => [dy],
  transpose: ({ dy, args }) => [dy.transpose(args[0] as number, args[1] as number)],
  permute: ({ dy, args }) => {
    const p = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as number[];
    const inv: number[] = [];
    p.forEach((d, i) => { inv[d < 0 ? d + p.length : d] = i; });
    return [dy.permute(inv)];
  },
  expand: ({ dy, x }) => [sumTo(dy, x.shape)],
};

let recording = 0;  // > 0 while a wrapped op runs: its inner ops do not record

function install(name: string, rule: Rule): void {
  const proto = Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = proto[name];
  if (typeof orig !== 'function') throw new Error(`autograd: Tensor has no method ${name}`);
  proto[name] = function (this: Tensor, ...args: unknown[]) {
    if (recording > 0 || !isGradEnabled()) return orig.apply(this, args);
    const inputs = [this, ...args.filter((a): a is Tensor => a instanceof Tensor)];
    if (!inputs.some((t) => t.requiresGrad)) return orig.apply(this, args);
    recording++;
    let y: Tensor;
    try { y = orig.apply(this, args) as Tensor; } finally { recording--; }
    const x = this;
    y.gradFn = new Node(name, inputs.map((t) => (t.requiresGrad ? t : null)), (dy) => {
      const prev = isGradEnabled();
      const gs = rule({ x, args, y, dy });
      setGradEnabled(prev);
      return gs.map((g) => g ?? null);
    }, inputs.map((t) => t._version));
    return y;
  };
}

for (const [name, rule] of Object.entries(RULES)) install(name, rule);
export const DIFFERENTIABLE = Object.keys(RULES);
