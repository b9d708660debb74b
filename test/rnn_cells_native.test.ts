// The fused recurrent cells (lstmCell, gruCell: native lstm_cell / gru_cell and their
// backwards) against PyTorch (test/fixtures/rnn_cells.json, scripts/gen_rnn_cell_fixtures.py),
// float64 gradchecks (also through chained steps, where c_new's gradient joins h's), the
// createGraph path, and bad input as named errors.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, tensor, randn, cat, lstmCell, gruCell, lstmCellBackward, gruCellBackward, autograd, noGrad } from '../ts/index';
import { FIXTURE_DIR, baseTensor, compare, readResult, type TensorSpec, type Tol } from './helpers';

interface CellCase {
  cell: 'lstm' | 'gru'; name: string; dtype: 'float32' | 'float64'; B: number; H: number; useC: boolean;
  in: TensorSpec[]; out: TensorSpec[]; grad: TensorSpec[];
}
const FIX = JSON.parse(readFileSync(join(FIXTURE_DIR, 'rnn_cells.json'), 'utf8')) as { cases: CellCase[] };
// float32 gradients go through a few more roundings than torch's (products of activations
// in another order); forward values keep the default tolerance
const GRAD32: Tol = { rtol: 1e-5, atol: 2e-6 };

const expectClose = (t: Tensor, spec: TensorSpec, tol?: Tol, what = ''): void => {
  expect(compare(readResult(t), spec, tol), what).toEqual([]);
};
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requiresGrad_();

describe('lstmCell / gruCell against PyTorch', () => {
  for (const c of FIX.cases) {
    it(`${c.cell}_cell ${c.name}: outputs and gradients of xg, hg, ${c.cell === 'lstm' ? 'c' : 'h'}`, () => {
      const [xg, hg, s0] = c.in.slice(0, 3).map((s) => baseTensor(s).requiresGrad_());
      const [wh, wc] = c.in.slice(3).map(baseTensor);
      let loss: Tensor;
      if (c.cell === 'lstm') {
        const [h, cNew] = lstmCell(xg, hg, s0);
        expectClose(h, c.out[0], undefined, 'h');
        expectClose(cNew, c.out[1], undefined, 'c_new');
        loss = h.mul(wh).sum();
        if (c.useC) loss = loss.add(cNew.mul(wc).sum());
      } else {
        const h = gruCell(xg, hg, s0);
        expectClose(h, c.out[0], undefined, 'h_new');
        loss = h.mul(wh).sum();
      }
      loss.backward();
      const tol = c.dtype === 'float32' ? GRAD32 : undefined;
      [xg, hg, s0].forEach((t, k) => expectClose(t.grad!, c.grad[k], tol, `grad ${['xg', 'hg', 'state'][k]}`));
    });
  }
});

describe('gradcheck (float64)', () => {
  const B = 2, H = 3;
  it('lstmCell: h and c_new together, h alone, c_new alone', () => {
    const ins = [f64([B, 4 * H]), f64([B, 4 * H]), f64([B, H])];
    expect(autograd.gradcheck((xg, hg, c) => cat(lstmCell(xg, hg, c), 1), ins)).toBe(true);
    expect(autograd.gradcheck((xg, hg, c) => lstmCell(xg, hg, c)[0], ins)).toBe(true);
    expect(autograd.gradcheck((xg, hg, c) => lstmCell(xg, hg, c)[1], ins)).toBe(true);
  });
  it('lstmCell: two chained steps (step 2 reads h1 through a projection and c1 directly)', () => {
    const w = randn([4 * H, H], { dtype: 'float64' });
    const ins = [f64([B, 4 * H]), f64([B, 4 * H]), f64([B, 4 * H]), f64([B, H])];
    const two = (x1: Tensor, x2: Tensor, hg1: Tensor, c0: Tensor): Tensor => {
      const [h1, c1] = lstmCell(x1, hg1, c0);
      const [h2, c2] = lstmCell(x2, h1.matmul(w.T), c1);
      return cat([h2, c2.mul(0.5), h1], 1);  // h1 also used directly: both of its gradients add up
    };
    expect(autograd.gradcheck(two, ins)).toBe(true);
  });
  it('gruCell, alone and in two chained steps', () => {
    const ins = [f64([B, 3 * H]), f64([B, 3 * H]), f64([B, H])];
    expect(autograd.gradcheck((xg, hg, h) => gruCell(xg, hg, h), ins)).toBe(true);
    const w = randn([3 * H, H], { dtype: 'float64' });
    const two = (x1: Tensor, x2: Tensor, h0: Tensor): Tensor => {
      const h1 = gruCell(x1, h0.matmul(w.T), h0);
      return gruCell(x2, h1.matmul(w.T), h1);
    };
    expect(autograd.gradcheck(two, [f64([B, 3 * H]), f64([B, 3 * H]), f64([B, H])])).toBe(true);
  });
});

describe('createGraph', () => {
  // under createGraph the rows run their Tensor-op form: same first derivatives, and the
  // second derivative matches central differences of the native first derivative
  const eps = 1e-6;
  const cases: [string, (x: Tensor, hg: Tensor, s: Tensor) => Tensor, number][] = [
    ['lstmCell', (x, hg, c) => { const [h, cn] = lstmCell(x, hg, c); return h.square().sum().add(cn.mul(h).sum()); }, 4],
    ['gruCell', (x, hg, h) => gruCell(x, hg, h).square().sum(), 3],
  ];
  for (const [name, loss, k] of cases) {
    it(`${name}: first derivatives equal the native backward's, second ones central differences`, () => {
      const x = f64([2, k * 3]), hg = f64([2, k * 3]), s = f64([2, 3]);
      const [g1] = autograd.grad([loss(x, hg, s)], [x], { createGraph: true });
      const [g0] = autograd.grad([loss(x, hg, s)], [x]);
      expect(g1!.requiresGrad).toBe(true);
      expect(g1!.sub(g0!).abs().max().item()).toBeLessThan(1e-12);
      const v = randn([2, k * 3], { dtype: 'float64' });
      const [hv] = autograd.grad([g1!.mul(v).sum()], [s]);  // d/ds (dL/dx . v)
      const base = Float64Array.from(s.data() as Float64Array);
      const at = (i: number, d: number): number => {
        const p = base.slice(); p[i] += d;
        const xx = x.detach().requiresGrad_();
        const [gx] = autograd.grad([loss(xx, hg.detach(), tensor(p, { shape: [2, 3], dtype: 'float64' }))], [xx]);
        return noGrad(() => gx!.mul(v).sum().item());
      };
      const hvd = hv!.data() as Float64Array;
      for (let i = 0; i < base.length; i++) expect(Math.abs(hvd[i] - (at(i, eps) - at(i, -eps)) / (2 * eps))).toBeLessThan(1e-5);
    });
  }
});

describe('backward details', () => {
  it('an in-place change to c after lstmCell makes backward throw, as torch', () => {
    const xg = f64([1, 4]), hg = f64([1, 4]), c = randn([1, 1], { dtype: 'float64' }).requiresGrad_();
    const c2 = c.mul(1);
    const [h] = lstmCell(xg, hg, c2);
    c2.add_(1);
    expect(() => h.sum().backward()).toThrow(/modified by an inplace operation/);
  });
  it('dgates is the gradient of xg and hg alike; gruCell dhg differs in the n gate only', () => {
    const xg = f64([2, 8]), hg = f64([2, 8]), c = f64([2, 2]);
    const [h, cn] = lstmCell(xg, hg, c);
    h.add(cn).sum().backward();
    expect(xg.grad!.sub(hg.grad!).abs().max().item()).toBe(0);
    const x3 = f64([2, 6]), h3 = f64([2, 6]), s = f64([2, 2]);
    gruCell(x3, h3, s).sum().backward();
    const d = x3.grad!.sub(h3.grad!).abs().amax(0).data() as Float64Array;
    expect([...d.slice(0, 4)]).toEqual([0, 0, 0, 0]);
    expect(Math.min(d[4], d[5])).toBeGreaterThan(0);
  });
  it('lstmCellBackward with dh or dc absent equals zeros given', () => {
    const c = randn([3, 2]), cn = randn([3, 2]), ws = randn([3, 8]).sigmoid(), g = randn([3, 2]), z = randn([3, 2]).mul(0);
    const [a1, b1] = lstmCellBackward(null, g, c, cn, ws), [a2, b2] = lstmCellBackward(z, g, c, cn, ws);
    const [a3, b3] = lstmCellBackward(g, null, c, cn, ws), [a4, b4] = lstmCellBackward(g, z, c, cn, ws);
    for (const [p, q] of [[a1, a2], [b1, b2], [a3, a4], [b3, b4]]) expect(p.sub(q).abs().max().item()).toBe(0);
  });
});

describe('bad input is a named error', () => {
  const t = (shape: number[], dtype: 'float32' | 'float64' | 'int64' | 'int32' = 'float32'): Tensor => randn(shape).to(dtype);
  const cases: [string, () => unknown, RegExp][] = [
    ['lstm: GRU-shaped gates (3H, H = 2)', () => lstmCell(t([2, 6]), t([2, 6]), t([2, 2])), /lstm_cell: xg's last dim must be 4H .*\[2, 6\]/],
    ['lstm: GRU-shaped gates (3H, H = 4)', () => lstmCell(t([2, 12]), t([2, 12]), t([2, 4])), /lstm_cell: expected c of shape \[2, 3\] \(\[B, H\]\), got \[2, 4\]/],
    ['lstm: batch mismatch of c', () => lstmCell(t([2, 8]), t([2, 8]), t([3, 2])), /lstm_cell: expected c of shape \[2, 2\] .*got \[3, 2\]/],
    ['lstm: xg and hg differ', () => lstmCell(t([2, 8]), t([3, 8]), t([2, 2])), /lstm_cell: xg \[2, 8\] and hg \[3, 8\] must have one shape/],
    ['lstm: dtype mismatch', () => lstmCell(t([2, 8]), t([2, 8], 'float64'), t([2, 2])), /lstm_cell: hg has dtype float64 but the first operand float32/],
    ['lstm: int tensors', () => lstmCell(t([2, 8], 'int64'), t([2, 8], 'int64'), t([2, 2], 'int64')), /lstm_cell: xg must be float32 or float64, got int64/],
    ['lstm: 1-D gates', () => lstmCell(t([8]), t([8]), t([2])), /lstm_cell: expected xg of 2 dims \[B, \*\], got \[8\]/],
    ['lstm: not a tensor', () => lstmCell(t([2, 8]), [1, 2] as unknown as Tensor, t([2, 2])), /lstmCell: hg must be a Tensor/],
    ['lstm: disposed', () => { const c = t([2, 2]); c.dispose(); return lstmCell(t([2, 8]), t([2, 8]), c); }, /lstmCell: .*disposed|lstm_cell: .*disposed/],
    ['gru: LSTM-shaped gates (4H)', () => gruCell(t([2, 8]), t([2, 8]), t([2, 2])), /gru_cell: expected h of shape \[2, 2\] .*\(\[B, H\]\)|gru_cell: xg's last dim must be 3H .*\[2, 8\]/],
    ['gru: batch mismatch', () => gruCell(t([2, 6]), t([2, 6]), t([1, 2])), /gru_cell: expected h of shape \[2, 2\] .*got \[1, 2\]/],
    ['gru: dtype mismatch', () => gruCell(t([2, 6]), t([2, 6]), t([2, 2], 'float64')), /gru_cell: h has dtype float64/],
    ['gru: int32 tensors', () => gruCell(t([2, 6], 'int32'), t([2, 6], 'int32'), t([2, 2], 'int32')), /gru_cell: xg must be float32 or float64, got int32/],
    ['gru: disposed', () => { const x = t([2, 6]); x.dispose(); return gruCell(x, t([2, 6]), t([2, 2])); }, /gruCell: .*disposed|gru_cell: .*disposed/],
    ['lstm backward: workspace 3H', () => lstmCellBackward(t([2, 2]), null, t([2, 2]), t([2, 2]), t([2, 6])), /lstm_cell_backward: expected workspace of shape \[2, 8\] .*got \[2, 6\]/],
    ['lstm backward: dc of another batch', () => lstmCellBackward(null, t([3, 2]), t([2, 2]), t([2, 2]), t([2, 8])), /lstm_cell_backward: expected dc of shape \[2, 2\] .*got \[3, 2\]/],
    ['gru backward: workspace 4H', () => gruCellBackward(t([2, 2]), t([2, 8])), /gru_cell_backward: expected workspace of shape \[2, 10\] .*got \[2, 8\]/],
    ['gru backward: 0-d', () => gruCellBackward(t([]), t([2, 10])), /gru_cell_backward: expected dh_new of 2 dims/],
  ];
  for (const [name, fn, re] of cases) it(name, () => expect(fn).toThrow(re));
});
