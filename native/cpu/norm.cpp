// Batch normalization over dim 1 of [N, C, *], forward and backward in two passes over the
// data per channel (the composite of Tensor ops it replaces made ~20 full passes). Channels
// run in parallel; sums accumulate in double, so float32 statistics of large batches do
// not drift. Running statistics are updated in place, as torch's native_batch_norm does.
#include <cmath>
#include <vector>
#include "../core/ops.h"
#include "../core/parallel.h"

namespace myelin {
namespace {

struct Layout {
  int64_t N, C, S;  // x viewed as [N, C, S]
  int64_t count() const { return N * S; }
};

Layout check_x(const char* op, const TensorImpl& x) {
  check_alive(op, x);
  if (x.ndim() < 2) fail(op, "expected input of at least 2 dims [N, C, ...], got " + dims_str(x.shape));
  if (!is_float(x.dtype)) fail(op, std::string("input must be float32 or float64, got ") + dtype_name(x.dtype));
  int64_t S = 1;
  for (int64_t d = 2; d < x.ndim(); d++) S *= x.shape[d];
  return {x.shape[0], x.shape[1], S};
}
// A per-channel vector argument: null allowed where `optional`.
const TensorImpl* check_vec(const char* op, const TensorImpl* t, const char* what, int64_t C, DType dt) {
  if (!t) return nullptr;
  check_alive(op, *t);
  if (t->ndim() != 1 || t->shape[0] != C)
    fail(op, std::string("expected ") + what + " of shape [" + std::to_string(C) + "], got " + dims_str(t->shape));
  if (t->dtype != dt) fail(op, std::string("expected ") + what + " of dtype " + dtype_name(dt) + ", got " + dtype_name(t->dtype));
  return t;
}
template <typename T> T at(const TensorImpl* t, int64_t c, T dflt) {
  if (!t) return dflt;
  return t->data<T>()[c * t->strides[0]];
}
template <typename F> void per_channel(const Layout& l, const F& f) {
  parallel_for(0, l.C, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, l.count())), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; c++) f(c);
  });
}

// Small planes (S < kSmallPlane: a ResNet's later stages, 8x8 down to 1x1) put one channel's
// values C * S apart per sample, so per-channel loops read a cache line for a few values and
// cannot vectorize. There a thread takes a tile of channels instead and walks the samples
// in order: f(c0, c1) for tiles of at most kTile positions (tile channels * S), whose
// per-position work runs over each sample's contiguous [c1 - c0, S] slice.
constexpr int64_t kSmallPlane = 128, kTile = 512;
template <typename F> void per_tile(const Layout& l, const F& f) {
  const int64_t tc = kTile / l.S, tiles = (l.C + tc - 1) / tc;
  parallel_for(0, tiles, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, tc * l.count())), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) f(t * tc, std::min(l.C, (t + 1) * tc));
  });
}
// acc[p] += g(i, p) over the tile's P positions p of every sample (i: the element's index in x).
template <typename G> void tile_sum(const Layout& l, int64_t c0, int64_t P, double* acc, const G& g) {
  const int64_t N = l.N, C = l.C, S = l.S;
  std::fill(acc, acc + P, 0.0);
  for (int64_t n = 0; n < N; n++) {
    const int64_t off = (n * C + c0) * S;
    _Pragma("omp simd")
    for (int64_t p = 0; p < P; p++) acc[p] += g(off + p, p);
  }
}
// per channel j of the tile: the sum of acc over its S positions
inline double plane_sum(const double* acc, int64_t j, int64_t S) {
  double s = 0;
  for (int64_t i = 0; i < S; i++) s += acc[j * S + i];
  return s;
}

}  // namespace

std::tuple<TensorPtr, TensorPtr, TensorPtr> batch_norm(const TensorImpl& x0, const TensorImpl* weight, const TensorImpl* bias,
                                                       TensorImpl* running_mean, TensorImpl* running_var, bool training,
                                                       double momentum, double eps) {
  const char* op = "batch_norm";
  const Layout l = check_x(op, x0);
  check_vec(op, weight, "weight", l.C, x0.dtype);
  check_vec(op, bias, "bias", l.C, x0.dtype);
  check_vec(op, running_mean, "running_mean", l.C, x0.dtype);
  check_vec(op, running_var, "running_var", l.C, x0.dtype);
  if (!(eps >= 0)) fail(op, "eps must be non-negative, got " + std::to_string(eps));
  if (training && l.count() <= 1)
    fail(op, "expected more than 1 value per channel when training, got input size " + dims_str(x0.shape));
  if (!training && (!running_mean || !running_var)) fail(op, "running_mean and running_var must be defined in evaluation mode");
  if ((running_mean == nullptr) != (running_var == nullptr)) fail(op, "running_mean and running_var must be given together");
  if (training && running_mean) {
    // written in place, each channel's element by the thread that computes its statistics
    check_writable(op, *running_mean);
    check_writable(op, *running_var);
    if (may_share_memory(*running_mean, *running_var)) fail(op, "running_mean and running_var share memory; each must be a tensor of its own");
    for (const TensorImpl* in : {&x0, weight, bias})
      if (in && (may_share_memory(*running_mean, *in) || may_share_memory(*running_var, *in)))
        fail(op, "the running statistics share memory with the input, weight or bias");
  }
  TensorPtr y = empty(x0.shape, x0.dtype, Device::cpu, op);
  TensorPtr mean = empty({l.C}, x0.dtype, Device::cpu, op), invstd = empty({l.C}, x0.dtype, Device::cpu, op);
  TensorPtr xc = dense(x0);
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    const T* x = xc->data<T>();
    T* out = y->data<T>();
    // the channel's statistics are known: update the running ones, save mean and 1/std, and
    // give y = x * scale + shift's coefficients
    auto finish = [&](int64_t c, double m, double var, T& scale, T& shift) {
      if (training && running_mean) {
        T& rm = running_mean->data<T>()[c * running_mean->strides[0]];
        T& rv = running_var->data<T>()[c * running_var->strides[0]];
        rm = T((1 - momentum) * rm + momentum * m);
        rv = T((1 - momentum) * rv + momentum * var * l.count() / (l.count() - 1));
      }
      if (!training) m = at<T>(running_mean, c, T(0)), var = at<T>(running_var, c, T(1));
      const double is = 1 / std::sqrt(var + eps), w = at<T>(weight, c, T(1));
      mean->data<T>()[c] = T(m);
      invstd->data<T>()[c] = T(is);
      scale = T(is * w), shift = T(at<T>(bias, c, T(0)) - m * is * w);
    };
    if (l.S > 0 && l.S < kSmallPlane) {
      per_tile(l, [&](int64_t c0, int64_t c1) {
        const int64_t N = l.N, C = l.C, S = l.S, P = (c1 - c0) * S;
        double acc[kTile], mp[kTile], mean_c[kTile], var_c[kTile];
        T scale[kTile], shift[kTile];
        if (training) {
          tile_sum(l, c0, P, acc, [&](int64_t i, int64_t) { return (double)x[i]; });
          for (int64_t j = 0; j < c1 - c0; j++) mean_c[j] = plane_sum(acc, j, S) / l.count();
          for (int64_t p = 0; p < P; p++) mp[p] = mean_c[p / S];
          tile_sum(l, c0, P, acc, [&](int64_t i, int64_t p) { const double d = x[i] - mp[p]; return d * d; });
          for (int64_t j = 0; j < c1 - c0; j++) var_c[j] = plane_sum(acc, j, S) / l.count();
        }
        for (int64_t j = 0; j < c1 - c0; j++) {
          finish(c0 + j, training ? mean_c[j] : 0, training ? var_c[j] : 0, scale[j * S], shift[j * S]);
          for (int64_t i = 1; i < S; i++) scale[j * S + i] = scale[j * S], shift[j * S + i] = shift[j * S];
        }
        for (int64_t n = 0; n < N; n++) {
          const T* r = x + (n * C + c0) * S;
          T* o = out + (n * C + c0) * S;
          for (int64_t p = 0; p < P; p++) o[p] = r[p] * scale[p] + shift[p];
        }
      });
    } else {
      per_channel(l, [&](int64_t c) {
        const int64_t N = l.N, C = l.C, S = l.S;  // locals: captures are reloaded after stores, which blocks SIMD
        double m = 0, var = 0;
        if (training) {
          double s = 0;
          for (int64_t n = 0; n < N; n++) {
            const T* r = x + (n * C + c) * S;
            _Pragma("omp simd reduction(+ : s)")  /* double partial sums in SIMD lanes */
            for (int64_t i = 0; i < S; i++) s += r[i];
          }
          m = s / l.count();
          double q = 0;  // second pass around the mean: no cancellation
          for (int64_t n = 0; n < N; n++) {
            const T* r = x + (n * C + c) * S;
            _Pragma("omp simd reduction(+ : q)")
            for (int64_t i = 0; i < S; i++) q += (r[i] - m) * (r[i] - m);
          }
          var = q / l.count();
        }
        T scale, shift;
        finish(c, m, var, scale, shift);
        for (int64_t n = 0; n < N; n++) {
          const T* r = x + (n * C + c) * S;
          T* o = out + (n * C + c) * S;
          for (int64_t i = 0; i < S; i++) o[i] = r[i] * scale + shift;
        }
      });
    }
  });
  if (running_mean && training) running_mean->storage->version++, running_var->storage->version++;
  return {y, mean, invstd};
}

std::tuple<TensorPtr, TensorPtr, TensorPtr> batch_norm_backward(const TensorImpl& dy0, const TensorImpl& x0, const TensorImpl* weight,
                                                                const TensorImpl& mean, const TensorImpl& invstd, bool training) {
  const char* op = "batch_norm_backward";
  const Layout l = check_x(op, x0);
  check_alive(op, dy0);
  if (dy0.shape != x0.shape || dy0.dtype != x0.dtype)
    fail(op, "grad_output " + dims_str(dy0.shape) + " " + dtype_name(dy0.dtype) + " must match input " + dims_str(x0.shape) + " " +
                 dtype_name(x0.dtype));
  check_vec(op, weight, "weight", l.C, x0.dtype);
  check_vec(op, &mean, "save_mean", l.C, x0.dtype);
  check_vec(op, &invstd, "save_invstd", l.C, x0.dtype);
  TensorPtr dx = empty(x0.shape, x0.dtype, Device::cpu, op);
  TensorPtr dw = empty({l.C}, x0.dtype, Device::cpu, op), db = empty({l.C}, x0.dtype, Device::cpu, op);
  TensorPtr xc = dense(x0), dyc = dense(dy0);
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    const T* x = xc->data<T>();
    const T* dy = dyc->data<T>();
    T* g = dx->data<T>();
    const double M = (double)std::max<int64_t>(l.count(), 1);
    // from the channel's sum(dy) and sum(dy * (x - mean)): dw, db, and dx's coefficients in
    // dx = a * (dy - b - (x - mean) * k); training: dx = w * is * (dy - mean(dy) - xhat * mean(dy * xhat)),
    // eval: dx = w * is * dy
    auto finish = [&](int64_t c, double sdy, double sdyx, T& a, T& b, T& k) {
      const double is = at<T>(&invstd, c, T(1)), w = at<T>(weight, c, T(1));
      dw->data<T>()[c] = T(sdyx * is);
      db->data<T>()[c] = T(sdy);
      a = T(w * is), k = training ? T(sdyx * is * is / M) : T(0), b = training ? T(sdy / M) : T(0);
    };
    if (l.S > 0 && l.S < kSmallPlane) {
      per_tile(l, [&](int64_t c0, int64_t c1) {
        const int64_t N = l.N, C = l.C, S = l.S, P = (c1 - c0) * S;
        double acc[kTile], acc2[kTile];
        T mp[kTile], a[kTile], b[kTile], k[kTile];
        for (int64_t p = 0; p < P; p++) mp[p] = at<T>(&mean, c0 + p / S, T(0));
        tile_sum(l, c0, P, acc, [&](int64_t i, int64_t) { return (double)dy[i]; });
        tile_sum(l, c0, P, acc2, [&](int64_t i, int64_t p) { return (double)dy[i] * (x[i] - mp[p]); });
        for (int64_t j = 0; j < c1 - c0; j++) {
          finish(c0 + j, plane_sum(acc, j, S), plane_sum(acc2, j, S), a[j * S], b[j * S], k[j * S]);
          for (int64_t i = 1; i < S; i++) a[j * S + i] = a[j * S], b[j * S + i] = b[j * S], k[j * S + i] = k[j * S];
        }
        for (int64_t n = 0; n < N; n++) {
          const int64_t off = (n * C + c0) * S;
          const T *r = x + off, *d = dy + off;
          T* o = g + off;
          for (int64_t p = 0; p < P; p++) o[p] = a[p] * (d[p] - b[p] - (r[p] - mp[p]) * k[p]);
        }
      });
    } else {
      per_channel(l, [&](int64_t c) {
        const int64_t N = l.N, C = l.C, S = l.S;
        const double m = at<T>(&mean, c, T(0));
        double sdy = 0, sdyx = 0;
        for (int64_t n = 0; n < N; n++) {
          const T* r = x + (n * C + c) * S;
          const T* d = dy + (n * C + c) * S;
          _Pragma("omp simd reduction(+ : sdy, sdyx)")
          for (int64_t i = 0; i < S; i++) sdy += d[i], sdyx += d[i] * (r[i] - m);
        }
        T a, b, k;
        finish(c, sdy, sdyx, a, b, k);
        for (int64_t n = 0; n < N; n++) {
          const T* r = x + (n * C + c) * S;
          const T* d = dy + (n * C + c) * S;
          T* o = g + (n * C + c) * S;
          for (int64_t i = 0; i < S; i++) o[i] = a * (d[i] - b - (r[i] - T(m)) * k);
        }
      });
    }
  });
  return {dx, dw, db};
}

}  // namespace myelin
