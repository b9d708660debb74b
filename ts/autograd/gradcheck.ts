// gradcheck: the full Jacobian from autograd against float64 central differences.
import { Tensor } from '../tensor';
import { zeros, tensor } from '../creation';
import { noGrad } from './engine';
import { grad } from './index';

export interface GradcheckOptions { eps?: number; atol?: number; rtol?: number }

/**
 * Checks d fn(inputs) / d inputs element by element: every row of the Jacobian from
 * autograd.grad against central differences. Inputs must be float64 tensors that require
 * grad. Returns true, or throws naming the worst element.
 * ```ts
 * autograd.gradcheck((x) => x.tanh().mul(x), [randn([3], { dtype: 'float64', requiresGrad: true })]);
 * ```
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], o: GradcheckOptions = {}): true {
  const eps = o.eps ?? 1e-6, atol = o.atol ?? 1e-5, rtol = o.rtol ?? 1e-3;
  if (typeof fn !== 'function') throw new Error(`gradcheck: fn must be a function, got ${typeof fn}`);
  if (!Array.isArray(inputs)) throw new Error(`gradcheck: inputs must be an array of tensors, got ${inputs === null ? 'null' : typeof inputs}`);
  for (const [k, x] of inputs.entries())
    if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`gradcheck: input ${k} must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
    else if (x.dtype !== 'float64' || !x.requiresGrad) throw new Error(`gradcheck: input ${k} must be a float64 tensor that requires grad (got ${x.dtype}${x.requiresGrad ? '' : ', no grad'})`);
  const y = fn(...inputs);
  const m = y.numel();
  const base = inputs.map((x) => Float64Array.from(x.contiguous().data() as Float64Array));
  // numeric Jacobian: column per input element
  const numeric = inputs.map((x, k) => {
    const cols: Float64Array[] = [];
    for (let i = 0; i < base[k].length; i++) {
      const at = (delta: number): Float64Array => noGrad(() => {
        const d = base[k].slice();
        d[i] += delta;
        const xs = inputs.map((t, j) => (j === k ? tensor(d, { shape: [...t.shape], dtype: 'float64' }) : t.detach()));
        return Float64Array.from(fn(...xs).contiguous().data() as Float64Array);
      });
      const p = at(eps), q = at(-eps);
      cols.push(p.map((v, j) => (v - q[j]) / (2 * eps)));
    }
    return cols;
  });
  let worst = { err: 0, msg: '' };
  for (let j = 0; j < m; j++) {
    const seed = noGrad(() => zeros([m], { dtype: y.dtype }));
    noGrad(() => seed.select(0, j).fill_(1));
    const gs = grad([y], inputs, { gradOutputs: [seed.reshape([...y.shape])], retainGraph: true, allowUnused: true });
    gs.forEach((g, k) => {
      const a = g ? (g.contiguous().data() as Float64Array) : new Float64Array(base[k].length);
      for (let i = 0; i < base[k].length; i++) {
        const n = numeric[k][i][j], err = Math.abs(a[i] - n) - (atol + rtol * Math.abs(n));
        if (err > worst.err || Number.isNaN(a[i]) !== Number.isNaN(n))
          worst = { err: Number.isNaN(err) ? Infinity : err, msg: `d output[${j}] / d input ${k}[${i}]: analytic ${a[i]}, numeric ${n}` };
      }
    });
  }
  if (worst.err > 0) throw new Error(`gradcheck: Jacobian mismatch: ${worst.msg}`);
  return true;
}
