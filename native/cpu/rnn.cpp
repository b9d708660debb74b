// Fused recurrent cells: one time step's gate math of an LSTM and a GRU, forward and
// backward, in one pass over the gates (the composite of Tensor ops it replaces makes ~15
// passes and allocations forward, ~30 backward). The GEMMs stay outside: xg and hg are the
// input and hidden projections with their biases, as torch's _thnn_fused_lstm_cell and
// _thnn_fused_gru_cell take them. Rows run in parallel; the loops over a row vectorize
// (sigmoid and tanh through libmvec, vec_math.h).
#include <string>
#include "../core/ops.h"
#include "../core/parallel.h"
#include "../core/scalar_ops.h"

namespace myelin {
namespace {

using ops::sigmoid_of;

std::string desc(const TensorImpl& t) { return dims_str(t.shape) + " " + dtype_name(t.dtype); }

// Every check before any memory is read: alive, floating, one dtype, one device, 2-D.
void check_operand(const char* op, const char* what, const TensorImpl& t, const TensorImpl& ref) {
  check_alive(op, t);
  if (!is_float(t.dtype) || (t.dtype != DType::float32 && t.dtype != DType::float64))
    fail(op, std::string(what) + " must be float32 or float64, got " + dtype_name(t.dtype));
  if (t.dtype != ref.dtype) fail(op, std::string(what) + " has dtype " + dtype_name(t.dtype) + " but the first operand " + dtype_name(ref.dtype));
  check_same_device(op, ref, t);
  if (t.ndim() != 2) fail(op, std::string("expected ") + what + " of 2 dims [B, *], got " + dims_str(t.shape));
}
void check_shape(const char* op, const char* what, const TensorImpl& t, int64_t B, int64_t n, const char* n_name) {
  if (t.shape[0] != B || t.shape[1] != n)
    fail(op, std::string("expected ") + what + " of shape [" + std::to_string(B) + ", " + std::to_string(n) + "] ([B, " + n_name +
                 "]), got " + dims_str(t.shape));
}
// xg and hg [B, k * H]: returns H
int64_t check_gates(const char* op, const TensorImpl& xg, const TensorImpl& hg, int k, const char* ks) {
  check_operand(op, "xg", xg, xg);
  check_operand(op, "hg", hg, xg);
  if (xg.shape[1] % k != 0)
    fail(op, std::string("xg's last dim must be ") + ks + " (" + std::to_string(k) + " gates of H), got " + desc(xg));
  if (hg.shape != xg.shape) fail(op, "xg " + dims_str(xg.shape) + " and hg " + dims_str(hg.shape) + " must have one shape [B, " + ks + "]");
  return xg.shape[1] / k;
}
// rows per parallel chunk: ~16k gate elements
int64_t grain(int64_t per_row) { return std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, per_row)); }

// One batch row of each kernel: restrict pointers and `omp simd`, so that GCC vectorizes the
// loop, libmvec's exp and tanh included (inside the dispatch lambdas it did not: 0 loops).
template <typename T>
void lstm_row(const T* __restrict x, const T* __restrict g, const T* __restrict cp, T* __restrict w, T* __restrict ho,
              T* __restrict co, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; j++) {
    const T i = sigmoid_of(x[j] + g[j]), f = sigmoid_of(x[n + j] + g[n + j]);
    const T gg = std::tanh(x[2 * n + j] + g[2 * n + j]), o = sigmoid_of(x[3 * n + j] + g[3 * n + j]);
    const T cy = f * cp[j] + i * gg;
    w[j] = i, w[n + j] = f, w[2 * n + j] = gg, w[3 * n + j] = o;
    co[j] = cy;
    ho[j] = o * std::tanh(cy);
  }
}
// gh, gc null: that gradient is zero
template <typename T>
void lstm_backward_row(const T* __restrict gh, const T* __restrict gc, const T* __restrict cp, const T* __restrict cy,
                       const T* __restrict w, T* __restrict d, T* __restrict dcprev, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; j++) {
    const T i = w[j], f = w[n + j], g = w[2 * n + j], o = w[3 * n + j];
    const T t = std::tanh(cy[j]), dhj = gh ? gh[j] : T(0);
    const T dcy = (gc ? gc[j] : T(0)) + dhj * o * (T(1) - t * t);
    d[j] = dcy * g * i * (T(1) - i);
    d[n + j] = dcy * cp[j] * f * (T(1) - f);
    d[2 * n + j] = dcy * i * (T(1) - g * g);
    d[3 * n + j] = dhj * t * o * (T(1) - o);
    dcprev[j] = dcy * f;
  }
}
// workspace as torch's: r, z, n, h, and the hidden n-gate projection hn
template <typename T>
void gru_row(const T* __restrict x, const T* __restrict g, const T* __restrict hp, T* __restrict w, T* __restrict ho, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; j++) {
    const T r = sigmoid_of(x[j] + g[j]), z = sigmoid_of(x[n + j] + g[n + j]);
    const T ng = std::tanh(x[2 * n + j] + r * g[2 * n + j]);
    w[j] = r, w[n + j] = z, w[2 * n + j] = ng, w[3 * n + j] = hp[j], w[4 * n + j] = g[2 * n + j];
    ho[j] = ng + z * (hp[j] - ng);
  }
}
template <typename T>
void gru_backward_row(const T* __restrict go, const T* __restrict w, T* __restrict dx, T* __restrict dhg, T* __restrict dhp, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; j++) {
    const T r = w[j], z = w[n + j], ng = w[2 * n + j], hp = w[3 * n + j], hn = w[4 * n + j], g = go[j];
    const T dn = g * (T(1) - z) * (T(1) - ng * ng);
    const T dz = g * (hp - ng) * z * (T(1) - z);
    const T dr = dn * hn * r * (T(1) - r);
    dx[j] = dr, dx[n + j] = dz, dx[2 * n + j] = dn;
    dhg[j] = dr, dhg[n + j] = dz, dhg[2 * n + j] = dn * r;
    dhp[j] = g * z;
  }
}

}  // namespace

std::tuple<TensorPtr, TensorPtr, TensorPtr> lstm_cell(const TensorImpl& xg0, const TensorImpl& hg0, const TensorImpl& c0) {
  const char* op = "lstm_cell";
  const int64_t H = check_gates(op, xg0, hg0, 4, "4H");
  const int64_t B = xg0.shape[0];
  check_operand(op, "c", c0, xg0);
  check_shape(op, "c", c0, B, H, "H");
  const DType dt = xg0.dtype;
  TensorPtr h = empty({B, H}, dt, Device::cpu, op), cn = empty({B, H}, dt, Device::cpu, op), ws = empty({B, 4 * H}, dt, Device::cpu, op);
  TensorPtr xg = dense(xg0), hg = dense(hg0), c = dense(c0);
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T = scalar_t;
    const T *X = xg->data<T>(), *G = hg->data<T>(), *C = c->data<T>();
    T *Ho = h->data<T>(), *Co = cn->data<T>(), *W = ws->data<T>();
    parallel_for(0, B, grain(4 * H), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) {
        lstm_row(X + b * 4 * H, G + b * 4 * H, C + b * H, W + b * 4 * H, Ho + b * H, Co + b * H, H);
      }
    });
  });
  return {h, cn, ws};
}

std::pair<TensorPtr, TensorPtr> lstm_cell_backward(const TensorImpl* dh0, const TensorImpl* dc0, const TensorImpl& c0, const TensorImpl& cn0,
                                                   const TensorImpl& ws0) {
  const char* op = "lstm_cell_backward";
  check_operand(op, "c", c0, c0);
  const int64_t B = c0.shape[0], H = c0.shape[1];
  check_operand(op, "c_new", cn0, c0);
  check_shape(op, "c_new", cn0, B, H, "H");
  check_operand(op, "workspace", ws0, c0);
  check_shape(op, "workspace", ws0, B, 4 * H, "4H");
  for (auto [what, t] : {std::pair{"dh", dh0}, std::pair{"dc", dc0}})
    if (t) check_operand(op, what, *t, c0), check_shape(op, what, *t, B, H, "H");
  const DType dt = c0.dtype;
  TensorPtr dg = empty({B, 4 * H}, dt, Device::cpu, op), dcp = empty({B, H}, dt, Device::cpu, op);
  TensorPtr c = dense(c0), cn = dense(cn0), ws = dense(ws0);
  TensorPtr dh = dh0 ? dense(*dh0) : nullptr, dc = dc0 ? dense(*dc0) : nullptr;
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T = scalar_t;
    const T *C = c->data<T>(), *CN = cn->data<T>(), *W = ws->data<T>();
    const T *DH = dh ? dh->data<T>() : nullptr, *DC = dc ? dc->data<T>() : nullptr;
    T *DG = dg->data<T>(), *DCP = dcp->data<T>();
    parallel_for(0, B, grain(4 * H), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) {
        lstm_backward_row(DH ? DH + b * H : nullptr, DC ? DC + b * H : nullptr, C + b * H, CN + b * H, W + b * 4 * H, DG + b * 4 * H,
                          DCP + b * H, H);
      }
    });
  });
  return {dg, dcp};
}

std::pair<TensorPtr, TensorPtr> gru_cell(const TensorImpl& xg0, const TensorImpl& hg0, const TensorImpl& h0) {
  const char* op = "gru_cell";
  const int64_t H = check_gates(op, xg0, hg0, 3, "3H");
  const int64_t B = xg0.shape[0];
  check_operand(op, "h", h0, xg0);
  check_shape(op, "h", h0, B, H, "H");
  const DType dt = xg0.dtype;
  TensorPtr hn = empty({B, H}, dt, Device::cpu, op), ws = empty({B, 5 * H}, dt, Device::cpu, op);
  TensorPtr xg = dense(xg0), hg = dense(hg0), h = dense(h0);
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T = scalar_t;
    const T *X = xg->data<T>(), *G = hg->data<T>(), *Hp = h->data<T>();
    T *Ho = hn->data<T>(), *W = ws->data<T>();
    parallel_for(0, B, grain(3 * H), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) {
        gru_row(X + b * 3 * H, G + b * 3 * H, Hp + b * H, W + b * 5 * H, Ho + b * H, H);
      }
    });
  });
  return {hn, ws};
}

std::tuple<TensorPtr, TensorPtr, TensorPtr> gru_cell_backward(const TensorImpl& dh0, const TensorImpl& ws0) {
  const char* op = "gru_cell_backward";
  check_operand(op, "dh_new", dh0, dh0);
  const int64_t B = dh0.shape[0], H = dh0.shape[1];
  check_operand(op, "workspace", ws0, dh0);
  check_shape(op, "workspace", ws0, B, 5 * H, "5H");
  const DType dt = dh0.dtype;
  TensorPtr dxg = empty({B, 3 * H}, dt, Device::cpu, op), dhg = empty({B, 3 * H}, dt, Device::cpu, op), dh = empty({B, H}, dt, Device::cpu, op);
  TensorPtr gy = dense(dh0), ws = dense(ws0);
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T = scalar_t;
    const T *GY = gy->data<T>(), *W = ws->data<T>();
    T *DX = dxg->data<T>(), *DHG = dhg->data<T>(), *DH = dh->data<T>();
    parallel_for(0, B, grain(5 * H), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) {
        gru_backward_row(GY + b * H, W + b * 5 * H, DX + b * 3 * H, DHG + b * 3 * H, DH + b * H, H);
      }
    });
  });
  return {dxg, dhg, dh};
}

}  // namespace myelin
