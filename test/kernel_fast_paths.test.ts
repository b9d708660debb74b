// The float32 fast paths behind the kernels that had fallen behind PyTorch (sum, softmax):
// the same answers as float64 references computed here in JS, at the lengths where their
// vector blocks and scalar tails meet.
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';

/** Deterministic float32 values: a large offset plus a spread, as Float32Array. */
function values(n: number, seed: number, offset = 0): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = offset + (s / 2 ** 32 - 0.5) * 8;
  }
  return v;
}
/** The float64 sum of float32 values (compensated), rounded to float32 as torch returns it. */
function refSum(v: Float32Array): number {
  let s = 0, c = 0;
  for (const x of v) { const y = x - c, t = s + y; c = (t - s) - y; s = t; }
  return Math.fround(s);
}
const ulp32 = (x: number): number => {
  const a = Math.abs(Math.fround(x));
  return a === 0 ? 1.4e-45 : Math.fround(a * (1 + 2 ** -23)) - a || 2 ** -149;
};

describe('sum', () => {
  // 64 is one vector step, 2048 one block of float lanes: both edges and their tails
  const lengths = [0, 1, 63, 64, 65, 2047, 2048, 2049, 4096 + 64 * 3 + 5, 100003];
  it.each(lengths)('float32 sum of %i elements matches the float64 sum within 2 ulp', (n) => {
    // an offset of 1e4 makes a plain float accumulator drift far past 2 ulp at 1e5 elements
    const v = values(n, n + 1, 1e4);
    const got = my.tensor(v).sum().item() as number;
    expect(Math.abs(got - refSum(v))).toBeLessThanOrEqual(2 * ulp32(refSum(v)));
  });
  it('float32 sum and mean along the last dim of [3, 5000] match per-row references', () => {
    const v = values(15000, 7, -300);
    const t = my.tensor(v).reshape([3, 5000]);
    const sums = t.sum(1).toArray() as number[], means = t.mean(1).toArray() as number[];
    for (let r = 0; r < 3; r++) {
      const ref = refSum(v.subarray(r * 5000, (r + 1) * 5000));
      expect(Math.abs(sums[r] - ref)).toBeLessThanOrEqual(2 * ulp32(ref));
      expect(means[r]).toBeCloseTo(ref / 5000, 3);
    }
  });
  it('keeps NaN and infinities', () => {
    const v = values(5000, 3);
    v[4000] = NaN;
    expect(Number.isNaN(my.tensor(v).sum().item())).toBe(true);
    v[4000] = Infinity;
    expect(my.tensor(v).sum().item()).toBe(Infinity);
    v[10] = -Infinity;
    expect(Number.isNaN(my.tensor(v).sum().item())).toBe(true);
  });
});

describe('softmax', () => {
  function refSoftmax(row: Float32Array, log: boolean): number[] {
    const m = Math.max(...row);
    const s = row.reduce((a, x) => a + Math.exp(x - m), 0);
    return Array.from(row, (x) => (log ? x - m - Math.log(s) : Math.exp(x - m) / s));
  }
  // 32 is one step of the vector max; 1029 has a scalar tail of 5
  it.each([1, 31, 32, 33, 100, 1029])('float32 softmax and logSoftmax of rows of %i match float64 references', (n) => {
    const v = values(4 * n, n, 3);
    const t = my.tensor(v).reshape([4, n]);
    for (const log of [false, true]) {
      const y = (log ? t.logSoftmax(1) : t.softmax(1)).toArray() as number[][];
      for (let r = 0; r < 4; r++) {
        const ref = refSoftmax(v.subarray(r * n, (r + 1) * n), log);
        for (let k = 0; k < n; k++) expect(Math.abs(y[r][k] - ref[k])).toBeLessThanOrEqual(log ? 2e-6 * (1 + Math.abs(ref[k])) : 1e-6 * ref[k] + 1e-9);
      }
    }
  });
  it('a row with a NaN, +inf, or only -inf is NaN throughout (as torch), the others unchanged', () => {
    const n = 100;
    const v = values(4 * n, 9);
    v[37] = NaN;  // row 0, inside the vector part
    v[n + 99] = Infinity;  // row 1, in the scalar tail
    for (let k = 0; k < n; k++) v[2 * n + k] = -Infinity;  // row 2
    const y = my.tensor(v).reshape([4, n]).softmax(1).toArray() as number[][];
    for (let r = 0; r < 3; r++) expect(y[r].every(Number.isNaN)).toBe(true);
    const ref = refSoftmax(v.subarray(3 * n), false);
    y[3].forEach((p, k) => expect(p).toBeCloseTo(ref[k], 6));
  });
});

