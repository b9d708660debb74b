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

describe('withSeed: a generator per async context', () => {
  const tick = () => new Promise((r) => setTimeout(r, 1));
  const vals = (t: m.Tensor) => Array.from(t.data() as Float32Array);

  it('repeats its stream and leaves the process generator where it was', () => {
    m.manualSeed(3);
    const before = m.getRngState();
    const a = m.withSeed(42, () => vals(m.randn([8])));
    expect(m.getRngState()).toEqual(before);                 // not moved by the draws inside
    const b = m.withSeed(42, () => vals(m.randn([8])));
    expect(b).toEqual(a);
    m.manualSeed(42);
    expect(vals(m.randn([8]))).toEqual(a);                     // the same stream as manualSeed(42)
  });

  it('concurrent handlers draw independent streams across awaits, whatever the interleaving', async () => {
    m.manualSeed(42);
    const ref = [vals(m.randn([4])), vals(m.rand([4])), Array.from(m.randperm(6).data() as BigInt64Array, Number)];
    const handler = (delay: number) => m.withSeed(42, async () => {
      const x = vals(m.randn([4]));
      for (let i = 0; i < delay; i++) await tick();
      const y = m.noGrad(() => vals(m.rand([4])));           // a nested scope shares the generator
      await tick();
      const z = Array.from(m.randperm(6).data() as BigInt64Array, Number);
      return [x, y, z];
    });
    const noise = (async () => { for (let i = 0; i < 5; i++) { m.randn([100]); await tick(); } })();  // the process generator moves meanwhile
    const [r1, r2, r3] = await Promise.all([handler(3), handler(0), handler(1)]);
    await noise;
    expect(r1).toEqual(ref); expect(r2).toEqual(ref); expect(r3).toEqual(ref);
  });

  it('manualSeed, getRngState and setRngState act on the context generator inside it', () => {
    const out = m.withSeed(1, () => {
      m.manualSeed(9);
      const s = m.getRngState();
      const a = vals(m.randn([5]));
      m.setRngState(s);
      return [s.seed, a, vals(m.randn([5]))] as const;
    });
    expect(out[0]).toBe(9n);
    expect(out[2]).toEqual(out[1]);
    m.manualSeed(9);
    expect(vals(m.randn([5]))).toEqual(out[1]);
    expect(() => m.withSeed(1, () => m.setRngState({ seed: -1n, offset: 0n }))).toThrow(/set_rng_state/);
  });

  it('dropout and module initialization draw from it too', () => {
    const run = () => m.withSeed(5, () => {
      const l = new m.nn.Linear(3, 4);
      return [...vals(l.weight), ...vals(m.nn.functional.dropout(m.ones([32]), 0.5, true))];
    });
    expect(run()).toEqual(run());
  });

  it('bad arguments are named errors', () => {
    for (const s of [-1, 1.5, NaN, '3', null]) expect(() => m.withSeed(s as number, () => 0)).toThrow(/withSeed: seed must be a non-negative integer/);
    expect(() => m.withSeed(1, 5 as unknown as () => number)).toThrow(/withSeed: fn must be a function, got 5/);
    expect(() => m.withSeed(1, () => m.manualSeed(-2))).toThrow(/manual_seed: seed must be a non-negative integer/);
  });
});
