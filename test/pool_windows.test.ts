// Pooling and convolution windows that lie wholly in the padding (issue 14, item 4). With
// padding <= kernel / 2 a max-pool window can hold no input only along a dim of kernel 2,
// padding 1 and size dilation - 1 (dilation steps over the whole input): torch's CPU kernel
// (aten/src/ATen/native/cpu/MaxPoolKernel.cpp, cpu_max_pool) gives -inf there; its index is
// h0 * W + w0 after stepping past the padding, which points outside the plane (2 for the
// reproducer), and its backward would write there. myelin gives -inf and index -1, the "no
// element" that torch's backward kernel skips, and sends no gradient from that window.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';

const num = (t: my.Tensor): number[] => Array.from(t.data() as ArrayLike<number | bigint>, Number);

describe('max pooling: windows wholly in the padding', () => {
  it('the reproducer: -inf (as torch) and index -1, not heap contents and an index past the plane', () => {
    const { values, indices } = my.maxPool2dWithIndices(my.zeros([1, 1, 1, 1]), 2, { padding: 1, dilation: 2, stride: 1 });
    expect(values.shape).toEqual([1, 1, 1, 1]);
    expect(num(values)).toEqual([-Infinity]);
    expect(num(indices)).toEqual([-1]);
    expect(my.maxPool2d(my.zeros([1, 1, 1, 1], { dtype: 'float64' }), 2, { padding: 1, dilation: 2, stride: 1 }).toArray()).toEqual([[[[-Infinity]]]]);
  });

  // [what, input shape, kernel, padding, dilation]: rows or columns stepped over entirely
  const cases: [string, number[], [number, number], [number, number], [number, number]][] = [
    ['wide rows (the tap-major path over 4099 columns, several planes)', [2, 3, 1, 4099], [2, 3], [1, 1], [2, 1]],
    ['tall columns', [1, 2, 300, 1], [3, 2], [1, 1], [1, 2]],
    ['dilation 4 over 3 elements', [1, 1, 3, 3], [2, 2], [1, 1], [4, 4]],
  ];
  for (const [what, shape, k, p, d] of cases) {
    it(what, () => {
      const x = my.randn(shape).requiresGrad_();
      const { values, indices } = my.maxPool2dWithIndices(x, k, { padding: p, dilation: d, stride: 1 });
      const OH = shape[2] + 2 * p[0] - d[0] * (k[0] - 1), OW = shape[3] + 2 * p[1] - d[1] * (k[1] - 1);
      expect(values.shape).toEqual([shape[0], shape[1], OH, OW]);
      expect(num(values).every((v) => v === -Infinity)).toBe(true);
      expect(num(indices).every((v) => v === -1)).toBe(true);
      values.sum().backward();  // no window holds an input: a zero gradient, and no scatter through -1
      expect(num(x.grad!).every((v) => v === 0)).toBe(true);
    });
  }

  it('maxPool1d over a length-1 input with dilation 2 and padding 1', () => {
    const { values, indices } = my.nn.functional.maxPool1dWithIndices(my.ones([2, 1]), 2, { padding: 1, dilation: 2, stride: 1 });
    expect(values.toArray()).toEqual([[-Infinity], [-Infinity]]);
    expect(num(indices)).toEqual([-1, -1]);
  });

  it('next to a degenerate geometry the windows read the input (dilation 2 over 2 columns)', () => {
    // W = 2, kernel 2, padding 1, dilation 2: windows {-1, 1} -> column 1, {0, 2} -> column 0 (torch: [5, 4] at [1, 0])
    const x = my.tensor([[[[4, 5]]]], { dtype: 'float32' });
    const { values, indices } = my.maxPool2dWithIndices(x, [1, 2], { padding: [0, 1], dilation: [1, 2], stride: 1 });
    expect(values.toArray()).toEqual([[[[5, 4]]]]);
    expect(num(indices)).toEqual([1, 0]);
  });
});

describe('adaptive and average pooling never produce an empty window', () => {
  it('adaptiveMaxPool2d to more outputs than inputs: window i spans [floor(i H / O), ceil((i + 1) H / O))', () => {
    const x = [[1, 7, 3], [4, 2, 9]], OH = 5, OW = 7;
    const { values, indices } = my.adaptiveMaxPool2d(my.tensor([[x]], { dtype: 'float32' }), [OH, OW]);
    const want: number[] = [], at: number[] = [];
    for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
      let m = -Infinity, b = -1;
      for (let r = Math.floor((i * 2) / OH); r < Math.ceil(((i + 1) * 2) / OH); r++)
        for (let c = Math.floor((j * 3) / OW); c < Math.ceil(((j + 1) * 3) / OW); c++) if (x[r][c] > m) { m = x[r][c]; b = r * 3 + c; }
      want.push(m), at.push(b);
    }
    expect(num(values)).toEqual(want);
    expect(num(indices)).toEqual(at);
  });

  it('avgPool2d in ceil mode without the padding in the divisor: the last window still covers input', () => {
    // H = W = 3, kernel 2, stride 2, padding 1, ceil: windows [-1, 1) -> {0} and [1, 3) -> {1, 2} (torch
    // drops a window that would start in the right padding)
    const x = my.tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], { dtype: 'float64' });
    const y = my.avgPool2d(x, 2, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false });
    expect(y.toArray()).toEqual([[[[1, 2.5], [5.5, 7]]]]);
  });
});

// Direct convolution, for the padding-heavy geometries below (the im2col and oneDNN paths
// skip windows in the padding by ranges that this loop does not share).
function convRef(x: number[][], w: number[][], bias: number, pad: number, dil: number, stride = 1): number[][] {
  const H = x.length, W = x[0].length, kh = w.length, kw = w[0].length;
  const OH = Math.floor((H + 2 * pad - dil * (kh - 1) - 1) / stride) + 1, OW = Math.floor((W + 2 * pad - dil * (kw - 1) - 1) / stride) + 1;
  return Array.from({ length: OH }, (_, oh) => Array.from({ length: OW }, (_, ow) => {
    let s = bias;
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const r = oh * stride - pad + i * dil, c = ow * stride - pad + j * dil;
      if (r >= 0 && r < H && c >= 0 && c < W) s += x[r][c] * w[i][j];
    }
    return s;
  }));
}

describe('convolution: windows wholly in the padding give the bias', () => {
  const x = [[1, 2, 3], [4, 5, 6]], w = [[1, -1], [2, 0.5]];
  const geos: [string, number, number, number][] = [
    ['padding 3 over a 2x2 kernel', 3, 1, 1], ['padding 2 with dilation 3', 2, 3, 1], ['padding 4, stride 3', 4, 1, 3],
  ];
  for (const dtype of ['float32', 'float64'] as const)
    for (const [what, pad, dil, stride] of geos)
      it(`${what} (${dtype})`, () => {
        const y = my.conv2d(my.tensor([[x]], { dtype }), my.tensor([[w]], { dtype }), my.tensor([0.25], { dtype }), { padding: pad, dilation: dil, stride });
        expect(y.toArray()).toEqual([[convRef(x, w, 0.25, pad, dil, stride)]]);
      });

  it('gradients through a padding of 3 over a 2x2 kernel: every tap of every window lands in range', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const xs = my.tensor([[x]], { dtype }).requiresGrad_(), ws = my.tensor([[w]], { dtype }).requiresGrad_();
      my.conv2d(xs, ws, null, { padding: 3 }).sum().backward();
      expect(num(xs.grad!)).toEqual(Array(6).fill(2.5));  // sum of w, once per tap
      expect(num(ws.grad!)).toEqual(Array(4).fill(21));  // sum of x, once per output that reads it
    }
  });

  it('convTranspose2d with output padding: the extra row and column hold the bias', () => {
    // [1, 1, 2, 2] ones, 1x1 kernel of 3, stride 2, outputPadding 1: 4x4, x at even positions
    const y = my.convTranspose2d(my.ones([1, 1, 2, 2]), my.full([1, 1, 1, 1], 3, { dtype: 'float32' }), my.tensor([0.5]), { stride: 2, outputPadding: 1 });
    expect(y.toArray()).toEqual([[[[3.5, 0.5, 3.5, 0.5], [0.5, 0.5, 0.5, 0.5], [3.5, 0.5, 3.5, 0.5], [0.5, 0.5, 0.5, 0.5]]]]);
  });
});
