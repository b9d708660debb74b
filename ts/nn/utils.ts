// nn.utils: gradient clipping, an L1 penalty (regularization helpers), and nn.utils.rnn (packed sequences).
import { Tensor } from '../tensor';
import { noGrad } from '../autograd/engine';
import { showValue } from '../args';

/** The parameters that have a gradient (torch also takes a single tensor). A disposed or
 * non-tensor .grad is an Error naming the parameter: skipped, it would silently go unclipped. */
function withGrad(op: string, params: Iterable<Tensor> | Tensor): Tensor[] {
  const ps: unknown = params instanceof Tensor ? [params] : params;
  if (ps === null || typeof ps !== 'object' || typeof (ps as Iterable<unknown>)[Symbol.iterator] !== 'function')
    throw new Error(`${op}: params must be a Tensor or an iterable of Tensors, got ${showValue(params)}`);
  return [...(ps as Iterable<unknown>)].filter((p, i): p is Tensor => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: parameter ${i} must be a Tensor, got ${showValue(p)}`);
    const g: unknown = p.grad;
    if (g === null || g === undefined) return false;
    if (!(g instanceof Tensor) || g.isDisposed) throw new Error(`${op}: the gradient of parameter ${i} must be a live Tensor or null, got ${showValue(g)}`);
    return true;
  });
}

/** Scales all gradients so their joint norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm_(params: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2): number {
  // a NaN or negative bound would scale every gradient by NaN or flip its sign
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new Error(`clipGradNorm_: maxNorm must be a non-negative number, got ${typeof maxNorm === 'number' ? maxNorm : typeof maxNorm}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new Error(`clipGradNorm_: normType must be a positive number or Infinity, got ${typeof normType === 'number' ? normType : typeof normType}`);
  const ps = withGrad('clipGradNorm_', params);
  if (!ps.length) return 0;
  return noGrad(() => {
    const norms = ps.map((p) => p.grad!.norm(normType).item() as number);
    const total = normType === Infinity ? Math.max(...norms) : norms.reduce((a, n) => a + n ** normType, 0) ** (1 / normType);
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1) for (const p of ps) p.grad!.mul_(coef);
    return total;
  });
}
/** Clamps every gradient element to [-clipValue, clipValue]. */
export function clipGradValue_(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  // a negative bound would clamp to [c, -c]: every gradient element becomes -c
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new Error(`clipGradValue_: clipValue must be a non-negative number, got ${typeof clipValue === 'number' ? clipValue : typeof clipValue}`);
  const ps = withGrad('clipGradValue_', params);
  noGrad(() => { for (const p of ps) p.grad!.clamp_(-clipValue, clipValue); });
}
/** Σ|w| over the parameters (differentiable): add `l1Penalty(ps).mul(lambda)` to a loss. */
export function l1Penalty(params: Iterable<Tensor>): Tensor {
  let s: Tensor | null = null;
  if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) throw new Error(`l1Penalty: params must be an iterable of tensors, got ${params === null ? 'null' : typeof params}`);
  for (const p of params) {
    if (!(p instanceof Tensor) || p.isDisposed) throw new Error(`l1Penalty: every parameter must be a live Tensor, got ${p instanceof Tensor ? 'a disposed tensor' : typeof p}`); const a = p.abs().sum(); s = s ? s.add(a) : a; }
  if (!s) throw new Error('l1Penalty: no parameters given');
  return s;
}
export * as rnn from './rnn_utils';
