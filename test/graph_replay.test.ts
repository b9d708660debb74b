// The replay plan of traced graphs (native/core/graph.cpp): runs after the first hand a
// released intermediate's buffer to later elementwise steps, and run small contiguous
// float32 add/sub/mul/div/maximum/minimum/relu/neg/abs/square through the graph's own loops.
// Each run must still give the eager ops' results to the bit, keep what it returned (and
// views of intermediates) untouched by later runs, and hold no tensor between runs.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { jit } from '../ts/index';

const bits = (t: my.Tensor): number[] => my.tidy(() => Array.from(new Uint32Array(new Float32Array(t.contiguous().data() as Float32Array).buffer)));
const f32 = (v: my.NestedArray): my.Tensor => my.tensor(v, { dtype: 'float32' });

describe('graph replay plan', () => {
  it('a chain of small ops gives the eager results to the bit on every run, and holds nothing between runs', () => {
    my.manualSeed(3);
    const c = my.randn(3, 4), s = my.randn(1), w = my.randn(3, 4);
    const f = (x: my.Tensor): my.Tensor => {
      let y = x.add(c).mul(s).sub(w).div(c.abs().add(0.5));
      for (let k = 0; k < 6; k++) y = y.relu().neg().add(x).maximum(w).minimum(c.square()).mul(1.25);
      return s.sub(y.neg());
    };
    const g = jit.trace(f, my.randn(3, 4));
    const before = my.memory().numTensors;
    for (let r = 0; r < 4; r++) {
      const x = my.randn(3, 4);
      const got = g.run(x) as my.Tensor, want = my.tidy(() => my.noGrad(() => f(x)));
      expect(bits(got)).toEqual(bits(want));
      got.dispose(); want.dispose(); x.dispose();
    }
    expect(my.memory().numTensors).toBe(before);
  });

  it('operands that broadcast only by leading size-1 dims (a bias [5] against [1, 5]) give eager\'s values and shapes', () => {
    my.manualSeed(5);
    const bias = my.randn(5), b3 = my.randn(1, 1, 5);
    const f = (x: my.Tensor): my.Tensor => x.add(bias).relu().mul(b3).sub(bias);
    const g = jit.trace(f, my.randn(1, 5));
    for (let r = 0; r < 3; r++) {
      const x = my.randn(1, 5);
      const got = g.run(x) as my.Tensor, want = my.noGrad(() => f(x));
      expect(got.shape).toEqual([1, 1, 5]);
      expect(bits(got)).toEqual(bits(want));
    }
  });

  it('NaN, signed zeros and infinities come out as eager (maximum, minimum, relu, div)', () => {
    const f = (x: my.Tensor, y: my.Tensor): my.Tensor => x.maximum(y).relu().add(x.minimum(y).div(y)).neg().abs();
    const x = f32([NaN, -0, 0, Infinity, -Infinity, 1, -2, 3]), y = f32([1, 0, -0, NaN, 2, 0, -0, -Infinity]);
    const g = jit.trace(f, [x, y]);
    for (let r = 0; r < 3; r++) expect(bits(g.run(x, y) as my.Tensor)).toEqual(bits(my.noGrad(() => f(x, y))));
  });

  it('outside the small float32 case (float64, int32, scalars, broadcasting, views, large) runs the ops themselves, as eager', () => {
    my.manualSeed(4);
    const big = my.randn(300, 300);  // 90,000 elements: past the replay's inline loops
    const row = my.randn(300), i32 = my.tensor([1, 2, 3], { dtype: 'int32' });
    const f = (x: my.Tensor, d: my.Tensor): my.Tensor[] => [
      x.add(row).relu().mul(big).transpose(0, 1).add(1.5).sub(x),
      d.mul(d).add(d).relu(),
      i32.add(i32).mul(i32),
    ];
    const g = jit.trace(f, [my.randn(300, 300), my.randn(5, { dtype: 'float64' })]);
    for (let r = 0; r < 3; r++) {
      const x = my.randn(300, 300), d = my.randn(5, { dtype: 'float64' });
      const got = g.run(x, d) as my.Tensor[], want = my.noGrad(() => f(x, d));
      expect(bits(got[0])).toEqual(bits(want[0]));
      expect(Array.from(got[1].data() as Float64Array)).toEqual(Array.from(want[1].data() as Float64Array));
      expect(Array.from(got[2].data() as Int32Array)).toEqual([2, 8, 18]);
    }
  });

  it('a returned view of an intermediate and earlier runs\' outputs are not overwritten by later runs', () => {
    const f = (x: my.Tensor): my.Tensor[] => {
      const a = x.mul(2);
      const v = a.reshape([4]);       // shares a's storage: a's buffer is not recycled
      const b = a.add(1).relu().neg();  // a is read for the last time here
      return [v, b.add(3).mul(b)];
    };
    const g = jit.trace(f, f32([[1, 2], [3, 4]]));
    const first = g.run(f32([[1, -2], [3, -4]])) as my.Tensor[];
    const firstBits = first.map(bits);
    for (let r = 0; r < 3; r++) {
      const x = my.randn(2, 2);
      const got = g.run(x) as my.Tensor[], want = my.noGrad(() => f(x));
      expect(got.map(bits)).toEqual(want.map(bits));
    }
    expect(first.map(bits)).toEqual(firstBits);
    expect(Array.from(first[0].data())).toEqual([2, -4, 6, -8]);
  });

  it('concurrent runAsync and run share the graph and each gets its own results', async () => {
    const c = my.randn(64);
    const f = (x: my.Tensor): my.Tensor => x.add(c).relu().mul(c).sub(x).maximum(c);
    const g = jit.trace(f, my.randn(64));
    const xs = Array.from({ length: 8 }, () => my.randn(64));
    const pending = xs.map((x) => g.runAsync(x));
    const sync = xs.map((x) => g.run(x) as my.Tensor);
    const asyncs = (await Promise.all(pending)) as my.Tensor[];
    xs.forEach((x, k) => {
      const want = bits(my.noGrad(() => f(x)));
      expect(bits(sync[k])).toEqual(want);
      expect(bits(asyncs[k])).toEqual(want);
    });
  });
});
