// Float64 gradchecks (full Jacobian against central differences) for every op of the conv
// family and the composites built on it, second derivatives through conv's rules, bad
// input on the native entry points, and flat native memory over a conv training loop.
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { autograd, nn, OPS } from '../ts/index';
import { call } from '../ts/call';

const r = (shape: number[], seed: number): my.Tensor => { my.manualSeed(seed); return my.randn(shape, { dtype: 'float64', requiresGrad: true }); };
/** Distinct values (no ties for max pooling), shuffled by seed. */
const distinct = (shape: number[], seed: number): my.Tensor => {
  my.manualSeed(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return my.randperm(n).to('float64').mul(0.1).reshape(shape).requiresGrad_();
};
const check = (f: (...t: my.Tensor[]) => my.Tensor, inputs: my.Tensor[]): boolean => autograd.gradcheck(f, inputs);

// keyed by registry op id (and composite name): the guard below requires one per conv-family op
const CASES: Record<string, [string, () => boolean][]> = {
  conv2d: [
    ['stride, padding, bias', () => check((x, w, b) => my.conv2d(x, w, b, { stride: [2, 1], padding: 1 }), [r([2, 2, 5, 4], 1), r([3, 2, 3, 3], 2), r([3], 3)])],
    ['dilation and groups', () => check((x, w) => my.conv2d(x, w, null, { dilation: 2, groups: 2, padding: [2, 1] }), [r([1, 4, 6, 5], 4), r([2, 2, 3, 2], 5)])],
    ['same padding with an even kernel', () => check((x, w) => my.conv2d(x, w, null, { padding: 'same' }), [r([1, 2, 4, 5], 6), r([2, 2, 2, 4], 7)])],
  ],
  conv_transpose2d: [
    ['stride, output padding, bias', () => check((x, w, b) => my.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }), [r([2, 2, 3, 3], 8), r([2, 3, 3, 3], 9), r([3], 10)])],
    ['groups and dilation', () => check((x, w) => my.convTranspose2d(x, w, null, { groups: 2, dilation: [1, 2] }), [r([1, 4, 3, 3], 11), r([4, 1, 2, 2], 12)])],
  ],
  conv2d_weight_grad: [
    ['both inputs', () => check((dy, x) => my.conv2dWeightGrad(dy, x, 3, { stride: 2, padding: 1 }), [r([2, 3, 3, 2], 13), r([2, 2, 5, 4], 14)])],
  ],
  conv2d_backward: [
    // not recorded (createGraph goes through conv2d's differentiable rule): check it against that rule
    ['matches the differentiable rule, every mask', () => {
      const x = r([2, 4, 6, 5], 43), w = r([4, 2, 3, 2], 44), b = r([4], 45), dy = my.randn([2, 4, 2, 2], { dtype: 'float64' });
      const o = { stride: 2, padding: [1, 0] as [number, number], dilation: [2, 1] as [number, number], groups: 2 };
      const want = autograd.grad(my.conv2d(x, w, b, o), [x, w, b], { gradOutputs: [dy], createGraph: true });
      const masks: [boolean, boolean, boolean][] = [[true, true, true], [true, false, false], [false, true, true], [false, false, true]];
      return masks.every((outputMask) => my.conv2dBackward(dy, x.detach(), w.detach(), { ...o, outputMask }).every((g, i) =>
        outputMask[i] ? (g!.sub(want[i]!).abs().max().item() as number) < 1e-12 : g === null));
    }],
  ],
  max_pool2d: [
    ['3x3 stride 2 pad 1 ceil', () => check((x) => my.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [distinct([2, 2, 6, 5], 15)])],
    ['dilation', () => check((x) => my.maxPool2d(x, 2, { stride: 1, dilation: 2 }), [distinct([1, 2, 5, 5], 16)])],
  ],
  adaptive_max_pool2d: [['uneven windows', () => check((x) => my.adaptiveMaxPool2d(x, [3, 2]).values, [distinct([2, 2, 7, 5], 17)])]],
  avgPool2d: [['ceil mode, padding excluded', () => check((x) => my.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [r([1, 2, 6, 7], 18)])]],
  adaptiveAvgPool2d: [['uneven windows', () => check((x) => my.adaptiveAvgPool2d(x, [3, 4]), [r([2, 2, 7, 5], 19)])]],
  interpolate: [
    ['bilinear', () => check((x) => my.interpolate(x, { size: [5, 7], mode: 'bilinear' }), [r([1, 2, 3, 4], 20)])],
    ['nearest', () => check((x) => my.interpolate(x, { scaleFactor: 2 }), [r([1, 1, 3, 2], 21)])],
  ],
  conv1d: [['stride and padding', () => check((x, w, b) => my.conv1d(x, w, b, { stride: 2, padding: 1 }), [r([2, 2, 7], 22), r([3, 2, 3], 23), r([3], 24)])]],
  batch_norm: [
    ['training, affine', () => check((x, w, b) => my.batchNorm(x, w, b, null, null, true), [r([4, 3, 2, 3], 34), r([3], 35), r([3], 36)])],
    ['eval with running stats', () => {
      const rm = my.randn([2], { dtype: 'float64' }), rv = my.rand([2], { dtype: 'float64' }).add(0.5);
      return check((x, w) => my.batchNorm(x, w, null, rm, rv, false), [r([3, 2, 4], 37), r([2], 38)]);
    }],
    ['second order (createGraph backward in Tensor ops)', () => check((x, w) => my.enableGrad(() => {
      const xx = x.requiresGrad ? x : x.detach().requiresGrad_();
      const y = my.batchNorm(xx, w, null, null, null, true);
      return autograd.grad(y.mul(y.detach().add(1)).sum(), [xx], { createGraph: true })[0]!.square().sum();
    }), [r([3, 2, 2, 2], 39), r([2], 40)])],
  ],
  batch_norm_backward: [
    // the native backward is not recorded (createGraph goes through the composite), so check it against that
    ['matches the differentiable composite', () => {
      const x = r([4, 3, 5], 41), w = r([3], 42), dy = my.randn([4, 3, 5], { dtype: 'float64' });
      const { output, mean, invstd } = my.batchNormStats(x, w, null, null, null, true);
      const [gx, gw] = autograd.grad(output, [x, w], { gradOutputs: [dy], createGraph: true });
      const [dx, dw] = my.batchNormBackward(dy, x.detach(), w.detach(), mean, invstd, true);
      const close = (a: my.Tensor, b: my.Tensor) => a.sub(b).abs().max().item() as number;
      return close(gx!, dx) < 1e-12 && close(gw!, dw) < 1e-12;
    }],
  ],
  layer_norm: [
    ['affine, one normalized dim', () => check((x, w, b) => my.layerNormStats(x, [4], w, b).output, [r([2, 3, 4], 70), r([4], 71), r([4], 72)])],
    ['two normalized dims, no affine', () => check((x) => my.layerNormStats(x, [2, 3], null, null, 1e-3).output, [r([3, 2, 3], 73)])],
    // a fixed dy (not y.detach(), which the central differences would move with x)
    ['second order (createGraph backward in Tensor ops)', () => check((x, w, dy) => my.enableGrad(() => {
      const xx = x.requiresGrad ? x : x.detach().requiresGrad_();
      const y = my.layerNormStats(xx, [3], w, null).output;
      return autograd.grad(y.mul(dy).sum(), [xx], { createGraph: true })[0]!.square().sum();
    }), [r([2, 2, 3], 74), r([3], 75), r([2, 2, 3], 79)])],
  ],
  layer_norm_backward: [
    // not recorded (createGraph goes through the composite): check it against that
    ['matches the differentiable composite', () => {
      const x = r([4, 3, 5], 76), w = r([5], 77), b = r([5], 78), dy = my.randn([4, 3, 5], { dtype: 'float64' });
      const { output, mean, rstd } = my.layerNormStats(x, [5], w, b);
      const [gx, gw, gb] = autograd.grad(output, [x, w, b], { gradOutputs: [dy], createGraph: true });
      const [dx, dw, db] = my.layerNormBackward(dy, x.detach(), [5], mean, rstd, w.detach());
      const close = (a: my.Tensor, c: my.Tensor) => a.sub(c).abs().max().item() as number;
      return close(gx!, dx) < 1e-12 && close(gw!, dw) < 1e-12 && close(gb!, db) < 1e-12;
    }],
  ],
  group_norm: [
    ['affine, 4-D', () => check((x, w, b) => my.groupNormStats(x, 2, w, b).output, [r([2, 4, 3, 2], 80), r([4], 81), r([4], 82)])],
    ['3-D, no affine, one group', () => check((x) => my.groupNormStats(x, 1, null, null, 1e-3).output, [r([3, 3, 4], 83)])],
    // a fixed dy (not y.detach(), which the central differences would move with x)
    ['second order (createGraph backward in Tensor ops)', () => check((x, w, dy) => my.enableGrad(() => {
      const xx = x.requiresGrad ? x : x.detach().requiresGrad_();
      const y = my.groupNormStats(xx, 2, w, null).output;
      return autograd.grad(y.mul(dy).sum(), [xx], { createGraph: true })[0]!.square().sum();
    }), [r([2, 4, 3], 84), r([4], 85), r([2, 4, 3], 86)])],
  ],
  group_norm_backward: [
    // not recorded (createGraph goes through the composite): check it against that
    ['matches the differentiable composite', () => {
      const x = r([3, 6, 2, 3], 87), w = r([6], 88), b = r([6], 89), dy = my.randn([3, 6, 2, 3], { dtype: 'float64' });
      const { output, mean, rstd } = my.groupNormStats(x, 3, w, b);
      const [gx, gw, gb] = autograd.grad(output, [x, w, b], { gradOutputs: [dy], createGraph: true });
      const [dx, dw, db] = my.groupNormBackward(dy, x.detach(), w.detach(), mean, rstd, 3);
      const close = (a: my.Tensor, c: my.Tensor) => a.sub(c).abs().max().item() as number;
      return close(gx!, dx) < 1e-12 && close(gw!, dw) < 1e-12 && close(gb!, db) < 1e-12;
    }],
  ],
  // the fused recurrent cells (test/rnn_cells_native.test.ts has more: chained steps, createGraph)
  lstm_cell: [['h and c_new', () => check((xg, hg, c) => my.cat(my.lstmCell(xg, hg, c), 1), [r([2, 8], 50), r([2, 8], 51), r([2, 2], 52)])]],
  gru_cell: [['h_new', () => check((xg, hg, h) => my.gruCell(xg, hg, h), [r([2, 6], 53), r([2, 6], 54), r([2, 2], 55)])]],
  lstm_cell_backward: [
    // not recorded (createGraph goes through the composite): check it against that
    ['matches the differentiable composite', () => {
      const xg = r([3, 8], 56), hg = r([3, 8], 57), c = r([3, 2], 58), dh = my.randn([3, 2], { dtype: 'float64' }), dc = my.randn([3, 2], { dtype: 'float64' });
      const [h, cn] = my.lstmCell(xg, hg, c);
      const g = autograd.grad([h.mul(dh).sum().add(cn.mul(dc).sum())], [xg, c], { createGraph: true });
      const ws = my.cat([0, 1, 2, 3].map((k) => xg.add(hg).narrow(1, 2 * k, 2)).map((t, k) => (k === 2 ? t.tanh() : t.sigmoid())), 1).detach();
      const [dg, dcp] = my.lstmCellBackward(dh, dc, c.detach(), cn.detach(), ws);
      return g[0]!.sub(dg).abs().max().item() < 1e-12 && g[1]!.sub(dcp).abs().max().item() < 1e-12;
    }],
  ],
  gru_cell_backward: [
    ['matches the differentiable composite', () => {
      const xg = r([3, 6], 59), hg = r([3, 6], 60), h = r([3, 2], 61), dy = my.randn([3, 2], { dtype: 'float64' });
      const g = autograd.grad([my.gruCell(xg, hg, h).mul(dy).sum()], [xg, hg, h], { createGraph: true });
      const n = (k: number, t: my.Tensor) => t.narrow(1, 2 * k, 2);
      const rr = n(0, xg).add(n(0, hg)).sigmoid(), z = n(1, xg).add(n(1, hg)).sigmoid(), nn_ = n(2, xg).add(rr.mul(n(2, hg))).tanh();
      const ws = my.cat([rr, z, nn_, h, n(2, hg)], 1).detach();
      const ref = my.gruCellBackward(dy, ws);
      return ref.every((t, k) => g[k]!.sub(t).abs().max().item() < 1e-12);
    }],
  ],
  // whole-layer scans over packed steps (3, 2, 1 rows), forward and reversed; their backwards against autograd through the cells
  lstm_scan: [
    ['packed, outputs and both final states', () => check((gi, h0, c0, w) => my.cat(my.lstmScan(gi, h0, c0, w, [3, 2, 1]), 0), [r([6, 8], 80), r([3, 2], 81), r([3, 2], 82), r([8, 2], 83)])],
    ['packed, reversed', () => check((gi, h0, c0, w) => my.cat(my.lstmScan(gi, h0, c0, w, [3, 2, 1], true), 0), [r([6, 8], 84), r([3, 2], 85), r([3, 2], 86), r([8, 2], 87)])],
  ],
  gru_scan: [
    ['packed, with b_hh', () => check((gi, h0, w, b) => my.cat(my.gruScan(gi, h0, w, b, [3, 2, 1]), 0), [r([6, 6], 88), r([3, 2], 89), r([6, 2], 90), r([6], 91)])],
    ['packed, reversed, no b_hh', () => check((gi, h0, w) => my.cat(my.gruScan(gi, h0, w, null, [3, 2, 1], true), 0), [r([6, 6], 92), r([3, 2], 93), r([6, 2], 94)])],
  ],
  lstm_scan_backward: [
    ['matches autograd through the fused cells, step by step', () => {
      const gi = r([6, 8], 95), h0 = r([3, 2], 96), c0 = r([3, 2], 97), w = r([8, 2], 98), dy = my.randn([12, 2], { dtype: 'float64' });
      // the reference: the steps as lstmCell calls (rows [0, b) per step), gradients by autograd
      let h = h0, c = c0; const outs: my.Tensor[] = [];
      [[0, 3], [3, 2], [5, 1]].forEach(([o, b]) => {
        const [hn, cn] = my.lstmCell(gi.narrow(0, o, b), h.narrow(0, 0, b).matmul(w.t()), c.narrow(0, 0, b));
        outs.push(hn);
        h = b < 3 ? my.cat([hn, h.narrow(0, b, 3 - b)], 0) : hn; c = b < 3 ? my.cat([cn, c.narrow(0, b, 3 - b)], 0) : cn;
      });
      const g = autograd.grad([my.cat([...outs, h, c], 0).mul(dy).sum()], [gi, h0, c0]);
      const [, ws] = call<my.Tensor[]>('lstm_scan', [gi.detach(), h0.detach(), c0.detach(), w.detach(), [3, 2, 1], false]);
      const got = my.lstmScanBackward(dy, ws, w.detach(), [3, 2, 1]);
      return got.every((t, i) => g[i]!.sub(t).abs().max().item() < 1e-12);
    }],
  ],
  gru_scan_backward: [
    ['matches autograd through the fused cells, step by step', () => {
      const gi = r([6, 6], 99), h0 = r([3, 2], 100), w = r([6, 2], 101), b = r([6], 102), dy = my.randn([9, 2], { dtype: 'float64' });
      let h = h0; const outs: my.Tensor[] = [];
      [[0, 3], [3, 2], [5, 1]].forEach(([o, n]) => {
        const hn = my.gruCell(gi.narrow(0, o, n), h.narrow(0, 0, n).matmul(w.t()).add(b), h.narrow(0, 0, n));
        outs.push(hn);
        h = n < 3 ? my.cat([hn, h.narrow(0, n, 3 - n)], 0) : hn;
      });
      const g = autograd.grad([my.cat([...outs, h], 0).mul(dy).sum()], [gi, h0]);
      const [, ws] = call<my.Tensor[]>('gru_scan', [gi.detach(), h0.detach(), w.detach(), b.detach(), [3, 2, 1], false]);
      const [dxg, , dh0] = my.gruScanBackward(dy, ws, w.detach(), [3, 2, 1]);
      return g[0]!.sub(dxg).abs().max().item() < 1e-12 && g[1]!.sub(dh0).abs().max().item() < 1e-12;
    }],
  ],
  // fused attention (test/attention_kernel.test.ts has more: masks, fully masked rows, createGraph)
  sdpa_flash: [
    ['causal, GQA', () => check((q, k, v) => my.sdpaFlash(q, k, v, null, true, 0.6)[0], [r([1, 4, 3, 2], 62), r([1, 2, 3, 2], 63), r([1, 2, 3, 3], 64)])],
    ['bool mask', () => check((q, k, v) => my.sdpaFlash(q, k, v, my.tensor([[true, false, true], [true, true, false]]), false, 0.5)[0], [r([2, 1, 2, 2], 65), r([2, 1, 3, 2], 66), r([2, 1, 3, 2], 67)])],
  ],
  sdpa_flash_backward: [
    // not recorded (createGraph goes through the composite): check it against that
    ['matches the differentiable composite', () => {
      const q = r([1, 2, 3, 2], 68), k = r([1, 2, 4, 2], 69), v = r([1, 2, 4, 3], 70), dy = my.randn([1, 2, 3, 3], { dtype: 'float64' });
      const [out, lse] = my.sdpaFlash(q, k, v, null, false, 0.5);
      const g = autograd.grad([out.mul(dy).sum()], [q, k, v], { createGraph: true });
      const ref = my.sdpaFlashBackward(dy, q.detach(), k.detach(), v.detach(), null, out.detach(), lse, false, 0.5);
      return ref.every((t, i) => g[i]!.sub(t).abs().max().item() < 1e-12);
    }],
  ],
  groupNorm: [['affine', () => check((x, w, b) => nn.functional.groupNorm(x, 2, w, b), [r([2, 4, 3, 2], 25), r([4], 26), r([4], 27)])]],
};

describe('gradcheck, conv family (float64)', () => {
  it('every conv-family op of the registry has a gradcheck case', () => {
    const ids = OPS.filter((o) => o.family === 'conv').map((o) => o.id);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    expect(ids.filter((id) => !CASES[id])).toEqual([]);
  });
  for (const [op, cases] of Object.entries(CASES))
    for (const [name, f] of cases) it(`${op}: ${name}`, () => expect(f()).toBe(true));

  it('second derivatives: the gradient of conv2d is differentiable again', () => {
    // d/dx of dL/dW (through conv2d_weight_grad's rule) and d/dW of dL/dx (through conv_transpose2d's)
    // (gradcheck's numeric pass runs without grad: there the inputs become fresh leaves)
    const wt = my.randn([2, 3, 4, 3], { dtype: 'float64' });
    const leaf = (t: my.Tensor) => (t.requiresGrad ? t : t.detach().requiresGrad_());
    const first = (x0: my.Tensor, w0: my.Tensor, wrt: 0 | 1) => my.enableGrad(() => {
      const x = leaf(x0), w = leaf(w0);
      return autograd.grad(my.conv2d(x, w, null, { stride: 2, padding: 1 }).mul(wt).sum(), [[x, w][wrt]], { createGraph: true })[0]!;
    });
    const gw = (x: my.Tensor, w: my.Tensor) => first(x, w, 1), gx = (x: my.Tensor, w: my.Tensor) => first(x, w, 0);
    expect(check((x, w) => gw(x, w).square().sum(), [r([2, 2, 7, 5], 30), r([3, 2, 3, 3], 31)])).toBe(true);
    expect(check((x, w) => gx(x, w).square().sum(), [r([2, 2, 7, 5], 32), r([3, 2, 3, 3], 33)])).toBe(true);
  });
});

describe('conv2d: float32 (oneDNN where built, its weights reordered by myelin) agrees with float64 (im2col)', () => {
  // channel counts that are multiples of 16 take conv_dnnl.cpp's own blocked-weight reorders
  for (const [N, C, H, W, O, k, stride, padding] of [[2, 32, 9, 9, 48, 3, 1, 1], [3, 16, 8, 8, 64, 1, 1, 0], [2, 64, 7, 7, 32, 3, 2, 1], [2, 32, 6, 6, 16, 5, 1, 2], [2, 3, 8, 8, 16, 3, 1, 1]]) {
    it(`x [${N}, ${C}, ${H}, ${W}], w [${O}, ${C}, ${k}, ${k}], stride ${stride}, padding ${padding}`, () => {
      my.manualSeed(1);
      const x = my.randn(N, C, H, W), w = my.randn(O, C, k, k).mul(0.1);
      const run = (dt: 'float32' | 'float64') => {
        const xx = x.to(dt).requiresGrad_(), ww = w.to(dt).requiresGrad_();
        const y = my.conv2d(xx, ww, null, { stride, padding });
        y.mul(my.arange(y.numel()).reshape([...y.shape]).to(dt).mul(0.001)).sum().backward();
        return [y, xx.grad!, ww.grad!];
      };
      const a = run('float32'), b = run('float64');
      a.forEach((t, i) => {
        const scale = b[i].abs().max().item() as number;
        expect(t.double().sub(b[i]).abs().max().item() as number, ['y', 'dx', 'dw'][i]).toBeLessThan(1e-5 * scale);
      });
    });
  }
});

describe('max pooling: torch\'s tie and NaN rules on every kernel path', () => {
  // torch's CPU kernel: scan the window row-major from -inf, take v when v > max or v is NaN
  // (ties keep the first, the last NaN wins). The 2x2 stride-2 case has its own kernel; the
  // others run interior columns tap by tap and border ones window by window.
  const outSize = (n: number, k: number, s: number, p: number, d: number, ceil: boolean): number => {
    let o = Math.floor((n + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
    if (ceil && (o - 1) * s >= n + p) o--;
    return o;
  };
  const reference = (x: number[], H: number, W: number, k: number, s: number, p: number, d: number, ceil: boolean): [number[], number[]] => {
    const OH = outSize(H, k, s, p, d, ceil), OW = outSize(W, k, s, p, d, ceil), vals: number[] = [], idx: number[] = [];
    for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      let m = -Infinity, b = -1;  // b starts at the window's first in-range element
      for (let ti = 0; ti < k; ti++) for (let tj = 0; tj < k; tj++) {
        const i = oh * s - p + ti * d, j = ow * s - p + tj * d;
        if (i < 0 || i >= H || j < 0 || j >= W) continue;
        if (b < 0) b = i * W + j;
        const v = x[i * W + j];
        if (v > m || Number.isNaN(v)) { m = v; b = i * W + j; }
      }
      vals.push(m); idx.push(b);
    }
    return [vals, idx];
  };
  const paths: [number, number, number, number, boolean][] = [[2, 2, 0, 1, false], [2, 1, 0, 1, false], [3, 2, 0, 1, false],
    [3, 2, 1, 1, false], [3, 1, 1, 2, false], [3, 2, 0, 1, true], [2, 3, 1, 1, true]];
  for (const [k, s, p, d, ceilMode] of paths) {
    it(`kernel ${k} stride ${s} padding ${p} dilation ${d}${ceilMode ? ' ceil mode' : ''}`, () => {
      const H = 7, W = 75;  // values from a few levels: many ties; NaNs in some windows, two in one (rows of 32+ outputs: the tap-major path)
      const x = Array.from({ length: H * W }, (_, i) => [0, 1, 1, 2, -1][(i * 7) % 5]);
      for (const i of [3, 9, 10, 17, 40, 54, 151, 152, 230, 301]) x[i] = NaN;
      const { values, indices } = my.nn.functional.maxPool2dWithIndices(my.tensor(x).reshape([1, 1, H, W]), k,
        { stride: s, padding: p, dilation: d, ceilMode });
      const [ev, ei] = reference(x, H, W, k, s, p, d, ceilMode);
      expect(Array.from(indices.data() as BigInt64Array, Number)).toEqual(ei);
      expect(Array.from(values.data() as Float32Array)).toEqual(ev);
    });
  }
});

describe('conv family: bad input throws a named error', () => {
  const x = my.randn([1, 3, 5, 5]), w = my.randn([4, 3, 3, 3]);
  const cases: [string, () => unknown, RegExp][] = [
    ['mismatched channels', () => my.conv2d(my.randn([1, 2, 5, 5]), w), /^conv2d: .*expected input\[1, 2, 5, 5\] to have 3 channels, but got 2/],
    ['kernel bigger than padded input', () => my.conv2d(my.randn([1, 3, 2, 2]), w), /^conv2d: calculated padded input size per channel: \(2 x 2\)\. Kernel size: \(3 x 3\)/],
    ['non-4-D input', () => my.conv2d(my.randn([5, 5]), w), /^conv2d: expected 3-D \(unbatched\) or 4-D/],
    ['zero stride', () => my.conv2d(x, w, null, { stride: 0 }), /^conv2d: stride must be positive, got \[0, 0\]/],
    ['negative stride', () => my.conv2d(x, w, null, { stride: [1, -2] }), /^conv2d: stride must be positive, got \[1, -2\]/],
    ['negative padding', () => my.conv2d(x, w, null, { padding: -1 }), /^conv2d: padding must be non-negative/],
    ['groups not dividing channels', () => my.conv2d(my.randn([1, 4, 5, 5]), my.randn([3, 2, 3, 3]), null, { groups: 2 }), /^conv2d: out_channels \(3\) must be divisible by groups \(2\)/],
    ['integer input', () => my.conv2d(my.randint(0, 3, [1, 3, 5, 5]), w), /^conv2d: input must be float32 or float64, got int64/],
    ['disposed weight', () => { const d = my.randn([4, 3, 3, 3]); d.dispose(); return my.conv2d(x, d); }, /^conv2d: weight is a disposed tensor/],
    ['disposed pool input', () => { const d = my.randn([1, 1, 4, 4]); d.dispose(); return my.maxPool2d(d, 2); }, /^maxPool2d: input is a disposed tensor/],
    ['transposed conv: output padding too big', () => my.convTranspose2d(x, my.randn([3, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }), /^conv_transpose2d: output padding must be smaller than either stride or dilation/],
    ['weight grad: grad_output of the wrong size', () => my.conv2dWeightGrad(my.randn([1, 4, 4, 4]), x, 3), /^conv2d_weight_grad: grad_output \[1, 4, 4, 4\] does not match/],
    ['max pool: zero stride', () => my.maxPool2d(x, 2, { stride: 0 }), /^max_pool2d: stride must be positive/],
    ['max pool: pad over half the kernel', () => my.maxPool2d(x, 2, { padding: 2 }), /^max_pool2d: pad should be at most half of effective kernel size/],
    ['max pool: output too small', () => my.maxPool2d(my.randn([1, 1, 2, 2]), 3), /^max_pool2d: given input size \[1, 1, 2, 2\], calculated output size \(0 x 0\) is too small/],
    ['max pool: 2-D input', () => my.maxPool2d(my.randn([4, 4]), 2), /^maxPool2d: expected 3-D \(unbatched\) or 4-D/],
    ['adaptive max pool: zero output size', () => my.adaptiveMaxPool2d(x, 0), /^adaptiveMaxPool2d: output size must be a positive integer/],
    ['interpolate: bad mode', () => my.interpolate(x, { size: 3, mode: 'bicubic' as 'bilinear' }), /^interpolate: unsupported mode 'bicubic'/],
  ];
  for (const [name, f, re] of cases) it(name, () => expect(f).toThrow(re));
});

describe('conv family: memory', () => {
  it('a conv/pool/batchnorm training loop keeps native memory flat', () => {
    my.manualSeed(3);
    const net = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 4, 3, { stride: 2 }), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 3));
    const opt = new my.optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = my.randn([8, 1, 12, 12]), y = my.randint(0, 3, [8]);
    const step = () => my.tidy(() => { opt.zeroGrad(); nn.functional.crossEntropy(net.forward(x) as my.Tensor, y).backward(); opt.step(); });
    for (let i = 0; i < 20; i++) step();
    const before = my.memory();
    for (let i = 0; i < 300; i++) step();
    const after = my.memory();
    expect(after.numTensors).toBeLessThanOrEqual(before.numTensors);
    expect(after.numBytes).toBeLessThanOrEqual(before.numBytes);
  });
});
