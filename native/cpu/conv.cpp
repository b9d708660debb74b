// 2-D convolution over NCHW, as im2col + GEMM per sample and group (the products run on
// matmul's GEMM, gemm.h). Three ops cover forward and backward of conv and its transpose:
//   conv2d             y = W * x                      (im2col, GEMM)
//   conv_transpose2d   y = Wᵀ * x, conv2d's dx        (GEMM, col2im)
//   conv2d_weight_grad dW = dy ⋆ x, summed over batch (im2col, GEMM against dy)
// float32 goes to oneDNN instead when the build has it (conv_dnnl.h). Here, samples run in
// parallel with single-threaded GEMMs when there are enough of them; else
// one sample at a time, each GEMM on all threads. 1x1 kernels with stride 1 and no
// padding skip im2col: the input plane already is the column matrix.
#include <cstring>
#include <vector>
#include "../core/ops.h"
#include "../core/parallel.h"
#include "conv_direct.h"
#include "conv_dnnl.h"
#include "gemm.h"
#include "nchw.h"

namespace myelin {
namespace {

// One sample-group's plane geometry: C channels of H x W read by a kh x kw kernel into an
// OH x OW output grid.
struct Geom {
  int64_t C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW;
  int64_t rows() const { return C * kh * kw; }
  int64_t cols() const { return OH * OW; }
  bool direct() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
};

// Output positions ow in [lo, hi) read an in-range column iw = ow * s + off.
inline void valid_range(int64_t n_out, int64_t s, int64_t off, int64_t n_in, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : std::min(n_out, (-off + s - 1) / s);  // padding can exceed the whole output
  hi = off > n_in - 1 ? 0 : std::min(n_out, (n_in - 1 - off) / s + 1);
  if (hi < lo) hi = lo;
}

// col[(c, i, j), (oh, ow)] = x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw], 0 outside.
template <typename T> void im2col(const T* x, const Geom& g, T* col) {
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        T* row = col + ((c * g.kh + i) * g.kw + j) * g.cols();
        const int64_t off = j * g.dw - g.pw;
        int64_t lo, hi;
        valid_range(g.OW, g.sw, off, g.W, lo, hi);
        for (int64_t oh = 0; oh < g.OH; oh++) {
          T* r = row + oh * g.OW;
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.H) { std::fill(r, r + g.OW, T(0)); continue; }
          const T* xr = x + (c * g.H + ih) * g.W + off;
          std::fill(r, r + lo, T(0));
          if (g.sw == 1) std::memcpy(r + lo, xr + lo, (hi - lo) * sizeof(T));
          else for (int64_t ow = lo; ow < hi; ow++) r[ow] = xr[ow * g.sw];
          std::fill(r + hi, r + g.OW, T(0));
        }
      }
}

// The adjoint of im2col: x[c, ih, iw] += every col entry that read it.
template <typename T> void col2im(const T* col, const Geom& g, T* x) {
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        const T* row = col + ((c * g.kh + i) * g.kw + j) * g.cols();
        const int64_t off = j * g.dw - g.pw;
        int64_t lo, hi;
        valid_range(g.OW, g.sw, off, g.W, lo, hi);
        for (int64_t oh = 0; oh < g.OH; oh++) {
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          const T* r = row + oh * g.OW;
          T* xr = x + (c * g.H + ih) * g.W + off;
          if (g.sw == 1) for (int64_t ow = lo; ow < hi; ow++) xr[ow] += r[ow];
          else for (int64_t ow = lo; ow < hi; ow++) xr[ow * g.sw] += r[ow];
        }
      }
}

// Checks the geometry's products once: the column matrix (rows x cols, one per thread)
// and the GEMM offsets. An expanded weight's huge kernel once wrapped rows * cols to a few
// elements, and im2col wrote past the buffer.
void check_geom(const char* op, const Geom& g) {
  checked_mul(op, checked_mul(op, g.C, checked_mul(op, g.kh, g.kw)), checked_mul(op, g.OH, g.OW));
  checked_mul(op, checked_mul(op, g.C, g.H), g.W);
}
// A kernel's extent, dilation * (k - 1) + 1.
int64_t extent(const char* op, int64_t dilation, int64_t k) { return checked_add(op, checked_mul(op, dilation, k - 1), 1); }

template <typename T> T* scratch(int64_t n) {
  thread_local std::vector<T> buf;
  if ((int64_t)buf.size() < n) buf.resize(n);
  return buf.data();
}

// The column matrix of one sample-group plane: the plane itself for direct 1x1 convs, else
// its im2col in this thread's scratch buffer.
template <typename T> const T* columns(const T* xg, const Geom& g) {
  if (g.direct()) return xg;
  T* buf = scratch<T>(g.rows() * g.cols());
  im2col(xg, g, buf);
  return buf;
}

// Runs f(n, nt) for each sample n: in parallel with nt = 1 when there are at least as many
// samples as threads (and enough work), else one after another with nt = all threads.
template <typename F> void per_sample(int64_t N, double work_per_sample, const F& f) {
  const int64_t threads = num_threads().load();
  if (threads > 1 && N >= threads && work_per_sample * N > 1 << 16)
    parallel_for(0, N, 1, [&](int64_t b, int64_t e) { for (int64_t n = b; n < e; n++) f(n, 1); });
  else
    for (int64_t n = 0; n < N; n++) f(n, work_per_sample > 1 << 16 ? threads : 1);
}

struct Conv2dArgs {
  int64_t sh, sw, ph, pw, dh, dw, groups;
};
Conv2dArgs conv_args(const char* op, const Dims& stride, const Dims& padding, const Dims& dilation, int64_t groups) {
  check_pair(op, stride, "stride", 1);
  check_pair(op, padding, "padding", 0);
  check_pair(op, dilation, "dilation", 1);
  if (groups < 1) fail(op, "groups must be a positive integer, got " + std::to_string(groups));
  return {stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], groups};
}

void check_float_4d(const char* op, const TensorImpl& t, const char* what, DType dt) {
  check_alive(op, t);
  if (t.device() != Device::cpu) fail(op, std::string(what) + " must be a CPU tensor");
  if (t.ndim() != 4)
    fail(op, std::string("expected 4-D ") + what + " [N, C, H, W], got " + std::to_string(t.ndim()) + "-D " + dims_str(t.shape));
  if (!is_float(t.dtype)) fail(op, std::string(what) + " must be float32 or float64, got " + dtype_name(t.dtype));
  if (t.dtype != dt)
    fail(op, std::string("expected ") + what + " of dtype " + dtype_name(dt) + ", got " + dtype_name(t.dtype));
}
void check_bias(const char* op, const TensorImpl* b, int64_t C, DType dt) {
  if (!b) return;
  check_alive(op, *b);
  if (b->ndim() != 1 || b->shape[0] != C)
    fail(op, "expected bias of shape [" + std::to_string(C) + "], got " + dims_str(b->shape));
  if (b->dtype != dt) fail(op, std::string("expected bias of dtype ") + dtype_name(dt) + ", got " + dtype_name(b->dtype));
}
// y[n, c, :] = bias[c] (or 0), which the GEMMs then accumulate into; or, with add, y += bias.
template <typename T> void bias_rows(T* y, int64_t N, int64_t C, int64_t plane, const TensorImpl* bias, bool add = false) {
  if (add && !bias) return;
  TensorPtr bc = bias ? dense(*bias) : nullptr;
  const T* b = bc ? bc->data<T>() : nullptr;
  parallel_for(0, N * C, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(plane, 1)), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; r++) {
      T* row = y + r * plane;
      if (add) for (int64_t i = 0; i < plane; i++) row[i] += b[r % C];
      else std::fill(row, row + plane, b ? b[r % C] : T(0));
    }
  });
}

// conv2d's checks on x [N, C, H, W] and w [OC, C / groups, kh, kw], once both have passed
// check_float_4d (shared with its backward): one sample-group's geometry.
Geom conv_geom(const char* op, const TensorImpl& x0, const TensorImpl& w0, const Conv2dArgs& a) {
  const int64_t C = x0.shape[1], H = x0.shape[2], W = x0.shape[3], groups = a.groups;
  const int64_t OC = w0.shape[0], Cg = w0.shape[1], kh = w0.shape[2], kw = w0.shape[3];
  if (Cg * groups != C)
    fail(op, "given groups=" + std::to_string(groups) + ", weight of size " + dims_str(w0.shape) + ", expected input" +
                 dims_str(x0.shape) + " to have " + std::to_string(Cg * groups) + " channels, but got " + std::to_string(C) +
                 " channels instead");
  if (OC % groups) fail(op, "out_channels (" + std::to_string(OC) + ") must be divisible by groups (" + std::to_string(groups) + ")");
  if (kh < 1 || kw < 1) fail(op, "expected a non-empty kernel, got weight of size " + dims_str(w0.shape));
  const int64_t ekh = extent(op, a.dh, kh), ekw = extent(op, a.dw, kw);
  if (H + 2 * a.ph < ekh || W + 2 * a.pw < ekw)
    fail(op, "calculated padded input size per channel: (" + std::to_string(H + 2 * a.ph) + " x " + std::to_string(W + 2 * a.pw) +
                 "). Kernel size: (" + std::to_string(ekh) + " x " + std::to_string(ekw) +
                 "). Kernel size can't be greater than actual input size");
  const Geom g{Cg, H, W, kh, kw, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, (H + 2 * a.ph - ekh) / a.sh + 1, (W + 2 * a.pw - ekw) / a.sw + 1};
  check_geom(op, g);
  return g;
}

}  // namespace

TensorPtr conv2d(const TensorImpl& x0, const TensorImpl& w0, const TensorImpl* bias, const Dims& stride,
                 const Dims& padding, const Dims& dilation, int64_t groups) {
  const char* op = "conv2d";
  check_float_4d(op, x0, "input", x0.dtype);
  check_float_4d(op, w0, "weight", x0.dtype);
  const Conv2dArgs a = conv_args(op, stride, padding, dilation, groups);
  const Geom g = conv_geom(op, x0, w0, a);
  const int64_t N = x0.shape[0], C = x0.shape[1], H = x0.shape[2], W = x0.shape[3], OC = w0.shape[0], kh = g.kh, kw = g.kw;
  check_bias(op, bias, OC, x0.dtype);
  if (x0.dtype == DType::bfloat16) {  // oneDNN's bf16 kernels where the CPU has them, else float32 compute rounded once
#ifdef MYELIN_DNNL
    const ConvShape s{N, C, H, W, OC, kh, kw, g.OH, g.OW, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, groups};
    if (N > 0 && OC > 0 && g.OH > 0 && g.OW > 0)
      if (auto y = conv2d_bf16_dnnl(s, x0, w0, bias)) return y;
#endif
    auto xf = to_dtype(x0, DType::float32), wf = to_dtype(w0, DType::float32);
    auto bf = bias ? to_dtype(*bias, DType::float32) : nullptr;
    return to_dtype(*conv2d(*xf, *wf, bf.get(), stride, padding, dilation, groups), DType::bfloat16);
  }
  TensorPtr out = empty({N, OC, g.OH, g.OW}, x0.dtype, Device::cpu, op);
  if (out->numel() == 0) return out;
  TensorPtr xc = dense(x0), wc = dense(w0);
  if (x0.dtype == DType::float32) {  // few input channels: the direct kernel (conv_direct.h)
    const ConvShape s{N, C, H, W, OC, kh, kw, g.OH, g.OW, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, groups};
    if (conv_direct_ok(s)) {
      TensorPtr bc = bias ? dense(*bias) : nullptr;
      conv_direct_forward(s, xc->data<float>(), wc->data<float>(), bc ? bc->data<float>() : nullptr, out->data<float>());
      return out;
    }
  }
#ifdef MYELIN_DNNL
  if (x0.dtype == DType::float32) {
    TensorPtr bc = bias ? dense(*bias) : nullptr;
    const ConvShape s{N, C, H, W, OC, kh, kw, g.OH, g.OW, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, groups};
    if (dnnl_conv_forward(s, xc->data<float>(), wc->data<float>(), bc ? bc->data<float>() : nullptr, out->data<float>())) return out;
  }
#endif
  const int64_t OCg = OC / groups, K = g.rows(), P = g.cols();
  BlasThreadsGuard guard;
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    T* y = out->data<T>();
    const T* x = xc->data<T>();
    const T* w = wc->data<T>();
    bias_rows<T>(y, N, OC, P, bias);
    per_sample(N, (double)OC * K * P, [&](int64_t n, int64_t nt) {
      for (int64_t gi = 0; gi < groups; gi++) {
        const T* col = columns(x + (n * C + gi * g.C) * H * W, g);
        gemm_into<T>(OCg, P, K, w + gi * OCg * K, K, 1, col, P, 1, y + (n * OC + gi * OCg) * P, P, true, nt);
      }
    });
  });
  return out;
}

TensorPtr conv_transpose2d(const TensorImpl& x0, const TensorImpl& w0, const TensorImpl* bias, const Dims& stride,
                           const Dims& padding, const Dims& output_padding, const Dims& dilation, int64_t groups) {
  const char* op = "conv_transpose2d";
  check_float_4d(op, x0, "input", x0.dtype);
  check_float_4d(op, w0, "weight", x0.dtype);
  const Conv2dArgs a = conv_args(op, stride, padding, dilation, groups);
  if (output_padding.size() != 2 || output_padding[0] < 0 || output_padding[1] < 0)
    fail(op, "output_padding must be 2 non-negative values, got " + dims_str(output_padding));
  if ((output_padding[0] >= a.sh && output_padding[0] >= a.dh) || (output_padding[1] >= a.sw && output_padding[1] >= a.dw))
    fail(op, "output padding must be smaller than either stride or dilation, got output_padding " + dims_str(output_padding) +
                 ", stride " + dims_str(stride) + ", dilation " + dims_str(dilation));
  const int64_t N = x0.shape[0], Cin = x0.shape[1], H = x0.shape[2], W = x0.shape[3];
  const int64_t Coutg = w0.shape[1], kh = w0.shape[2], kw = w0.shape[3];
  if (w0.shape[0] != Cin || Cin % groups)
    fail(op, "given groups=" + std::to_string(groups) + ", weight of size " + dims_str(w0.shape) + ", expected input" +
                 dims_str(x0.shape) + " to have " + std::to_string(w0.shape[0]) + " channels, but got " + std::to_string(Cin) +
                 " channels instead");
  const int64_t Cout = Coutg * groups;
  check_bias(op, bias, Cout, x0.dtype);
  if (kh < 1 || kw < 1) fail(op, "expected a non-empty kernel, got weight of size " + dims_str(w0.shape));
  // (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1, checked (a
  // padding above 2^62 or a huge stride wrapped these)
  auto out_size = [&](int64_t in, int64_t s, int64_t p, int64_t d, int64_t k, int64_t op_) {
    if (in < 1) return int64_t(0);
    return checked_add(op, checked_add(op, checked_mul(op, in - 1, s), extent(op, d, k)), op_ - checked_mul(op, 2, p));
  };
  const int64_t OH = out_size(H, a.sh, a.ph, a.dh, kh, output_padding[0]);
  const int64_t OW = out_size(W, a.sw, a.pw, a.dw, kw, output_padding[1]);
  if (OH < 1 || OW < 1 || H < 1 || W < 1)
    fail(op, "input " + dims_str(x0.shape) + " with weight " + dims_str(w0.shape) + " gives output size " + std::to_string(OH) +
                 " x " + std::to_string(OW) + ", which is too small");
  // the forward conv whose input gradient this is: Coutg channels of OH x OW read into H x W
  const Geom g{Coutg, OH, OW, kh, kw, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, H, W};
  check_geom(op, g);
  TensorPtr out = empty({N, Cout, OH, OW}, x0.dtype, Device::cpu, op);
  if (out->numel() == 0) return out;
  TensorPtr xc = dense(x0), wc = dense(w0);
#ifdef MYELIN_DNNL
  // oneDNN pads the channels it writes to a block of 16: an input gradient with few channels
  // (a network's first layer) ran at 1/16 of its speed there (2.8 ms on [64, 1, 28, 28] from
  // 32 channels), so those take the GEMM path below
  if (x0.dtype == DType::float32 && Cout / groups >= 8) {
    // the input gradient of the forward conv from Coutg-channel OH x OW maps to x's
    const ConvShape s{N, Cout, OH, OW, Cin, kh, kw, H, W, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, groups};
    if (dnnl_conv_backward(s, xc->data<float>(), nullptr, nullptr, wc->data<float>(), out->data<float>(), nullptr, nullptr))
      return bias_rows<float>(out->data<float>(), N, Cout, OH * OW, bias, true), out;
  }
#endif
  const int64_t Cing = Cin / groups, K = g.rows(), P = g.cols(), plane = OH * OW;
  BlasThreadsGuard guard;
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    T* y = out->data<T>();
    const T* x = xc->data<T>();
    const T* w = wc->data<T>();
    bias_rows<T>(y, N, Cout, plane, bias);
    per_sample(N, (double)Cin * K * P / groups, [&](int64_t n, int64_t nt) {
      for (int64_t gi = 0; gi < groups; gi++) {
        const T* xg = x + (n * Cin + gi * Cing) * P;
        const T* wg = w + gi * Cing * K;  // [Cing, K], read transposed
        T* yg = y + (n * Cout + gi * Coutg) * plane;
        if (g.direct()) { gemm_into<T>(K, P, Cing, wg, 1, K, xg, P, 1, yg, P, true, nt); continue; }
        T* col = scratch<T>(K * P);
        gemm_into<T>(K, P, Cing, wg, 1, K, xg, P, 1, col, P, false, nt);
        col2im(col, g, yg);
      }
    });
  });
  return out;
}

TensorPtr conv2d_weight_grad(const TensorImpl& dy0, const TensorImpl& x0, const Dims& kernel, const Dims& stride,
                             const Dims& padding, const Dims& dilation, int64_t groups) {
  const char* op = "conv2d_weight_grad";
  check_float_4d(op, dy0, "grad_output", dy0.dtype);
  check_float_4d(op, x0, "input", dy0.dtype);
  const Conv2dArgs a = conv_args(op, stride, padding, dilation, groups);
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1) fail(op, "kernel size must be 2 positive values, got " + dims_str(kernel));
  const int64_t N = x0.shape[0], C = x0.shape[1], H = x0.shape[2], W = x0.shape[3], OC = dy0.shape[1];
  if (dy0.shape[0] != N) fail(op, "grad_output " + dims_str(dy0.shape) + " and input " + dims_str(x0.shape) + " differ in batch size");
  if (C % groups || OC % groups)
    fail(op, "channels of grad_output (" + std::to_string(OC) + ") and input (" + std::to_string(C) + ") must be divisible by groups (" +
                 std::to_string(groups) + ")");
  const int64_t kh = kernel[0], kw = kernel[1];
  const int64_t ekh = extent(op, a.dh, kh), ekw = extent(op, a.dw, kw);
  const int64_t OH = H + 2 * a.ph >= ekh ? (H + 2 * a.ph - ekh) / a.sh + 1 : 0;
  const int64_t OW = W + 2 * a.pw >= ekw ? (W + 2 * a.pw - ekw) / a.sw + 1 : 0;
  if (OH != dy0.shape[2] || OW != dy0.shape[3])
    fail(op, "grad_output " + dims_str(dy0.shape) + " does not match the conv of input " + dims_str(x0.shape) + " by a " +
                 std::to_string(kh) + " x " + std::to_string(kw) + " kernel (expected " + std::to_string(OH) + " x " + std::to_string(OW) + ")");
  const int64_t Cg = C / groups, OCg = OC / groups;
  const Geom g{Cg, H, W, kh, kw, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, OH, OW};
  check_geom(op, g);
  const int64_t K = g.rows(), P = g.cols(), wsize = checked_mul(op, OC, K);
  TensorPtr out = empty({OC, Cg, kh, kw}, x0.dtype, Device::cpu, op);
  if (out->numel() == 0) return out;
  TensorPtr xc = dense(x0), dyc = dense(dy0);
#ifdef MYELIN_DNNL
  if (x0.dtype == DType::float32 && N > 0) {
    const ConvShape s{N, C, H, W, OC, kh, kw, OH, OW, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, groups};
    if (dnnl_conv_backward(s, dyc->data<float>(), nullptr, xc->data<float>(), nullptr, nullptr, out->data<float>(), nullptr)) return out;
  }
#endif
  BlasThreadsGuard guard;
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    T* dw = out->data<T>();
    std::fill(dw, dw + wsize, T(0));
    const T* x = xc->data<T>();
    const T* dy = dyc->data<T>();
    // dW_g += dy[n, g] (OCg x P) @ col(x[n, g])ᵀ (P x K); the batch splits into one chunk per
    // thread, each summing into its own partial dW, added up at the end.
    const int64_t threads = num_threads().load();
    const double work = (double)OC * K * P;
    const int64_t chunks = threads > 1 && N >= threads && work * N > 1 << 16 ? threads : 1;
    std::vector<T> partial((chunks - 1) * wsize, T(0));
    auto run = [&](int64_t c, int64_t nt) {
      T* acc = c == 0 ? dw : partial.data() + (c - 1) * wsize;
      for (int64_t n = c * N / chunks; n < (c + 1) * N / chunks; n++)
        for (int64_t gi = 0; gi < groups; gi++) {
          const T* col = columns(x + (n * C + gi * Cg) * H * W, g);
          gemm_into<T>(OCg, K, P, dy + (n * OC + gi * OCg) * P, P, 1, col, 1, P, acc + gi * OCg * K, K, true, nt);
        }
    };
    if (chunks == 1) run(0, work > 1 << 16 ? threads : 1);
    else {
      parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) { for (int64_t c = b; c < e; c++) run(c, 1); });
      for (int64_t c = 1; c < chunks; c++) {
        const T* p = partial.data() + (c - 1) * wsize;
        for (int64_t i = 0; i < wsize; i++) dw[i] += p[i];
      }
    }
  });
  return out;
}

std::tuple<TensorPtr, TensorPtr, TensorPtr> conv2d_backward(const TensorImpl& dy0, const TensorImpl& x0, const TensorImpl& w0,
                                                            const Dims& stride, const Dims& padding, const Dims& dilation,
                                                            int64_t groups, const std::array<bool, 3>& mask) {
  const char* op = "conv2d_backward";
  check_float_4d(op, x0, "input", x0.dtype);
  check_float_4d(op, w0, "weight", x0.dtype);
  check_float_4d(op, dy0, "grad_output", x0.dtype);
  const Conv2dArgs a = conv_args(op, stride, padding, dilation, groups);
  const Geom g = conv_geom(op, x0, w0, a);
  const int64_t N = x0.shape[0], C = x0.shape[1], H = x0.shape[2], W = x0.shape[3], OC = w0.shape[0];
  const Dims dy_shape{N, OC, g.OH, g.OW};
  if (dy0.shape != dy_shape) fail(op, "expected grad_output of size " + dims_str(dy_shape) + ", got " + dims_str(dy0.shape));
  TensorPtr dx, dw, db;
  bool direct = false;
  if (x0.dtype == DType::float32 && dy0.numel() > 0) {
    // few input channels: the direct kernels (conv_direct.h) take dy with its strides; dx
    // only at stride 1 (else it takes the GEMM path below, as before)
    const ConvShape s{N, C, H, W, OC, g.kh, g.kw, g.OH, g.OW, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, groups};
    if (conv_direct_ok(s)) {
      direct = true;
      const bool want_dx = mask[0] && conv_direct_dx_ok(s);
      TensorPtr xc = mask[1] ? dense(x0) : nullptr, wc = want_dx ? dense(w0) : nullptr;
      if (want_dx) dx = empty(x0.shape, x0.dtype, Device::cpu, op);
      if (mask[1]) dw = empty(w0.shape, x0.dtype, Device::cpu, op);
      if (mask[2]) db = empty({OC}, x0.dtype, Device::cpu, op);
      auto ptr = [](const TensorPtr& t) { return t ? t->data<float>() : nullptr; };
      conv_direct_backward(s, dy0.data<float>(), dy0.strides.data(), ptr(xc), ptr(wc), ptr(dx), ptr(dw), ptr(db));
    }
  }
#ifdef MYELIN_DNNL
  if (!direct && x0.dtype == DType::float32 && dy0.numel() > 0 && (mask[0] || mask[1])) {
    const bool dnnl_dx = mask[0] && g.C >= 8;  // few-channel input gradients take the GEMM path (see conv_transpose2d)
    TensorPtr xc = mask[1] ? dense(x0) : nullptr, wc = dnnl_dx ? dense(w0) : nullptr;
    if (dnnl_dx) dx = empty(x0.shape, x0.dtype, Device::cpu, op);
    if (mask[1]) dw = empty(w0.shape, x0.dtype, Device::cpu, op);
    if (mask[1] && mask[2]) db = empty({OC}, x0.dtype, Device::cpu, op);
    const ConvShape s{N, C, H, W, OC, g.kh, g.kw, g.OH, g.OW, a.sh, a.sw, a.ph, a.pw, a.dh, a.dw, groups};
    auto ptr = [](const TensorPtr& t) { return t ? t->data<float>() : nullptr; };
    if (!dnnl_conv_backward(s, dy0.data<float>(), dy0.strides.data(), ptr(xc), ptr(wc), ptr(dx), ptr(dw), ptr(db))) dx = dw = db = nullptr;
  }
#endif
  const bool rest = (mask[0] && !dx) || (mask[1] && !dw) || (mask[2] && !db);
  const TensorPtr dyc = rest ? dense(dy0) : nullptr;  // the paths below read it contiguous
  // the output padding that brings the transposed conv of dy back to H x W (floor division's remainder)
  const Dims out_pad{H - ((g.OH - 1) * a.sh - 2 * a.ph + a.dh * (g.kh - 1) + 1), W - ((g.OW - 1) * a.sw - 2 * a.pw + a.dw * (g.kw - 1) + 1)};
  if (mask[0] && !dx) dx = conv_transpose2d(*dyc, w0, nullptr, stride, padding, out_pad, dilation, groups);
  if (mask[1] && !dw) dw = conv2d_weight_grad(*dyc, x0, {g.kh, g.kw}, stride, padding, dilation, groups);
  if (mask[2] && !db) db = reduce("sum", ReduceOp::sum, *dyc, {0, 2, 3}, false);
  return {dx, dw, db};
}

}  // namespace myelin
