// Max pooling over NCHW planes, fixed windows (max_pool2d: kernel, stride, padding,
// dilation, ceil mode) or adaptive ones (adaptive_max_pool2d: window i of O over I spans
// [floor(i I / O), ceil((i + 1) I / O))). Both return values and int64 indices into each
// flattened H x W plane, as torch does; the gradient scatters through those indices (ts/ops/pool.ts).
// NaN wins a window (the last NaN's index), and ties keep the first element, as in torch's CPU kernel.
#include <cmath>
#include <limits>
#include <vector>
#include "../core/ops.h"
#include "../core/parallel.h"
#include "nchw.h"

namespace myelin {
namespace {

// Window bounds [lo, hi) with step `step` along one dim, for output position o.
struct Window {
  int64_t lo, hi, step;
};

// One output's window, scanned in row-major order. Branch-free (a data-dependent branch
// mispredicts half the time on real activations and costs more than the window): strict >
// keeps the first of ties.
template <typename T> inline void scan_window(const T* xp, int64_t W, const Window& h, const Window& w, T& out, int64_t& at) {
  // a window wholly in the padding (dilation can step over a small input) reads nothing:
  // -inf as torch, and index -1, the "no element" of torch's backward kernel (torch returns
  // h.lo * W + w.lo there, which can point past the plane)
  if (h.lo >= h.hi || w.lo >= w.hi) { out = -std::numeric_limits<T>::infinity(), at = -1; return; }
  int64_t best = h.lo * W + w.lo;
  T m = xp[best];
  bool nan = false;
  for (int64_t ih = h.lo; ih < h.hi; ih += h.step) {
    const T* row = xp + ih * W;
    for (int64_t iw = w.lo; iw < w.hi; iw += w.step) {
      const T v = row[iw];
      const bool gt = v > m;
      best ^= (best ^ (ih * W + iw)) & -(int64_t)gt;
      m = gt ? v : m;
      nan |= v != v;
    }
  }
  if (nan) {  // rare: torch's rule, where every NaN takes over (the last one's index)
    for (int64_t ih = h.lo; ih < h.hi; ih += h.step)
      for (int64_t iw = w.lo; iw < w.hi; iw += w.step)
        if (xp[ih * W + iw] != xp[ih * W + iw]) m = xp[ih * W + iw], best = ih * W + iw;
  }
  out = m, at = best;
}

// Any windows (adaptive pooling's), one output at a time.
template <typename T, typename WH, typename WW>
void max_planes(const T* x, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, WH wh, WW ww, T* y, int64_t* idx) {
  // the column windows, computed once for all rows and planes
  std::vector<Window> cols(OW);
  for (int64_t ow = 0; ow < OW; ow++) cols[ow] = ww(ow);
  parallel_for(0, planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, OH * OW)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++)
      for (int64_t oh = 0; oh < OH; oh++) {
        const Window h = wh(oh);
        for (int64_t ow = 0; ow < OW; ow++) scan_window(x + p * H * W, W, h, cols[ow], y[(p * OH + oh) * OW + ow], idx[(p * OH + oh) * OW + ow]);
      }
  });
}

// Fixed windows (wh, ww; along W: kernel kw, stride sw, padding pw, dilation dw). Columns whose window
// lies inside the row are done a kernel tap at a time across the whole run of outputs, so
// the loop over outputs vectorizes (scan_window's chain of dependent compares costs ~20 ns
// an output; this, 11 at ResNet's 112x112 stem); each output still sees its window in
// row-major order under torch's update rule, (v > m || v != v): ties keep the first, the
// last NaN wins. The border columns go through scan_window.
template <typename T, typename WH, typename WW>
void max_planes_fixed(const T* x, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, WH wh, WW ww, int64_t kw,
                      int64_t sw, int64_t pw, int64_t dw, T* y, int64_t* idx) {
  std::vector<Window> cols(OW);
  for (int64_t ow = 0; ow < OW; ow++) cols[ow] = ww(ow);
  // interior columns [a, b): ow * sw - pw >= 0 and ow * sw - pw + (kw - 1) * dw < W. Runs
  // shorter than 32 outputs (a 32x32 ResNet's 16x16 stem) lose more to the per-tap loop
  // overhead than they gain: there every column goes through scan_window (b = a).
  int64_t a = std::min(OW, (pw + sw - 1) / sw);
  int64_t b = std::max(a, std::min(OW, W - 1 - (kw - 1) * dw + pw >= 0 ? (W - 1 - (kw - 1) * dw + pw) / sw + 1 : 0));
  if (b - a < 32) b = a;
  parallel_for(0, planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, OH * OW)), [&](int64_t p0, int64_t p1) {
    const int64_t W_ = W, OW_ = OW, a_ = a, b_ = b, kw_ = kw, sw_ = sw, dw_ = dw, pw_ = pw;  // locals: see norm.cpp
    for (int64_t p = p0; p < p1; p++) {
      const T* xp = x + p * H * W_;
      for (int64_t oh = 0; oh < OH; oh++) {
        const Window h = wh(oh);
        T* __restrict m = y + (p * OH + oh) * OW_;
        int64_t* __restrict at = idx + (p * OH + oh) * OW_;
        for (int64_t ow = 0; ow < a_; ow++) scan_window(xp, W_, h, cols[ow], m[ow], at[ow]);
        for (int64_t ow = b_; ow < OW_; ow++) scan_window(xp, W_, h, cols[ow], m[ow], at[ow]);
        // interior columns always hold a tap; the rows may not (then -inf and -1, as scan_window)
        const bool rows = h.lo < h.hi;
        for (int64_t ow = a_; ow < b_; ow++) m[ow] = -std::numeric_limits<T>::infinity(), at[ow] = rows ? h.lo * W_ + ow * sw_ - pw_ : -1;
        for (int64_t ih = h.lo; ih < h.hi; ih += h.step)
          for (int64_t j = 0; j < kw_; j++) {
            const int64_t off = ih * W_ + j * dw_ - pw_;
            const T* __restrict r = xp + off;
#pragma omp simd
            for (int64_t ow = a_; ow < b_; ow++) {
              const T v = r[ow * sw_];
              const bool u = (v > m[ow]) | (v != v);  // bitwise: no branches
              m[ow] = u ? v : m[ow];
              at[ow] = u ? off + ow * sw_ : at[ow];
            }
          }
      }
    }
  });
}

// The common 2x2 window with stride 2 and no padding (LeNet, VGG, the MNIST CNN): the four
// candidates of each output in one pass, branch-free so GCC vectorizes across outputs.
// (v > m || v != v) is torch's update rule: ties keep the first, the last NaN wins.
template <typename T>
void max_planes_2x2(const T* x, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, T* y, int64_t* idx) {
  parallel_for(0, planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, OH * OW)), [&](int64_t p0, int64_t p1) {
    // locals: captures are read through the closure, which GCC reloads after every store
    // (blocking SIMD)
    const int64_t H_ = H, W_ = W, OH_ = OH, OW_ = OW;
    for (int64_t p = p0; p < p1; p++)
      for (int64_t oh = 0; oh < OH_; oh++) {
        const T* __restrict r0 = x + p * H_ * W_ + 2 * oh * W_;
        const T* __restrict r1 = r0 + W_;
        T* __restrict yr = y + p * OH_ * OW_ + oh * OW_;
        int64_t* __restrict ir = idx + p * OH_ * OW_ + oh * OW_;
        const int64_t base = 2 * oh * W_;
#pragma omp simd
        for (int64_t ow = 0; ow < OW_; ow++) {
          T m = r0[2 * ow];
          int64_t k = 0;
          const T b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
          bool u = (b > m) | (b != b);  // bitwise: no branches
          m = u ? b : m, k = u ? 1 : k;
          u = (c > m) | (c != c);
          m = u ? c : m, k = u ? W_ : k;
          u = (d > m) | (d != d);
          m = u ? d : m, k = u ? W_ + 1 : k;
          yr[ow] = m;
          ir[ow] = base + 2 * ow + k;
        }
      }
  });
}

void check_input(const char* op, const TensorImpl& x) {
  check_alive(op, x);
  if (x.ndim() != 4)
    fail(op, "expected 4-D input [N, C, H, W], got " + std::to_string(x.ndim()) + "-D " + dims_str(x.shape));
  if (!is_float(x.dtype)) fail(op, std::string("input must be float32 or float64, got ") + dtype_name(x.dtype));
  if (x.shape[2] < 1 || x.shape[3] < 1) fail(op, "expected non-empty spatial dims, got input " + dims_str(x.shape));
}

// torch's pooling_output_shape: floor or ceil division, and the last window must start
// inside the input or the left padding.
int64_t pool_out(const char* op, int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  const int64_t span = checked_add(op, checked_mul(op, dil, k - 1), 1);  // the window's extent
  const int64_t num = checked_add(op, in + 2 * pad - span, ceil_mode ? stride - 1 : 0);  // pad <= k / 2 here
  int64_t o = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;  // floor division
  if (ceil_mode && (o - 1) * stride >= in + pad) o--;
  return o;
}

}  // namespace

std::pair<TensorPtr, TensorPtr> max_pool2d(const TensorImpl& x0, const Dims& kernel, const Dims& stride, const Dims& padding,
                                           const Dims& dilation, bool ceil_mode) {
  const char* op = "max_pool2d";
  check_input(op, x0);
  check_pair(op, kernel, "kernel_size", 1);
  check_pair(op, stride, "stride", 1);
  check_pair(op, padding, "padding", 0);
  check_pair(op, dilation, "dilation", 1);
  if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2)
    fail(op, "pad should be at most half of effective kernel size, but got pad=" + dims_str(padding) + " and kernel_size=" + dims_str(kernel));
  const int64_t N = x0.shape[0], C = x0.shape[1], H = x0.shape[2], W = x0.shape[3];
  const int64_t OH = pool_out(op, H, kernel[0], padding[0], stride[0], dilation[0], ceil_mode);
  const int64_t OW = pool_out(op, W, kernel[1], padding[1], stride[1], dilation[1], ceil_mode);
  if (OH < 1 || OW < 1)
    fail(op, "given input size " + dims_str(x0.shape) + ", calculated output size (" + std::to_string(OH) + " x " +
                 std::to_string(OW) + ") is too small");
  TensorPtr y = empty({N, C, OH, OW}, x0.dtype, Device::cpu, op), idx = empty({N, C, OH, OW}, DType::int64, Device::cpu, op);
  if (y->numel() == 0) return {y, idx};
  TensorPtr xc = dense(x0);
  auto win = [](int64_t k, int64_t s, int64_t p, int64_t d, int64_t in) {
    return [=](int64_t o) {
      int64_t lo = o * s - p;
      const int64_t hi = std::min(lo + (k - 1) * d + 1, in);
      if (lo < 0) lo += (-lo + d - 1) / d * d;  // the first tap past the padding (torch steps there one d at a time)
      return Window{lo, hi, d};
    };
  };
  const bool two = kernel[0] == 2 && kernel[1] == 2 && stride[0] == 2 && stride[1] == 2 && padding[0] == 0 &&
                   padding[1] == 0 && dilation[0] == 1 && dilation[1] == 1 && 2 * OH <= H && 2 * OW <= W;
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    if (two) max_planes_2x2<scalar_t>(xc->data<scalar_t>(), N * C, H, W, OH, OW, y->data<scalar_t>(), idx->data<int64_t>());
    else max_planes_fixed<scalar_t>(xc->data<scalar_t>(), N * C, H, W, OH, OW, win(kernel[0], stride[0], padding[0], dilation[0], H),
                                    win(kernel[1], stride[1], padding[1], dilation[1], W), kernel[1], stride[1], padding[1],
                                    dilation[1], y->data<scalar_t>(), idx->data<int64_t>());
  });
  return {y, idx};
}

std::pair<TensorPtr, TensorPtr> adaptive_max_pool2d(const TensorImpl& x0, const Dims& output_size) {
  const char* op = "adaptive_max_pool2d";
  check_input(op, x0);
  if (output_size.size() != 2 || output_size[0] < 1 || output_size[1] < 1)
    fail(op, "output_size must be 2 positive values, got " + dims_str(output_size));
  const int64_t N = x0.shape[0], C = x0.shape[1], H = x0.shape[2], W = x0.shape[3], OH = output_size[0], OW = output_size[1];
  TensorPtr y = empty({N, C, OH, OW}, x0.dtype, Device::cpu, op), idx = empty({N, C, OH, OW}, DType::int64, Device::cpu, op);
  if (y->numel() == 0) return {y, idx};
  TensorPtr xc = dense(x0);
  auto win = [](int64_t in, int64_t out) {
    return [=](int64_t o) { return Window{o * in / out, ((o + 1) * in + out - 1) / out, 1}; };
  };
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    max_planes<scalar_t>(xc->data<scalar_t>(), N * C, H, W, OH, OW, win(H, OH), win(W, OW), y->data<scalar_t>(),
                         idx->data<int64_t>());
  });
  return {y, idx};
}

}  // namespace myelin
