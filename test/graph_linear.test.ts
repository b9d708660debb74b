// The replay plan's fused linear layer (native/core/graph.cpp plan_chains, gemv_f32.h): a
// traced transpose(W) -> matmul -> add(bias) -> relu runs at batch 1 as one GEMV pass over W.
// Its sums are in another order than eager's GEMV, so results must match a float64
// reference as closely as eager's do (float32 rounding), on every run after the first (the
// fused ones); layouts it does not take (batch > 1, float64, intermediates read twice or
// returned) must still give eager's results to the bit.
import { describe, it, expect } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as my from '../ts/index';
import { jit } from '../ts/index';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;  // tensors left to the GC would blur the live count
const vals = (t: my.Tensor): number[] => my.tidy(() => Array.from(t.contiguous().data() as Float32Array, Number));
const bits = (t: my.Tensor): number[] => my.tidy(() => Array.from(new Uint32Array(new Float32Array(t.contiguous().data() as Float32Array).buffer)));
/** Elementwise equal to eager's values within float32 rounding (NaN where eager has NaN). */
function close(got: my.Tensor, want: my.Tensor, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  const g = vals(got), w = vals(want);
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i]) || !Number.isFinite(w[i])) expect(Object.is(g[i], w[i]), `${what} [${i}]: ${g[i]} vs ${w[i]}`).toBe(true);
    else expect(Math.abs(g[i] - w[i]), `${what} [${i}]`).toBeLessThan(1e-5 * (1 + Math.abs(w[i])));
  }
}

/** relu?(x Wᵀ + b) in float64 from the float32 values: x [1, K], W [N, K], b [N]. */
function ref64(x: number[], w: number[], b: number[] | null, n: number, relu: boolean): number[] {
  const k = x.length, y: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = b ? b[i] : 0;
    for (let j = 0; j < k; j++) s += w[i * k + j] * x[j];
    y.push(relu ? Math.max(s, 0) : s);
  }
  return y;
}
/** Largest error against ref, in units of the float32 rounding bound of a K-term dot product. */
function err(got: number[], ref: number[], scale: number[]): number {
  let e = 0;
  for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(got[i] - ref[i]) / (scale[i] * 2 ** -24 + 1e-30));
  return e;
}

describe('graph replay: fused linear layers at batch 1', () => {
  it('the MNIST MLP (784-256-128-10, eval) matches eager within float32 rounding on every run', () => {
    my.manualSeed(11);
    const { Sequential, Linear, ReLU, Dropout } = my.nn;
    const l1 = new Linear(784, 256), l2 = new Linear(256, 128), l3 = new Linear(128, 10);
    const m = new Sequential(l1, new ReLU(), new Dropout(0.2), l2, new ReLU(), new Dropout(0.2), l3).eval();
    const x0 = my.randn(1, 784), g = jit.trace(m, x0);
    x0.dispose();
    gc();
    const before = my.memory().numTensors;
    const w = [l1, l2, l3].map((l) => vals(l.weight)), b = [l1, l2, l3].map((l) => vals(l.bias!));
    for (let r = 0; r < 4; r++) {
      const x = my.randn(1, 784);
      const got = g.run(x) as my.Tensor, want = my.tidy(() => my.noGrad(() => m.forward(x)) as my.Tensor);
      expect(got.shape).toEqual([1, 10]);
      expect(got.dtype).toBe('float32');
      // float64 reference layer by layer from the graph's own float32 activations is not
      // observable; instead the whole net in float64, with the error bound of its sums
      let h = vals(x);
      let scale = h.map(Math.abs);
      for (let l = 0; l < 3; l++) {
        const n = b[l].length, relu = l < 2;
        const s = ref64(scale, w[l].map(Math.abs), b[l].map(Math.abs), n, false);
        h = ref64(h, w[l], b[l], n, relu);
        scale = s.map((v) => v * 1.001);
      }
      const kTerms = 784 * 3;
      expect(err(vals(got), h, scale)).toBeLessThan(kTerms);
      expect(err(vals(want), h, scale)).toBeLessThan(kTerms);
      // and close to eager in absolute terms
      const gv = vals(got), wv = vals(want);
      for (let i = 0; i < 10; i++) expect(Math.abs(gv[i] - wv[i])).toBeLessThan(1e-5 * (1 + Math.abs(wv[i])));
      got.dispose(); want.dispose(); x.dispose();
    }
    gc();
    expect(my.memory().numTensors).toBe(before);
  });

  it('each layer alone is within float32 rounding of float64, with and without bias and relu, odd sizes (259x600: over 512 KB, its rows split over the threads)', () => {
    my.manualSeed(12);
    for (const [n, k, bias, relu] of [[37, 53, true, true], [5, 7, false, false], [64, 200, true, false], [3, 1, false, true], [259, 600, true, true]] as const) {
      const W = my.randn(n, k), B = bias ? my.randn(n) : null;
      const f = (x: my.Tensor): my.Tensor => { let y = x.matmul(W.t()); if (B) y = y.add(B); return relu ? y.relu() : y; };
      const g = jit.trace(f, my.randn(1, k));
      for (let r = 0; r < 3; r++) {
        const x = my.randn(1, k);
        const got = g.run(x) as my.Tensor;
        const xv = vals(x), wv = vals(W), bv = B ? vals(B) : null;
        const ref = ref64(xv, wv, bv, n, relu);
        const scale = ref64(xv.map(Math.abs), wv.map(Math.abs), bv ? bv.map(Math.abs) : null, n, false);
        expect(got.shape).toEqual([1, n]);
        expect(err(vals(got), ref, scale)).toBeLessThan(k + 2);
        got.dispose(); x.dispose();
      }
    }
  });

  it('reads the weights in place: an in-place update of the parameter is seen by later runs', () => {
    my.manualSeed(13);
    const lin = new my.nn.Linear(16, 8);
    const g = jit.trace((x: my.Tensor) => lin.forward(x).relu(), my.randn(1, 16));
    const x = my.randn(1, 16);
    for (let r = 0; r < 2; r++) (g.run(x) as my.Tensor).dispose();  // the first run plans, the second is fused
    my.noGrad(() => { lin.weight.mul_(-2); lin.bias!.add_(0.5); });
    const got = g.run(x) as my.Tensor, want = my.noGrad(() => lin.forward(x).relu());
    const gv = vals(got), wv = vals(want);
    for (let i = 0; i < 8; i++) expect(Math.abs(gv[i] - wv[i])).toBeLessThan(1e-5 * (1 + Math.abs(wv[i])));
    expect(wv.some((v) => v > 0)).toBe(true);
  });

  it('NaN and Inf go through as eager: NaN stays NaN through relu, -Inf becomes 0', () => {
    const W = my.tensor([[1, 1], [2, 1], [1, -1]], { dtype: 'float32' }), B = my.tensor([0, 0, 0], { dtype: 'float32' });
    const f = (x: my.Tensor): my.Tensor => x.matmul(W.t()).add(B).relu();
    const g = jit.trace(f, my.tensor([[1, 2]], { dtype: 'float32' }));
    for (let r = 0; r < 2; r++) {
      for (const v of [NaN, -Infinity, Infinity]) {
        const x = my.tensor([[v, 1]], { dtype: 'float32' });
        const got = g.run(x) as my.Tensor, want = my.noGrad(() => f(x));
        close(got, want, `input ${v}`);
        if (v === -Infinity) expect(vals(got)).toEqual([0, 0, 0]);
        if (Number.isNaN(v)) expect(vals(got).every(Number.isNaN)).toBe(true);
      }
    }
  });

  it('a bare matmul, and a sum read twice, are fused as far as they go and stay within rounding of eager', () => {
    my.manualSeed(15);
    const W = my.randn(6, 9), B = my.randn(6);
    const cases: [string, (x: my.Tensor) => my.Tensor | my.Tensor[]][] = [
      ['matmul result returned', (x) => { const y = x.matmul(W.t()); return [y, y.add(B).relu()]; }],
      ['sum read twice', (x) => { const y = x.matmul(W.t()).add(B); return y.relu().add(y); }],
      ['bias first', (x) => B.add(x.matmul(W.t())).relu()],
    ];
    for (const [name, f] of cases) {
      const g = jit.trace(f, my.randn(1, 9));
      for (let r = 0; r < 3; r++) {
        const x = my.randn(1, 9);
        const got = g.run(x), want = my.noGrad(() => f(x));
        const gs = Array.isArray(got) ? got : [got], ws = Array.isArray(want) ? want : [want];
        expect(gs.length, name).toBe(ws.length);
        for (let i = 0; i < gs.length; i++) close(gs[i], ws[i], name);
      }
    }
  });

  it('what it does not fuse gives eager\'s results to the bit: batch 3, float64, a transposed weight read twice', () => {
    my.manualSeed(14);
    const W = my.randn(6, 9), B = my.randn(6), W64 = W.double(), B64 = B.double();
    const cases: [string, (x: my.Tensor) => my.Tensor | my.Tensor[], my.Tensor][] = [
      ['batch 3', (x) => x.matmul(W.t()).add(B).relu(), my.randn(3, 9)],
      ['float64', (x) => x.matmul(W64.t()).add(B64).relu(), my.randn(1, 9).double()],
      ['tied weight, transposed once, read twice', (x) => { const wt = W.t(); return x.matmul(wt).add(x.matmul(wt)); }, my.randn(1, 9)],
    ];
    for (const [name, f, x0] of cases) {
      const g = jit.trace(f, x0);
      for (let r = 0; r < 3; r++) {
        const x = x0.add(r);
        const got = g.run(x), want = my.noGrad(() => f(x));
        const gs = Array.isArray(got) ? got : [got], ws = Array.isArray(want) ? want : [want];
        expect(gs.length, name).toBe(ws.length);
        for (let i = 0; i < gs.length; i++) {
          if (gs[i].dtype === 'float64') expect(Array.from(gs[i].data() as Float64Array), name).toEqual(Array.from(ws[i].data() as Float64Array));
          else expect(bits(gs[i]), name).toEqual(bits(ws[i]));
        }
      }
    }
  });
});
