// Layer normalization over the last dims of x (torch's native_layer_norm): each row of the
// trailing normalized_shape is normalized on its own. Rows run in parallel, statistics
// accumulate in double; forward is two reads and one write, backward two reads per row plus
// per-block partial sums for dweight / dbias (the composite it replaces made ~10 / ~20 passes).
#include <cmath>
#include <vector>
#include "../core/ops.h"
#include "../core/parallel.h"

namespace myelin {
namespace {

struct Rows {
  int64_t M, N;  // x viewed as [M, N]: M rows of the N normalized values
  Dims stat_shape;  // mean / rstd: x's leading dims, then a 1 per normalized dim (as torch)
};

Rows check_rows(const char* op, const TensorImpl& x, const Dims& normalized_shape) {
  check_alive(op, x);
  if (!is_float(x.dtype)) fail(op, std::string("input must be float32 or float64, got ") + dtype_name(x.dtype));
  const int64_t k = (int64_t)normalized_shape.size();
  if (k < 1) fail(op, "normalized_shape must have at least one dim, got []");
  for (int64_t d : normalized_shape)
    if (d < 0) fail(op, "normalized_shape must be non-negative, got " + dims_str(normalized_shape));
  bool ok = x.ndim() >= k;
  for (int64_t i = 0; ok && i < k; i++) ok = x.shape[x.ndim() - k + i] == normalized_shape[i];
  if (!ok) fail(op, "input " + dims_str(x.shape) + " does not end with normalized_shape " + dims_str(normalized_shape));
  Rows r{1, 1, {}};
  for (int64_t i = 0; i < x.ndim() - k; i++) r.M *= x.shape[i], r.stat_shape.push_back(x.shape[i]);
  for (int64_t i = 0; i < k; i++) r.N *= normalized_shape[i], r.stat_shape.push_back(1);
  return r;
}
// weight / bias: null, or of normalized_shape and x's dtype
TensorPtr check_affine(const char* op, const TensorImpl* t, const char* what, const Dims& normalized_shape, DType dt) {
  if (!t) return nullptr;
  check_alive(op, *t);
  if (t->shape != normalized_shape)
    fail(op, std::string("expected ") + what + " of shape " + dims_str(normalized_shape) + ", got " + dims_str(t->shape));
  if (t->dtype != dt) fail(op, std::string("expected ") + what + " of dtype " + dtype_name(dt) + ", got " + dtype_name(t->dtype));
  return dense(*t);
}
void check_stat(const char* op, const TensorImpl& t, const char* what, const Rows& r, DType dt) {
  check_alive(op, t);
  if (t.numel() != r.M) fail(op, std::string("expected ") + what + " with " + std::to_string(r.M) + " values (one per row), got " + dims_str(t.shape));
  if (t.dtype != dt) fail(op, std::string("expected ") + what + " of dtype " + dtype_name(dt) + ", got " + dtype_name(t.dtype));
}
int64_t row_grain(int64_t N) { return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, N)); }

}  // namespace

std::tuple<TensorPtr, TensorPtr, TensorPtr> layer_norm(const TensorImpl& x0, const Dims& normalized_shape, const TensorImpl* weight,
                                                       const TensorImpl* bias, double eps) {
  const char* op = "layer_norm";
  const Rows r = check_rows(op, x0, normalized_shape);
  TensorPtr wc = check_affine(op, weight, "weight", normalized_shape, x0.dtype);
  TensorPtr bc = check_affine(op, bias, "bias", normalized_shape, x0.dtype);
  if (!(eps >= 0)) fail(op, "eps must be non-negative, got " + std::to_string(eps));
  TensorPtr y = empty(x0.shape, x0.dtype, Device::cpu, op);
  TensorPtr mean = empty(r.stat_shape, x0.dtype, Device::cpu, op), rstd = empty(r.stat_shape, x0.dtype, Device::cpu, op);
  TensorPtr xc = dense(x0);
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    const T* x = xc->data<T>();
    const T* w = wc ? wc->data<T>() : nullptr;
    const T* b = bc ? bc->data<T>() : nullptr;
    T* out = y->data<T>();
    T* mp = mean->data<T>();
    T* sp = rstd->data<T>();
    parallel_for(0, r.M, row_grain(r.N), [&](int64_t i0, int64_t i1) {
      const int64_t N = r.N;  // a local: captures are reloaded after stores, which blocks SIMD
      for (int64_t i = i0; i < i1; i++) {
        const T* row = x + i * N;
        T* o = out + i * N;
        double s = 0;
        _Pragma("omp simd reduction(+ : s)")
        for (int64_t j = 0; j < N; j++) s += row[j];
        const double m = N > 0 ? s / N : 0;
        double q = 0;  // second pass around the mean: no cancellation
        _Pragma("omp simd reduction(+ : q)")
        for (int64_t j = 0; j < N; j++) q += (row[j] - m) * (row[j] - m);
        const double is = 1 / std::sqrt((N > 0 ? q / N : 0) + eps);
        mp[i] = T(m), sp[i] = T(is);
        const T tm = T(m), ts = T(is);
        if (w && b) {
          _Pragma("omp simd")
          for (int64_t j = 0; j < N; j++) o[j] = (row[j] - tm) * ts * w[j] + b[j];
        } else if (w) {
          _Pragma("omp simd")
          for (int64_t j = 0; j < N; j++) o[j] = (row[j] - tm) * ts * w[j];
        } else if (b) {
          _Pragma("omp simd")
          for (int64_t j = 0; j < N; j++) o[j] = (row[j] - tm) * ts + b[j];
        } else {
          _Pragma("omp simd")
          for (int64_t j = 0; j < N; j++) o[j] = (row[j] - tm) * ts;
        }
      }
    });
  });
  return {y, mean, rstd};
}

std::tuple<TensorPtr, TensorPtr, TensorPtr> layer_norm_backward(const TensorImpl& dy0, const TensorImpl& x0, const Dims& normalized_shape,
                                                                const TensorImpl& mean0, const TensorImpl& rstd0, const TensorImpl* weight) {
  const char* op = "layer_norm_backward";
  const Rows r = check_rows(op, x0, normalized_shape);
  check_alive(op, dy0);
  if (dy0.shape != x0.shape || dy0.dtype != x0.dtype)
    fail(op, "grad_output " + dims_str(dy0.shape) + " " + dtype_name(dy0.dtype) + " must match input " + dims_str(x0.shape) + " " +
                 dtype_name(x0.dtype));
  check_stat(op, mean0, "mean", r, x0.dtype);
  check_stat(op, rstd0, "rstd", r, x0.dtype);
  TensorPtr wc = check_affine(op, weight, "weight", normalized_shape, x0.dtype);
  TensorPtr dx = empty(x0.shape, x0.dtype, Device::cpu, op);
  TensorPtr dw = empty(normalized_shape, x0.dtype, Device::cpu, op), db = empty(normalized_shape, x0.dtype, Device::cpu, op);
  TensorPtr xc = dense(x0), dyc = dense(dy0), mc = dense(mean0), sc = dense(rstd0);
  // dweight / dbias are sums over rows: each block of rows adds into its own double partials,
  // summed afterwards column-wise (no atomics, the same result at any thread count)
  const int64_t N = r.N, grain = row_grain(N), blocks = std::max<int64_t>(1, std::min<int64_t>(64, (r.M + grain - 1) / grain));
  const int64_t per = (r.M + blocks - 1) / blocks;
  std::vector<double> pw((size_t)(blocks * N), 0.0), pb((size_t)(blocks * N), 0.0);
  MYELIN_DISPATCH_FLOAT(x0.dtype, op, {
    using T = scalar_t;
    const T* x = xc->data<T>();
    const T* dy = dyc->data<T>();
    const T* mp = mc->data<T>();
    const T* sp = sc->data<T>();
    const T* w = wc ? wc->data<T>() : nullptr;
    T* g = dx->data<T>();
    parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; blk++) {
        double* aw = pw.data() + blk * N;
        double* ab = pb.data() + blk * N;
        const int64_t n = N;
        for (int64_t i = blk * per; i < std::min(r.M, (blk + 1) * per); i++) {
          const T *row = x + i * n, *d = dy + i * n;
          T* o = g + i * n;
          const T m = mp[i], is = sp[i];
          // dx = is * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = dy * w, xhat = (x - m) * is
          double sg = 0, sgx = 0;
          if (w) {
            _Pragma("omp simd reduction(+ : sg, sgx)")
            for (int64_t j = 0; j < n; j++) {
              const double gw = (double)d[j] * w[j], xh = ((double)row[j] - m) * is;
              sg += gw, sgx += gw * xh;
              aw[j] += (double)d[j] * xh, ab[j] += d[j];
            }
          } else {
            _Pragma("omp simd reduction(+ : sg, sgx)")
            for (int64_t j = 0; j < n; j++) {
              const double xh = ((double)row[j] - m) * is;
              sg += d[j], sgx += d[j] * xh;
              aw[j] += d[j] * xh, ab[j] += d[j];
            }
          }
          const T a = T(sg / std::max<int64_t>(n, 1)), k = T(sgx / std::max<int64_t>(n, 1));
          if (w) {
            _Pragma("omp simd")
            for (int64_t j = 0; j < n; j++) o[j] = is * (d[j] * w[j] - a - (row[j] - m) * is * k);
          } else {
            _Pragma("omp simd")
            for (int64_t j = 0; j < n; j++) o[j] = is * (d[j] - a - (row[j] - m) * is * k);
          }
        }
      }
    });
    T* ow = dw->data<T>();
    T* ob = db->data<T>();
    parallel_for(0, N, 1 << 12, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; j++) {
        double s = 0, t = 0;
        for (int64_t blk = 0; blk < blocks; blk++) s += pw[blk * N + j], t += pb[blk * N + j];
        ow[j] = T(s), ob[j] = T(t);
      }
    });
  });
  return {dx, dw, db};
}

}  // namespace myelin
