// nn.init: in-place initializers (run without recording), with PyTorch's fan and gain rules.
import type { Tensor } from '../tensor';
import { randn, tensor } from '../creation';
import { noGrad } from '../autograd/engine';
import { tensorArg, numberArg } from './module';

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fanIn' | 'fanOut';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (param !== undefined && param !== null) numberArg('calculateGain', 'param', param);
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': { const s = param ?? 0.01; return Math.sqrt(2 / (1 + s * s)); }
    case 'selu': return 3 / 4;
    default: throw new Error(`calculateGain: unsupported nonlinearity ${String(nonlinearity)}`);
  }
}
/** [fanIn, fanOut] of a weight [out, in, ...kernel]. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  tensorArg('calculateFanInAndFanOut', 'tensor', t);
  if (t.ndim < 2) throw new Error(`init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [${t.shape.join(', ')}])`);
  const rf = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * rf, t.shape[0] * rf];
}
const fan = (t: Tensor, mode: FanMode): number => calculateFanInAndFanOut(t)[mode === 'fanIn' ? 0 : 1];

// each initializer checks its tensor first, so a wrong argument names it (not "t.fill_ is not a function")
export const uniform_ = (t: Tensor, a = 0, b = 1): Tensor => noGrad(() => tensorArg('uniform_', 'tensor', t).uniform_(a, b));
export const normal_ = (t: Tensor, mean = 0, std = 1): Tensor => noGrad(() => tensorArg('normal_', 'tensor', t).normal_(mean, std));
export const constant_ = (t: Tensor, v: number): Tensor => {
  if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`constant_: value must be a number, got ${typeof v}`);
  return noGrad(() => tensorArg('constant_', 'tensor', t).fill_(v));
};
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  numberArg('xavierUniform_', 'gain', gain);
  const [i, o] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (i + o));
  return uniform_(t, -a, a);
}
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  numberArg('xavierNormal_', 'gain', gain);
  const [i, o] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (i + o)));
}
export interface KaimingOptions { a?: number; mode?: FanMode; nonlinearity?: Nonlinearity }
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const bound = Math.sqrt(3) * gain / Math.sqrt(fan(t, o.mode ?? 'fanIn'));
  return uniform_(t, -bound, bound);
}
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(fan(t, o.mode ?? 'fanIn')));
}
/** N(0, 1/fanIn) (LeCun normal, for SELU networks). */
export const lecunNormal_ = (t: Tensor): Tensor => normal_(t, 0, 1 / Math.sqrt(fan(t, 'fanIn')));
/** A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one (torch.nn.init.orthogonal_). */
export function orthogonal_(t: Tensor, gain = 1): Tensor {
  tensorArg('orthogonal_', 'tensor', t);
  numberArg('orthogonal_', 'gain', gain);
  if (t.ndim < 2) throw new Error('orthogonal_: only tensors with 2 or more dimensions are supported');
  if (t.numel() === 0) return t;   // nothing to fill (torch returns it unchanged)
  const rows = t.shape[0], cols = t.numel() / rows;
  const tall = rows < cols ? [cols, rows] : [rows, cols];
  const [m, n] = tall;  // m >= n: orthonormalize the n columns of an m x n Gaussian matrix
  const g = noGrad(() => randn([m, n], { dtype: 'float64' }));
  const a = Float64Array.from(g.data() as Float64Array);
  g.dispose();
  // modified Gram-Schmidt = Q of QR with R's diagonal positive (torch multiplies Q by sign(diag R))
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += a[i * n + j] * a[i * n + k];
      for (let i = 0; i < m; i++) a[i * n + j] -= dot * a[i * n + k];
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += a[i * n + j] ** 2;
    nrm = Math.sqrt(nrm) || 1;
    for (let i = 0; i < m; i++) a[i * n + j] /= nrm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++)
    out[r * cols + c] = gain * (rows < cols ? a[c * n + r] : a[r * n + c]);
  return noGrad(() => {
    const q = tensor(out, { shape: [...t.shape], dtype: 'float64' });
    t.copy_(q);
    q.dispose();
    return t;
  });
}
