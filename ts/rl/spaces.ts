// Action and observation spaces as gymnasium defines them: Discrete(n, start) and Box(low, high)
// with sample() (from the space's own seeded generator) and contains().
import { Generator } from '../data/random';
import { showValue } from '../args';

export interface Space<T> {
  sample(): T;
  contains(x: unknown): boolean;
  /** Reseeds the space's sampler (gymnasium's space.seed). */
  seed(seed: number): void;
  toString(): string;
}

/**
 * Integers start, ..., start + n - 1.
 * ```ts
 * const s = new rl.Discrete(2); s.contains(1); // true
 * ```
 */
export class Discrete implements Space<number> {
  private g: Generator;
  constructor(readonly n: number, readonly start = 0, seed?: number) {
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`Discrete: n must be a positive integer, got ${showValue(n)}`);
    if (!Number.isSafeInteger(start)) throw new Error(`Discrete: start must be an integer, got ${showValue(start)}`);
    this.g = new Generator(seed ?? Math.floor(Math.random() * 2 ** 32));
  }
  sample(): number { return this.start + Math.floor(this.g.next() * this.n); }
  contains(x: unknown): boolean { return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n; }
  seed(seed: number): void { this.g = new Generator(seed); }
  toString(): string { return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`; }
}

/**
 * A box of float32 vectors low <= x <= high (bounds may be infinite). sample() draws as gymnasium
 * does: uniform where both bounds are finite, normal where neither is, shifted exponential where one is.
 */
export class Box implements Space<Float32Array> {
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly shape: number[];
  private g: Generator;
  constructor(low: ArrayLike<number>, high: ArrayLike<number>, seed?: number) {
    if (low.length !== high.length || low.length === 0) throw new Error(`Box: low and high must be non-empty and of one length, got ${low.length} and ${high.length}`);
    this.low = Float32Array.from(low); this.high = Float32Array.from(high);
    for (let i = 0; i < low.length; i++)
      if (!(this.low[i] <= this.high[i])) throw new Error(`Box: low[${i}] = ${this.low[i]} is above high[${i}] = ${this.high[i]}`);
    this.shape = [low.length];
    this.g = new Generator(seed ?? Math.floor(Math.random() * 2 ** 32));
  }
  private normal(): number { return Math.sqrt(-2 * Math.log(1 - this.g.next())) * Math.cos(2 * Math.PI * this.g.next()); }
  sample(): Float32Array {
    const out = new Float32Array(this.low.length);
    for (let i = 0; i < out.length; i++) {
      const lo = this.low[i], hi = this.high[i];
      const fl = Number.isFinite(lo), fh = Number.isFinite(hi);
      if (fl && fh) out[i] = lo + this.g.next() * (hi - lo);
      else if (!fl && !fh) out[i] = this.normal();
      else if (fl) out[i] = lo - Math.log(1 - this.g.next());
      else out[i] = hi + Math.log(1 - this.g.next());
    }
    return out;
  }
  contains(x: unknown): boolean {
    if (!(x instanceof Float32Array || x instanceof Float64Array || Array.isArray(x)) || x.length !== this.low.length) return false;
    for (let i = 0; i < x.length; i++) {
      const v = Math.fround(x[i] as number);
      if (typeof x[i] !== 'number' || !(v >= this.low[i] && v <= this.high[i])) return false;
    }
    return true;
  }
  seed(seed: number): void { this.g = new Generator(seed); }
  toString(): string { return `Box(${Array.from(this.low).join(', ')}; ${Array.from(this.high).join(', ')}, (${this.low.length},), float32)`; }
}
