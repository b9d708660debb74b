// LSTM and GRU over 80 time steps (more than the binding's 64-entry limit for shape lists):
// the native scans take one batch_sizes entry per step. References: torch.nn.LSTM/GRU in
// float64, bidirectional, batch_first (scripts/gen_rnn_long_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';

type Fix = { state: Record<string, { shape: number[]; data: number[] }>; x: number[]; y: number[]; dx: number[] };
const FIX: Record<string, Fix> = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'rnn_long.json'), 'utf8'));

describe('RNN layers over more than 64 steps give torch\'s outputs and input gradients', () => {
  for (const mode of ['LSTM', 'GRU'] as const) {
    it(`${mode}: 80 steps, bidirectional, float64`, () => {
      const f = FIX[mode];
      const m = new my.nn[mode](3, 4, { batchFirst: true, bidirectional: true, dtype: 'float64' });
      const sd: Record<string, my.Tensor> = {};
      for (const [k, v] of Object.entries(f.state)) sd[k] = my.tensor(Float64Array.from(v.data)).reshape(v.shape);
      m.loadStateDict(sd);
      const x = my.tensor(Float64Array.from(f.x)).reshape([2, 80, 3]).requiresGrad_();
      const [y] = m.forward(x) as [my.Tensor, unknown];
      expect(y.shape).toEqual([2, 80, 8]);
      const yv = y.data() as Float64Array;
      for (let i = 0; i < yv.length; i++) expect(Math.abs(yv[i] - f.y[i])).toBeLessThan(1e-10);
      y.sum().backward();
      const g = x.grad!.data() as Float64Array;
      for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - f.dx[i])).toBeLessThan(1e-10);
    });
  }
  it('a batch_sizes list beyond 2^24 entries is a named error, not a crash', () => {
    const big = new Array(2 ** 24 + 1).fill(1);
    expect(() => my.gruScan(my.zeros(4, 3), my.zeros(1, 1), my.zeros(3, 1), null, big)).toThrow(/^gru_scan: argument 4 has more than 16777216 entries/);
  });
});
