// Feature scaling: per-channel normalize and a StandardScaler-like Standardizer.
import { tensor, randint } from '../creation';
import { cat } from '../functional';
import { Tensor } from '../tensor';

/** Broadcastable [1, C, 1, ...] tensor of per-channel values for x (or a scalar). */
function perChannel(x: Tensor, v: number | number[], what: string): number | Tensor {
  if (typeof v === 'number') return v;
  if (x.ndim < 2) throw new Error(`normalize: per-channel ${what} needs an input with a channel dim 1, got [${x.shape.join(', ')}]`);
  if (v.length !== x.shape[1]) throw new Error(`normalize: ${what} has ${v.length} values but input has ${x.shape[1]} channels (dim 1)`);
  const shape = x.shape.map((s, i) => (i === 1 ? s : 1));
  const t = tensor(v, { dtype: x.dtype });
  const r = t.reshape(shape);
  t.dispose();
  return r;
}

/**
 * (x - mean) / std, with scalars or per-channel arrays along dim 1 (torchvision Normalize).
 * ```ts
 * const y = data.normalize(images, 0.1307, 0.3081);
 * ```
 */
export function normalize(x: Tensor, mean: number | number[], std: number | number[]): Tensor {
  if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`normalize: x must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
  for (const [what, v] of [['mean', mean], ['std', std]] as const)
    if (!(typeof v === 'number' || (Array.isArray(v) && v.every((e) => typeof e === 'number'))))
      throw new Error(`normalize: ${what} must be a number or an array of numbers, got ${typeof v}`);
  if (!x.isFloatingPoint()) throw new Error(`normalize: expected a floating-point tensor, got ${x.dtype}`);
  const stds = typeof std === 'number' ? [std] : std;
  if (stds.some((s) => s === 0)) throw new Error('normalize: std evaluated to zero, leading to division by zero');
  const m = perChannel(x, mean, 'mean'), s = perChannel(x, std, 'std');
  const c = x.sub(m);
  const out = c.div(s);
  c.dispose();
  if (typeof m !== 'number') m.dispose();
  if (typeof s !== 'number') s.dispose();
  return out;
}

/**
 * Column standardization fitted on [N, F] data: population mean and std over dim 0
 * (as sklearn's StandardScaler); zero-std columns get std 1.
 * ```ts
 * const sc = new data.Standardizer().fit(xTrain); const z = sc.transform(xTest);
 * ```
 */
export class Standardizer {
  mean: Tensor | null = null;
  std: Tensor | null = null;

  fit(x: Tensor): this {
    if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`Standardizer.fit: x must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
    if (x.ndim < 1 || x.shape[0] === 0) throw new Error(`Standardizer.fit: expected at least one row, got [${x.shape.join(', ')}]`);
    if (!x.isFloatingPoint()) throw new Error(`Standardizer.fit: expected a floating-point tensor, got ${x.dtype}`);
    this.dispose();
    const mean = x.mean(0);
    const sd = x.std(0, { correction: 0 });
    const nonzero = sd.ne(0);
    this.std = sd.where(nonzero, 1);
    nonzero.dispose(); sd.dispose();
    this.mean = mean;
    return this;
  }

  private fitted(who: string): [Tensor, Tensor] {
    if (!this.mean || !this.std) throw new Error(`Standardizer.${who}: call fit() first`);
    return [this.mean, this.std];
  }

  /** (x - mean) / std. */
  transform(x: Tensor): Tensor {
    const [m, s] = this.fitted('transform');
    if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`Standardizer.transform: x must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
    const c = x.sub(m);
    const out = c.div(s);
    c.dispose();
    return out;
  }

  /** x * std + mean. */
  inverse(x: Tensor): Tensor {
    const [m, s] = this.fitted('inverse');
    const c = x.mul(s);
    const out = c.add(m);
    c.dispose();
    return out;
  }

  /** Frees the fitted statistics. */
  dispose(): void {
    this.mean?.dispose(); this.std?.dispose();
    this.mean = this.std = null;
  }
}

/**
 * Random translation of [N, C, H, W] images by up to maxShift pixels each way, the
 * uncovered border filled with `fill` (data augmentation). Each of `groups` slices of the
 * batch gets its own shift (drawn from the seeded generator): a pad and two narrows per
 * slice, so a whole batch costs a few ops.
 * ```ts
 * const xa = data.randomShift(x, 2, { fill: -0.4242 });   // MNIST's normalized black
 * ```
 */
export function randomShift(x: Tensor, maxShift: number, o: { fill?: number; groups?: number } = {}): Tensor {
  if (!(x instanceof Tensor) || x.isDisposed) throw new Error(`randomShift: x must be a live Tensor, got ${x instanceof Tensor ? 'a disposed tensor' : typeof x}`);
  if (x.ndim !== 4) throw new Error(`randomShift: expected [N, C, H, W] images, got [${x.shape.join(', ')}]`);
  if (typeof maxShift !== 'number' || !Number.isSafeInteger(maxShift) || maxShift < 0)
    throw new Error(`randomShift: maxShift must be a non-negative integer, got ${typeof maxShift === 'number' ? maxShift : typeof maxShift}`);
  const [N, , H, W] = x.shape, m = maxShift;
  if (m === 0 || N === 0) return x;
  const p = x.pad([m, m, m, m], { value: o.fill ?? 0 });
  const g = Math.min(o.groups ?? 8, N);
  const shifts = randint(0, 2 * m + 1, [g, 2]).toArray() as number[][];
  const parts = shifts.map(([dy, dx], i) => {
    const lo = Math.floor((i * N) / g), hi = Math.floor(((i + 1) * N) / g);
    return p.narrow(0, lo, hi - lo).narrow(2, dy, H).narrow(3, dx, W);
  });
  return cat(parts, 0);
}
