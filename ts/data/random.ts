// A small seeded PRNG for data shuffling, independent of the tensor generator's stream.
import { randint } from '../creation';
import { showValue } from '../args';

/** mulberry32: 32-bit state, fast, good enough for permutations. */
export class Generator {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** Seeded from `seed`, or (when absent) from myelin's global generator so manualSeed() repeats runs. */
  static fromSeed(seed?: number, who = 'Generator'): Generator {
    if (seed !== undefined) {
      if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`${who}: seed must be a finite number, got ${typeof seed === 'number' ? seed : typeof seed}`);
      return new Generator(seed);
    }
    const t = randint(0, 2 ** 31 - 1, [1]);
    const s = Number(t.item());
    t.dispose();
    return new Generator(s);
  }
  /** Uniform on [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** The whole state (one 32-bit integer): {@link loadStateDict} with it repeats every later draw. */
  stateDict(): { state: number } { return { state: this.s }; }
  /**
   * Restores a state from {@link stateDict} (checkpoints: the next epoch's shuffle after a resume).
   * ```ts
   * const s = g.stateDict(); const a = g.next(); g.loadStateDict(s); // g.next() === a
   * ```
   */
  loadStateDict(sd: { state: number }): void {
    const v = sd !== null && typeof sd === 'object' ? sd.state : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
      throw new Error(`Generator.loadStateDict: expected { state: an integer in [0, 2^32) } from stateDict(), got ${showValue(sd === null || typeof sd !== 'object' ? sd : v)}`);
    this.s = v;
  }
  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = p[i]; p[i] = p[j]; p[j] = tmp;
    }
    return p;
  }
}
