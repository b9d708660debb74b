// Native inverted dropout (native/cpu/random.cpp dropout_philox): the keep mask is a pure function
// of Philox counters reserved here, so the op is deterministic given its rng, never stores a mask,
// and is its own backward (ts/autograd/derivatives.ts runs it on the gradient with the same rng).
import { Tensor } from '../tensor';
import { call } from '../call';
import { native } from '../binding';
import { drawing } from '../rng';
import { tensorArg, showValue } from '../args';

/**
 * @internal Reserves the Philox counters of one dropout draw over n elements (4 elements per
 * counter) from the current generator and returns them as the op's rng input: int64 [seed, first
 * counter]. The generator advances as for any draw, so manualSeed repeats the mask.
 */
export function dropoutRng(n: number): Tensor {
  const count = BigInt(Math.ceil(n / 512) * 64);
  const [seed, offset] = drawing(() => {
    const [s, o] = native.rng_state();
    native.set_rng_state(s, BigInt.asUintN(64, o + count));
    return [s, o];
  });
  return call<Tensor>('from_array', [BigInt64Array.of(BigInt.asIntN(64, seed), BigInt.asIntN(64, offset)), [2], 'int64']);
}

/**
 * Inverted dropout of a float32/float64 CPU tensor with the mask fixed by `rng` (int64 [seed, first
 * counter], from {@link dropoutRng}): element i (logical order), r = i % 512 in tile t = floor(i / 512),
 * is kept, and scaled by 1 / (1 - p), when 16-bit half floor(r / 64) % 2 (low first) of word
 * floor(r / 128) of Philox block (seed, offset + 64 t + r % 64) is >= round(p * 2^16), so p resolves
 * to 2^-16. Returns a new contiguous tensor; differentiable in x (the gradient is this op on dy
 * with the same rng).
 */
export function dropoutPhilox(x: Tensor, p: number, rng: Tensor): Tensor {
  const op = 'dropoutPhilox';
  tensorArg(op, 'input', x); tensorArg(op, 'rng', rng);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`${op}: p must be between 0 and 1, got ${showValue(p)}`);
  return call<Tensor>('dropout_philox', [x, p, rng]);
}
