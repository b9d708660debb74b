// The generator's state (getRngState / setRngState): restoring it repeats every later random
// op bit for bit, whatever was drawn in between; bad states are named errors.
import { describe, it, expect } from 'vitest';
import * as m from '../ts/index';

const draw = () => [m.randn([37]), m.rand([5, 3]), m.randint(0, 100, [9]), m.randperm(11)].map((t) => Array.from(t.data() as ArrayLike<number | bigint>, String).join());

describe('rng state', () => {
  it('setRngState(getRngState()) repeats the draws that followed, after other draws', () => {
    m.manualSeed(11);
    m.randn([3]);
    const s = m.getRngState();
    expect(s.seed).toBe(11n);
    const a = draw();
    m.randn([1000]);          // move the generator on
    m.manualSeed(5);          // and reseed it
    m.setRngState(s);
    expect(draw()).toEqual(a);
    expect(m.getRngState().offset).toBeGreaterThan(s.offset);
  });

  it('dropout masks repeat too (the module layer draws from the same generator)', () => {
    const x = m.ones([64]);
    const s = m.getRngState();
    const a = Array.from(m.nn.functional.dropout(x, 0.5, true).data() as Float32Array);
    m.setRngState(s);
    expect(Array.from(m.nn.functional.dropout(x, 0.5, true).data() as Float32Array)).toEqual(a);
  });

  it('bad states throw named errors', () => {
    const bad: unknown[] = [null, undefined, 3, 'x', {}, { seed: 1, offset: 2 }, { seed: 1n }, { seed: -1n, offset: 0n }, { seed: 1n, offset: 2n ** 64n }];
    for (const b of bad) expect(() => m.setRngState(b as m.RngState), String(b)).toThrow(/setRngState|set_rng_state/);
    m.setRngState({ seed: 2n ** 64n - 1n, offset: 0n });  // the whole range is a valid state
    expect(m.getRngState().seed).toBe(2n ** 64n - 1n);
  });
});
