// The direct float32 conv kernels for few input channels (native/cpu/conv_direct.cpp: groups 1,
// width stride 1, C = 1, kh * kw <= 32) against the float64 im2col + GEMM path, which
// they do not take: forward, all three gradients under every mask, strided dy, and the
// shapes around the kernels' edges (vector tails, tap counts with and without a
// specialization, stride/padding/dilation, batches above the 64 partial sums).
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';

const rand = (shape: number[], seed: number): my.Tensor => { my.manualSeed(seed); return my.randn(shape); };
/** max |a - b| / max |b|, b the float64 reference */
const relErr = (a: my.Tensor, b: my.Tensor): number => {
  const scale = Math.max(b.abs().max().item() as number, 1e-30);
  return (a.to('float64').sub(b).abs().max().item() as number) / scale;
};

type Opts = { stride?: [number, number]; padding?: [number, number]; dilation?: [number, number] };
// [name, x shape, weight shape, options]
const CASES: [string, number[], number[], Opts][] = [
  ['1->32 3x3 p1 (MNIST first layer)', [5, 1, 28, 28], [32, 1, 3, 3], { padding: [1, 1] }],
  ['1->7 3x3, no padding, width 13 (vector tail)', [3, 1, 9, 13], [7, 1, 3, 3], {}],
  ['1->4 5x5 p2 (25 taps)', [2, 1, 11, 20], [4, 1, 5, 5], { padding: [2, 2] }],
  ['1->6 3x9 (27 taps)', [2, 1, 10, 17], [6, 1, 3, 9], { padding: [1, 0] }],
  ['3->6 3x3 (oneDNN, not direct: the same results)', [2, 3, 10, 17], [6, 3, 3, 3], { padding: [1, 0] }],
  ['1->5 2x4 (8 taps, generic)', [2, 1, 7, 9], [5, 1, 2, 4], { padding: [0, 2] }],
  ['1->3 3x3 dilation [2, 3] padding [2, 1]', [2, 1, 12, 15], [3, 1, 3, 3], { dilation: [2, 3], padding: [2, 1] }],
  ['1->4 3x3 height stride 2 (dx on the GEMM path)', [3, 1, 11, 10], [4, 1, 3, 3], { stride: [2, 1], padding: [1, 1] }],
  ['1->3 1x1 padding larger than the kernel', [2, 1, 4, 5], [3, 1, 1, 1], { padding: [2, 3] }],
  ['1->2 3x3, batch 70 (more samples than partial sums)', [70, 1, 6, 6], [2, 1, 3, 3], { padding: [1, 1] }],
  ['1->2 3x3, one column of output', [1, 1, 5, 3], [2, 1, 3, 3], {}],
];

describe('direct conv kernels (few input channels, float32)', () => {
  for (const [name, xs, ws, o] of CASES) {
    it(name, () => {
      const x = rand(xs, 1), w = rand(ws, 2).mul(0.3), b = rand([ws[0]], 3);
      const y = my.conv2d(x, w, b, o);
      const ref = my.conv2d(x.to('float64'), w.to('float64'), b.to('float64'), o);
      expect(y.shape).toEqual(ref.shape);
      expect(relErr(y, ref)).toBeLessThan(2e-6);

      const dy = rand(y.shape, 4);
      const want = my.conv2dBackward(dy.to('float64'), x.to('float64'), w.to('float64'), o);
      const masks: [boolean, boolean, boolean][] = [[true, true, true], [false, true, true], [true, false, false], [false, false, true], [false, true, false]];
      for (const outputMask of masks) {
        const got = my.conv2dBackward(dy, x, w, { ...o, outputMask });
        got.forEach((g, i) => {
          if (!outputMask[i]) { expect(g).toBeNull(); return; }
          expect(g!.dtype).toBe('float32');
          expect(g!.shape).toEqual(want[i]!.shape);
          expect(relErr(g!, want[i]!)).toBeLessThan(2e-5);
        });
      }
    });
  }

  it('reads a strided dy in place: broadcast (sum().backward()) and transposed', () => {
    const x = rand([4, 1, 8, 10], 5), w = rand([6, 1, 3, 3], 6);
    const o: Opts = { padding: [1, 1] };
    const ones = my.ones([1]).expand([4, 6, 8, 10]);
    const want = my.conv2dBackward(my.ones([4, 6, 8, 10], { dtype: 'float64' }), x.to('float64'), w.to('float64'), o);
    my.conv2dBackward(ones, x, w, o).forEach((g, i) => expect(relErr(g!, want[i]!)).toBeLessThan(2e-5));
    const dyT = rand([4, 6, 10, 8], 7).transpose(2, 3);  // [4, 6, 8, 10], last dim strided
    const wantT = my.conv2dBackward(dyT.to('float64'), x.to('float64'), w.to('float64'), o);
    my.conv2dBackward(dyT, x, w, o).forEach((g, i) => expect(relErr(g!, wantT[i]!)).toBeLessThan(2e-5));
  });

  it('autograd: a first layer whose input needs no grad gets none; the same grads as float64', () => {
    const x = rand([3, 1, 9, 9], 8), w = rand([5, 1, 3, 3], 9).requiresGrad_(), b = rand([5], 10).requiresGrad_();
    my.conv2d(x, w, b, { padding: 1 }).relu().sum().backward();
    expect(x.grad).toBeNull();
    const w64 = w.detach().to('float64').requiresGrad_(), b64 = b.detach().to('float64').requiresGrad_();
    my.conv2d(x.to('float64'), w64, b64, { padding: 1 }).relu().sum().backward();
    expect(relErr(w.grad!, w64.grad!)).toBeLessThan(2e-5);
    expect(relErr(b.grad!, b64.grad!)).toBeLessThan(2e-5);
  });

  it('nn.Conv2d(1, 32, 3) trains like its float64 twin for a step', () => {
    my.manualSeed(11);
    const conv = new my.nn.Conv2d(1, 32, 3, { padding: 1 });
    const x = rand([4, 1, 12, 12], 12).requiresGrad_();
    conv.forward(x).square().mean().backward();
    const x64 = x.detach().to('float64').requiresGrad_();
    const w64 = conv.weight.detach().to('float64').requiresGrad_(), b64 = conv.bias!.detach().to('float64').requiresGrad_();
    my.conv2d(x64, w64, b64, { padding: 1 }).square().mean().backward();
    expect(relErr(x.grad!, x64.grad!)).toBeLessThan(2e-5);
    expect(relErr(conv.weight.grad!, w64.grad!)).toBeLessThan(2e-5);
  });
});
