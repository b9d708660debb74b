// float32 softmax over a last dim of an output of 8 MB and more, which native/cpu/reduce.cpp
// writes with streaming stores from a scratch row (and its inline vector exp): against the
// float64 softmax, with odd row lengths (rows starting off the 32-byte boundary), -inf
// entries (exactly 0), an all -inf row and a NaN row (NaN, as torch), and the same values
// as the cached path of a small softmax.
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';

describe('float32 softmax, large outputs (streaming stores)', () => {
  it('matches float64 on [2048, 1031] with -inf, all -inf and NaN rows', () => {
    my.manualSeed(3);
    const x = my.randn([2048, 1031]).mul(4);
    const data = x.data() as Float32Array;
    for (let k = 0; k < 1031; k += 3) data[5 * 1031 + k] = -Infinity;
    data.fill(-Infinity, 7 * 1031, 8 * 1031);
    data[9 * 1031 + 100] = NaN;
    const xi = my.tensor(data).reshape([2048, 1031]);
    const y = xi.softmax(1);
    const ref = xi.to('float64').softmax(1);
    const yv = y.data() as Float32Array, rv = ref.data() as Float64Array;
    let maxErr = 0;
    for (let i = 0; i < yv.length; i++) {
      const row = Math.floor(i / 1031);
      if (row === 7 || row === 9) { expect(Number.isNaN(yv[i])).toBe(true); continue; }
      if (row === 5 && (i % 1031) % 3 === 0) { expect(yv[i]).toBe(0); continue; }
      maxErr = Math.max(maxErr, Math.abs(yv[i] - rv[i]) / Math.max(rv[i], 1e-30) * (rv[i] > 1e-30 ? 1 : 0));
    }
    expect(maxErr).toBeLessThan(5e-6);
    // rows sum to 1
    const sums = y.narrow(0, 10, 100).sum(1).data() as Float32Array;
    for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(2e-6);
  });

  it('gives the small (cached) path\'s values row for row', () => {
    my.manualSeed(4);
    const x = my.randn([2100, 1024]);
    const big = x.softmax(-1), small = x.narrow(0, 0, 64).softmax(-1);
    expect(big.narrow(0, 0, 64).sub(small).abs().max().item()).toBe(0);
  });
});
