// The random generator as the code that runs sees it: the process's (native, one per JS
// thread), or a context's own from withSeed(), which follows awaits (ts/context.ts) so that
// concurrent handlers draw independent, repeatable streams. Every random op draws through
// drawing(): a context generator is swapped into the native one for the draw and back out.
import { native } from './binding';
import { ctx, runInChild } from './context';
import { showValue } from './args';

/** The random generator's state (its seed and how many counters it has drawn), as torch.get_rng_state. */
export interface RngState { seed: bigint; offset: bigint }

/** @internal Runs a random draw `f` against the current context's generator. */
export function drawing<T>(f: () => T): T {
  const r = ctx().rng;
  if (r === null) return f();
  const [gs, go] = native.rng_state();
  native.set_rng_state(r.seed, r.offset);
  try { return f(); } finally {
    const [s, o] = native.rng_state();
    r.seed = s; r.offset = o;
    native.set_rng_state(gs, go);
  }
}

const seedArg = (op: string, seed: unknown): number => {
  if (typeof seed !== 'number' || !(seed >= 0) || !Number.isSafeInteger(seed)) throw new Error(`${op}: seed must be a non-negative integer, got ${showValue(seed)}`);
  return seed;
};

/** Seeds the generator (the current context's, inside withSeed): the same seed repeats every random op bit for bit. */
export function manualSeed(seed: number): void {
  const r = ctx().rng;
  if (r === null) { native.manual_seed(seed); return; }
  r.seed = BigInt(seedArg('manual_seed', seed)); r.offset = 0n;
}

/**
 * The generator's state now (the current context's, inside withSeed); {@link setRngState}
 * with it repeats every later random op.
 * ```ts
 * const s = getRngState(); const a = randn(3); setRngState(s); const b = randn(3); // a equals b
 * ```
 */
export function getRngState(): RngState {
  const r = ctx().rng;
  if (r !== null) return { seed: r.seed, offset: r.offset };
  const [seed, offset] = native.rng_state();
  return { seed, offset };
}

/** Restores a state from {@link getRngState}. */
export function setRngState(state: RngState): void {
  if (state === null || typeof state !== 'object') throw new Error(`setRngState: expected { seed, offset } from getRngState(), got ${showValue(state)}`);
  const r = ctx().rng;
  if (r === null) { native.set_rng_state(state.seed, state.offset); return; }
  const [gs, go] = native.rng_state();
  native.set_rng_state(state.seed, state.offset);  // validates both
  native.set_rng_state(gs, go);
  r.seed = state.seed; r.offset = state.offset;
}

/**
 * Runs `fn` (sync or async) with a generator of its own, seeded `seed`: its random ops, and
 * those of everything it awaits, draw from that stream, neither moving the process's
 * generator nor seeing draws made meanwhile by other handlers. Returns what `fn` returns.
 * ```ts
 * // two requests in flight draw the same noise, whatever their interleaving
 * const [a, b] = await Promise.all([withSeed(7, async () => { await tick(); return randn(3); }),
 *                                   withSeed(7, async () => randn(3))]);
 * ```
 */
export function withSeed<T>(seed: number, fn: () => T): T {
  const s = BigInt(seedArg('withSeed', seed));
  if (typeof fn !== 'function') throw new Error(`withSeed: fn must be a function, got ${showValue(fn)}`);
  return runInChild({ rng: { seed: s, offset: 0n } }, fn);
}
