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

describe('packing records one gather, not a node per step', () => {
  it('packPaddedSequence and padPackedSequence are one index_select each in the autograd graph', () => {
    const x = my.randn(3, 70, 2).requiresGrad_();
    const p = my.nn.utils.rnn.packPaddedSequence(x, [70, 20, 45], { batchFirst: true, enforceSorted: false });
    expect(p.data.gradFn!.name).toBe('index_select');
    const [y] = my.nn.utils.rnn.padPackedSequence(p, { batchFirst: true, totalLength: 72 });
    expect(y.shape).toEqual([3, 72, 2]);
    expect(['index_select', 'reshape', 'view']).toContain(y.gradFn!.name);
    // the round trip keeps each sequence's steps and zeroes the padding; the gradient reaches only real steps
    const xv = x.data() as Float32Array, yv = y.data() as Float32Array;
    const lens = [70, 20, 45];
    for (let b = 0; b < 3; b++) for (let t = 0; t < 72; t++) for (let c = 0; c < 2; c++)
      expect(yv[(b * 72 + t) * 2 + c]).toBe(t < lens[b] ? xv[(b * 70 + t) * 2 + c] : 0);
    y.sum().backward();
    const g = x.grad!.data() as Float32Array;
    for (let b = 0; b < 3; b++) for (let t = 0; t < 70; t++) expect(g[(b * 70 + t) * 2]).toBe(t < lens[b] ? 1 : 0);
  });
});
