// The Fréchet distance between two Gaussians fitted to feature sets (FID's formula):
// ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^½, in float64 on the CPU.
// ml-matrix (a well-kept pure-JS linear-algebra package) gives the symmetric eigendecompositions.
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import { Tensor } from '../tensor';

/** Mean and unbiased covariance (N − 1, as numpy.cov in pytorch-fid) of the rows of x [N, F]. */
function stats(what: string, x: unknown): { mu: Float64Array; cov: Matrix } {
  if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`frechetDistance: ${what} must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
  if (x.ndim !== 2 || x.shape[0] < 2) throw new Error(`frechetDistance: ${what} must be [N, F] features with N >= 2, got [${x.shape.join(', ')}]`);
  if (!x.isFloatingPoint()) throw new Error(`frechetDistance: ${what} must be floating point, got ${x.dtype}`);
  const [n, f] = x.shape;
  const v = Float64Array.from(x.contiguous().to('cpu').double().data() as Float64Array);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`frechetDistance: ${what} holds ${v[i]} at flat index ${i}`);
  const mu = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mu[j] += v[i * f + j] / n;
  const c = new Matrix(n, f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) c.set(i, j, v[i * f + j] - mu[j]);
  return { mu, cov: c.transpose().mmul(c).div(n - 1) };
}

/** The symmetric PSD square root V·diag(√max(λ, 0))·Vᵀ. */
function sqrtPsd(m: Matrix): Matrix {
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const V = e.eigenvectorMatrix;
  const d = Matrix.diag(e.realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0))));
  return V.mmul(d).mmul(V.transpose());
}

/**
 * FID's Fréchet distance between feature sets a [N, F] and b [M, F] (e.g. a classifier's penultimate
 * activations of samples and of test images). tr (Σ₁Σ₂)^½ is computed as Σ √λᵢ of the symmetric
 * PSD matrix Σ₁^½ Σ₂ Σ₁^½, which has the same eigenvalues as Σ₁Σ₂.
 * ```ts
 * const fid = utils.frechetDistance(featuresOfSamples, featuresOfTestSet);
 * ```
 */
export function frechetDistance(a: Tensor, b: Tensor): number {
  const A = stats('a', a), B = stats('b', b);
  if (A.mu.length !== B.mu.length) throw new Error(`frechetDistance: a has ${A.mu.length} features but b has ${B.mu.length}`);
  let d2 = 0;
  for (let j = 0; j < A.mu.length; j++) d2 += (A.mu[j] - B.mu[j]) ** 2;
  const s1 = sqrtPsd(A.cov);
  const M = s1.mmul(B.cov).mmul(s1);
  const sym = M.add(M.transpose()).div(2);   // symmetric up to rounding; make it exactly so for the eigensolver
  const ev = new EigenvalueDecomposition(sym, { assumeSymmetric: true }).realEigenvalues;
  const trSqrt = ev.reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0);
  return d2 + A.cov.trace() + B.cov.trace() - 2 * trSqrt;
}
