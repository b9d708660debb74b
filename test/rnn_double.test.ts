// Double backward through nn.LSTM / nn.GRU (their native whole-layer scans): a gradient penalty
// sum(grad(L, x, createGraph)^2) differentiated w.r.t. every weight and the input, against
// torch float64 (scripts/gen_rnn_double_fixtures.py), and float64 gradchecks of the first gradient.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';

type Arr = { shape: number[]; data: number[] };
type Fix = { state: Record<string, Arr>; x: number[]; h0: number[]; c0: number[]; wout: number[]; wh: number[]; wc: number[];
  lengths: number[]; g: number[]; pen: number; dparams: Record<string, number[]>; dx: number[] };
const FIX: Record<string, Fix> = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'rnn_double.json'), 'utf8'));
const T = 5, B = 3, I = 3, H = 4;
const t64 = (v: number[], shape: number[]) => my.tensor(Float64Array.from(v)).reshape(shape);
const close = (got: my.Tensor, want: number[], tol: number, what: string) => {
  const g = got.contiguous().data() as Float64Array;
  expect(g.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst, what).toBeLessThan(tol);
};

function build(mode: 'LSTM' | 'GRU', f: Fix, P: number) {
  const m = new my.nn[mode](I, H, { numLayers: 2, bidirectional: true, dtype: 'float64', ...(P ? { projSize: P } : {}) });
  const sd: Record<string, my.Tensor> = {};
  for (const [k, v] of Object.entries(f.state)) sd[k] = t64(v.data, v.shape);
  m.loadStateDict(sd);
  return m;
}
/** L1 = sum(out * wout) + sum(hN * wh) (+ sum(cN * wc)), as the fixture script. */
function firstLoss(mode: 'LSTM' | 'GRU', m: my.nn.LSTM | my.nn.GRU, f: Fix, x: my.Tensor, packed: boolean, HO: number): my.Tensor {
  const h0 = t64(f.h0, [4, B, HO]), c0 = t64(f.c0, [4, B, H]);
  const inp = packed ? my.nn.utils.rnn.packPaddedSequence(x, f.lengths, { enforceSorted: false }) : x;
  const hx = mode === 'LSTM' ? [h0, c0] : h0;
  const [y, hn] = (m as unknown as { forward: (a: unknown, b: unknown) => [my.Tensor | my.nn.utils.rnn.PackedSequence, my.Tensor | my.Tensor[]] }).forward(inp, hx);
  const wout = t64(f.wout, [T, B, 2 * HO]);
  let l1: my.Tensor;
  if (packed) {
    const d = (y as my.nn.utils.rnn.PackedSequence).data;
    l1 = d.mul(wout.reshape([-1, 2 * HO]).narrow(0, 0, d.shape[0])).sum();
  } else l1 = (y as my.Tensor).mul(wout).sum();
  const wh = t64(f.wh, [4, B, HO]), wc = t64(f.wc, [4, B, H]);
  if (mode === 'LSTM') { const [hN, cN] = hn as my.Tensor[]; return l1.add(hN.mul(wh).sum()).add(cN.mul(wc).sum()); }
  return l1.add((hn as my.Tensor).mul(wh).sum());
}

describe('double backward through LSTM/GRU layers equals torch (gradient penalty, float64)', () => {
  // the last case, with projSize, runs the per-step fused cells (not the native scan)
  const cases = [['LSTM', false, 0], ['LSTM', true, 0], ['GRU', false, 0], ['GRU', true, 0], ['LSTM', true, 3]] as const;
  for (const [mode, packed, P] of cases) {
      it(`${mode}, 2 layers, bidirectional, ${packed ? 'packed (unsorted lengths)' : 'padded'}${P ? `, projSize ${P}` : ''}`, () => {
        const f = FIX[`${mode}_${packed ? 'packed' : 'padded'}${P ? '_proj' : ''}`];
        const m = build(mode, f, P);
        const x = t64(f.x, [T, B, I]).requiresGrad_();
        const [g] = my.autograd.grad(firstLoss(mode, m, f, x, packed, P || H), [x], { createGraph: true });
        close(g!, f.g, 1e-10, 'first-order dL/dx');
        const pen = g!.square().sum();
        expect(Math.abs((pen.item() as number) - f.pen) / f.pen).toBeLessThan(1e-10);
        const names = m.namedParameters().map(([n]) => n);
        const gs = my.autograd.grad(pen, [...m.parameters(), x]);
        names.forEach((n, k) => close(gs[k]!, f.dparams[n], 1e-9, `d pen / d ${n}`));
        close(gs[names.length]!, f.dx, 1e-9, 'd pen / dx');
      });
    }
});

describe('gradgradcheck: the first gradient of an LSTM/GRU layer against central differences (float64)', () => {
  for (const mode of ['LSTM', 'GRU'] as const)
    it(`${mode}: bidirectional packed, d(dL/dx)/d(x, W_hh, b_hh)`, () => {
      my.manualSeed(3);
      const m = new my.nn[mode](2, 3, { bidirectional: true, dtype: 'float64' });
      const x0 = my.randn([3, 2, 2], { dtype: 'float64' }).requiresGrad_();
      const wr = my.randn([3, 2, 6], { dtype: 'float64' });
      const whh = m.weight_hh_l0 as my.Tensor, bhh = m.bias_hh_l0_reverse as my.Tensor;
      // gradcheck perturbs under noGrad: the first gradient needs its graph, so enableGrad
      // (its perturbed copies need no grad: the first gradient is then taken w.r.t. a fresh leaf)
      const fn = (x0: my.Tensor, w: my.Tensor, b: my.Tensor) => my.enableGrad(() => {
        const x = x0.requiresGrad ? x0 : x0.detach().requiresGrad_();
        // w and b stand in for the parameters: copied in through the graph so the check can perturb them
        const p = my.nn.utils.rnn.packPaddedSequence(x, [3, 2], { enforceSorted: true });
        const ws = m.allWeights();
        const saved = [ws[0][0].wHh, ws[0][1].bHh];
        (m as unknown as Record<string, my.Tensor>).weight_hh_l0 = w;
        (m as unknown as Record<string, my.Tensor>).bias_hh_l0_reverse = b;
        try {
          const [y, h] = m.forward(p as never) as unknown as [my.nn.utils.rnn.PackedSequence, my.Tensor | my.Tensor[]];
          const hN = Array.isArray(h) ? h[0] : h;
          const l = y.data.mul(wr.reshape([-1, 6]).narrow(0, 0, y.data.shape[0])).sum().add(hN.square().sum());
          const [gx] = my.autograd.grad(l, [x], { createGraph: true });
          return gx!;
        } finally {
          (m as unknown as Record<string, my.Tensor>).weight_hh_l0 = saved[0];
          (m as unknown as Record<string, my.Tensor>).bias_hh_l0_reverse = saved[1];
        }
      });
      const w0 = whh.detach().clone().requiresGrad_(), b0 = bhh.detach().clone().requiresGrad_();
      // the stand-ins are really used: the first gradient depends on them
      const [dw, db] = my.autograd.grad(fn(x0, w0, b0).square().sum(), [w0, b0]);
      expect((dw!.abs().sum().item() as number)).toBeGreaterThan(1e-3);
      expect((db!.abs().sum().item() as number)).toBeGreaterThan(1e-3);
      expect(my.autograd.gradcheck(fn, [x0, w0, b0])).toBe(true);
    });
});
