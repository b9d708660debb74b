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

// Group normalization (torch's native_group_norm): each sample's C channels fall into G groups
// of C / G channels, normalized over the group's channels and positions together, then the
// per-channel affine. With x dense, one (sample, group) is one contiguous row of D = C / G * S
// values: the rows run in parallel, each read twice for its statistics and once to write y
// (the row, 12 KiB at the U-Net's 28x28 x 4 channels, stays in cache between passes). The
// batch_norm + mul + add form it replaces made seven passes forward and ten backward.
namespace {
struct Groups {
  int64_t N, C, S, G, D;  // D = C / G * S values per row
};
Groups check_groups(const char* op, const TensorImpl& x, int64_t G) {
  const Layout l = check_x(op, x);
  if (G < 1 || l.C % G != 0)
    fail(op, "expected number of channels in input (" + std::to_string(l.C) + ") to be divisible by num_groups (" + std::to_string(G) + ")");
  return {l.N, l.C, l.S, G, l.C / G * l.S};
}
void check_group_stat(const char* op, const TensorImpl& t, const char* what, const Groups& g, DType dt) {
  check_alive(op, t);
  if (t.numel() != g.N * g.G)
    fail(op, std::string("expected ") + what + " with " + std::to_string(g.N * g.G) + " values (one per sample and group), got " + dims_str(t.shape));
  if (t.dtype != dt) fail(op, std::string("expected ") + what + " of dtype " + dtype_name(dt) + ", got " + dtype_name(t.dtype));
}
int64_t group_grain(int64_t D) { return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, D)); }
}  // namespace

std::tuple<TensorPtr, TensorPtr, TensorPtr> group_norm(const TensorImpl& x0, const TensorImpl* weight, const TensorImpl* bias, int64_t G,
                                                       double eps) {
  const char* op = "group_norm";
  const Groups g = check_groups(op, x0, G);
  check_vec(op, weight, "weight", g.C, x0.dtype);
  check_vec(op, bias, "bias", g.C, x0.dtype);
  if (!(eps >= 0)) fail(op, "eps must be non-negative, got " + std::to_string(eps));
  TensorPtr y = empty(x0.shape, x0.dtype, Device::cpu, op);
  TensorPtr mean = empty({g.N, g.G}, x0.dtype, Device::cpu, op), rstd = empty({g.N, g.G}, x0.dtype, Device::cpu, op);
  TensorPtr xc = dense(x0), wc = weight ? dense(*weight) : nullptr, bc = bias ? dense(*bias) : nullptr;
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    const T* x = xc->data<T>();
    const T* w = wc ? wc->data<T>() : nullptr;
    const T* b = bc ? bc->data<T>() : nullptr;
    T* out = y->data<T>();
    T* mp = mean->data<T>();
    T* sp = rstd->data<T>();
    parallel_for(0, g.N * g.G, group_grain(g.D), [&](int64_t r0, int64_t r1) {
      const int64_t D = g.D, S = g.S, CG = g.C / g.G;  // locals: captures are reloaded after stores, which blocks SIMD
      for (int64_t r = r0; r < r1; r++) {
        const T* row = x + r * D;
        T* o = out + r * D;
        double s = 0;
        _Pragma("omp simd reduction(+ : s)")
        for (int64_t j = 0; j < D; j++) s += row[j];
        const double m = D > 0 ? s / D : 0;
        double q = 0;  // second pass around the mean: no cancellation
        _Pragma("omp simd reduction(+ : q)")
        for (int64_t j = 0; j < D; j++) q += (row[j] - m) * (row[j] - m);
        const double is = 1 / std::sqrt((D > 0 ? q / D : 0) + eps);
        mp[r] = T(m), sp[r] = T(is);
        const int64_t c0 = (r % g.G) * CG;
        for (int64_t k = 0; k < CG; k++) {  // y = x * a + c per channel, a = is * w, c = b - m * a
          const double wk = w ? (double)w[c0 + k] : 1.0;
          const T a = T(is * wk), c = T((b ? (double)b[c0 + k] : 0.0) - m * is * wk);
          const T* xs = row + k * S;
          T* os = o + k * S;
          _Pragma("omp simd")
          for (int64_t j = 0; j < S; j++) os[j] = xs[j] * a + c;
        }
      }
    });
  });
  return {y, mean, rstd};
}

std::tuple<TensorPtr, TensorPtr, TensorPtr> group_norm_backward(const TensorImpl& dy0, const TensorImpl& x0, const TensorImpl* weight,
                                                                const TensorImpl& mean0, const TensorImpl& rstd0, int64_t G) {
  const char* op = "group_norm_backward";
  const Groups g = check_groups(op, x0, G);
  check_alive(op, dy0);
  if (dy0.shape != x0.shape || dy0.dtype != x0.dtype)
    fail(op, "grad_output " + dims_str(dy0.shape) + " " + dtype_name(dy0.dtype) + " must match input " + dims_str(x0.shape) + " " +
                 dtype_name(x0.dtype));
  check_vec(op, weight, "weight", g.C, x0.dtype);
  check_group_stat(op, mean0, "mean", g, x0.dtype);
  check_group_stat(op, rstd0, "rstd", g, x0.dtype);
  TensorPtr dx = empty(x0.shape, x0.dtype, Device::cpu, op);
  TensorPtr dw = empty({g.C}, x0.dtype, Device::cpu, op), db = empty({g.C}, x0.dtype, Device::cpu, op);
  TensorPtr xc = dense(x0), dyc = dense(dy0), mc = dense(mean0), sc = dense(rstd0), wc = weight ? dense(*weight) : nullptr;
  // per (sample, channel): sum(dy * x) and sum(dy) over the positions, in double; dweight and
  // dbias are their sums over the samples afterwards (the same result at any thread count)
  std::vector<double> dsx((size_t)(g.N * g.C)), dsy((size_t)(g.N * g.C));
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    const T* x = xc->data<T>();
    const T* dy = dyc->data<T>();
    const T* mp = mc->data<T>();
    const T* sp = sc->data<T>();
    const T* w = wc ? wc->data<T>() : nullptr;
    T* gx = dx->data<T>();
    parallel_for(0, g.N * g.G, group_grain(g.D), [&](int64_t r0, int64_t r1) {
      const int64_t D = g.D, S = g.S, CG = g.C / g.G;
      for (int64_t r = r0; r < r1; r++) {
        const T *row = x + r * D, *d = dy + r * D;
        T* o = gx + r * D;
        const int64_t c0 = (r % g.G) * CG, nc = r * CG;  // nc: (sample, first channel) index
        const double m = mp[r], is = sp[r];
        // A = sum_c w_c * sum(dy * x), B = sum_c w_c * sum(dy) over the group (torch's ds, db)
        double A = 0, B = 0;
        for (int64_t k = 0; k < CG; k++) {
          const T* xs = row + k * S;
          const T* ds = d + k * S;
          double sx = 0, sy = 0;
          _Pragma("omp simd reduction(+ : sx, sy)")
          for (int64_t j = 0; j < S; j++) sx += (double)ds[j] * xs[j], sy += ds[j];
          dsx[nc + k] = sx, dsy[nc + k] = sy;
          const double wk = w ? (double)w[c0 + k] : 1.0;
          A += wk * sx, B += wk * sy;
        }
        // dx = is * w_c * dy + c2 * x + c3 (torch's GroupNormBackward coefficients)
        const double inv = D > 0 ? 1.0 / D : 0.0;
        const double c2 = (B * m - A) * is * is * is * inv, c3 = -c2 * m - B * is * inv;
        const T tc2 = T(c2), tc3 = T(c3);
        for (int64_t k = 0; k < CG; k++) {
          const T c1 = T(is * (w ? (double)w[c0 + k] : 1.0));
          const T* xs = row + k * S;
          const T* ds = d + k * S;
          T* os = o + k * S;
          _Pragma("omp simd")
          for (int64_t j = 0; j < S; j++) os[j] = c1 * ds[j] + tc2 * xs[j] + tc3;
        }
      }
    });
    T* ow = dw->data<T>();
    T* ob = db->data<T>();
    const int64_t CG = g.C / g.G;
    for (int64_t c = 0; c < g.C; c++) {
      double s = 0, t = 0;
      for (int64_t n = 0; n < g.N; n++) {
        const int64_t r = n * g.G + c / CG;
        s += (dsx[n * g.C + c] - dsy[n * g.C + c] * (double)mp[r]) * (double)sp[r];
        t += dsy[n * g.C + c];
      }
      ow[c] = T(s), ob[c] = T(t);
    }
  });
  return {dx, dw, db};
}

}  // namespace myelin
