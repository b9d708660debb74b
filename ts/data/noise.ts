// Noise transforms for denoising autoencoders: x + std·ε, optionally clamped back to the data range.
import { randn } from '../creation';
import { Tensor } from '../tensor';

/**
 * x + std·ε with ε ~ N(0, 1) from the global generator (repeatable under manualSeed), clamped to
 * `clamp` when given (e.g. [0, 1] for pixels).
 * ```ts
 * const noisy = data.addGaussianNoise(images, 0.3, { clamp: [0, 1] });
 * ```
 */
export function addGaussianNoise(x: Tensor, std: number, o: { clamp?: [number, number] } = {}): Tensor {
  if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`addGaussianNoise: x must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
  if (!x.isFloatingPoint()) throw new Error(`addGaussianNoise: expected a floating-point tensor, got ${x.dtype}`);
  if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) throw new Error(`addGaussianNoise: std must be a finite number >= 0, got ${String(std)}`);
  const c = o.clamp;
  if (c !== undefined && (!Array.isArray(c) || c.length !== 2 || !(c[0] <= c[1]))) throw new Error(`addGaussianNoise: clamp must be [min, max] with min <= max, got ${JSON.stringify(c)}`);
  const eps = randn([...x.shape], { dtype: x.dtype });
  const noisy = x.add(eps.mul(std));
  eps.dispose();
  if (!c) return noisy;
  const out = noisy.clamp(c[0], c[1]);
  noisy.dispose();
  return out;
}
