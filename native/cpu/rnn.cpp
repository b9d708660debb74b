// Fused recurrent cells: one time step's gate math of an LSTM and a GRU, forward and
// backward, in one pass over the gates (the composite of Tensor ops it replaces makes ~15
// passes and allocations forward, ~30 backward). The GEMMs stay outside: xg and hg are the
// input and hidden projections with their biases, as torch's _thnn_fused_lstm_cell and
// _thnn_fused_gru_cell take them. Rows run in parallel; the loops over a row vectorize
// (sigmoid and tanh through libmvec, vec_math.h).
#include <cstdlib>
#include <string>
#include "../core/ops.h"
#include "../core/parallel.h"
#include "../core/scalar_ops.h"
#include "gemm.h"

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

// ---------------------------------------------------------------- whole-layer scans
// One layer and direction of an LSTM or GRU over all its steps in one native call (cuDNN's
// shape): per step the recurrent GEMM h W_hh^T (strided in place, no transposed copy) and the
// fused cell, with no allocation or JS call per step. Packed batches: step t runs rows
// [0, bs[t]) of a full [B, H] state buffer, so a row whose sequence ended keeps its final
// state there, and (reversed) a row not yet begun still holds h0. The backward walks the
// steps in reverse with the recurrent gradient dG W_hh one GEMM per step; the weight
// gradients stay outside (one GEMM per layer over all steps, in ts/nn/rnn.ts).
namespace {

// batch_sizes: non-empty, non-increasing, each in [1, B], summing to N; returns row offsets
std::vector<int64_t> scan_offsets(const char* op, const Dims& bs, int64_t N, int64_t B) {
  if (bs.empty()) fail(op, "batch_sizes must have at least one step");
  std::vector<int64_t> offs(bs.size());
  int64_t o = 0;
  for (size_t t = 0; t < bs.size(); t++) {
    if (bs[t] < 1 || bs[t] > B || (t > 0 && bs[t] > bs[t - 1]))
      fail(op, "batch_sizes must be non-increasing values in [1, " + std::to_string(B) + "] (B), got " + std::to_string(bs[t]) + " at step " +
                   std::to_string(t));
    offs[t] = o, o += bs[t];
  }
  if (o != N) fail(op, "batch_sizes sum to " + std::to_string(o) + " but gi has " + std::to_string(N) + " rows");
  if (bs[0] != B) fail(op, "batch_sizes[0] is " + std::to_string(bs[0]) + " but the initial state has " + std::to_string(B) + " rows");
  return offs;
}
// gi [N, k H], h0 [B, H], w_hh [k H, H]: returns H
int64_t check_scan(const char* op, const TensorImpl& gi, const TensorImpl& h0, const TensorImpl& whh, int k, const char* ks) {
  check_operand(op, "gi", gi, gi);
  check_operand(op, "h0", h0, gi);
  check_operand(op, "w_hh", whh, gi);
  const int64_t H = h0.shape[1];
  if (gi.shape[1] != k * H) fail(op, std::string("gi's last dim must be ") + ks + " = " + std::to_string(k * H) + " (h0 " + dims_str(h0.shape) + "), got " + desc(gi));
  check_shape(op, "w_hh", whh, k * H, H, ks);
  return H;
}
int64_t threads() { return std::max<int64_t>(1, num_threads().load(std::memory_order_relaxed)); }

// A scan's rows never meet (each batch row's recurrence is its own; the weights' gradients
// are outside), so the threads split the rows once and each runs every step of its block:
// one parallel region per scan, where splitting each step's GEMM and cell costs two per
// step (2 x 64 fork/joins per direction at the char-lm's 64 steps, each a wait on the
// slowest thread on a loaded machine). body(r0, r1, nt) runs rows [r0, r1) with nt BLAS
// threads; MYELIN_SCAN_STEP_SPLIT=1 keeps the per-step split (rows [0, B), nt threads) for A/B.
// A scan under `work` multiply-adds (N rows x gates H x H) runs on the calling thread: a
// fork/join costs more than it saves there (and far more on a loaded machine).
template <typename F>
void scan_rows(int64_t B, int64_t nt, double work, const F& body) {
  static const bool step_split = [] { const char* e = std::getenv("MYELIN_SCAN_STEP_SPLIT"); return e && e[0] == '1'; }();
  if (step_split || nt <= 1 || B < 2) return body(0, B, nt);
  if (work < (1 << 20)) return body(0, B, 1);
  parallel_for(0, B, (B + nt - 1) / nt, [&](int64_t r0, int64_t r1) { body(r0, r1, 1); });
}

}  // namespace

std::tuple<TensorPtr, TensorPtr, TensorPtr> lstm_scan(const TensorImpl& gi0, const TensorImpl& h00, const TensorImpl& c00,
                                                      const TensorImpl& whh0, const Dims& bs, bool reverse) {
  const char* op = "lstm_scan";
  const int64_t H = check_scan(op, gi0, h00, whh0, 4, "4H");
  const int64_t N = gi0.shape[0], B = h00.shape[0], T = (int64_t)bs.size();
  check_operand(op, "c0", c00, gi0);
  check_shape(op, "c0", c00, B, H, "H");
  const std::vector<int64_t> offs = scan_offsets(op, bs, N, B);
  const DType dt = gi0.dtype;
  // y: the outputs [N, H], then hN [B, H] and cN [B, H] (the layer's flat result as is);
  // ws per row: the activated gates (4H), c_prev, c_new; hp: the state each step read
  TensorPtr y = empty({N + 2 * B, H}, dt, Device::cpu, op), ws = empty({N, 6 * H}, dt, Device::cpu, op), hp = empty({N, H}, dt, Device::cpu, op);
  TensorPtr gi = dense(gi0), h0 = dense(h00), c0 = dense(c00), whh = dense(whh0);
  BlasThreadsGuard guard;
  const int64_t nt = threads();
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T_ = scalar_t;
    T_ *Y = y->data<T_>(), *W = ws->data<T_>(), *HP = hp->data<T_>();
    T_ *hb = Y + N * H, *cb = Y + (N + B) * H;  // the state buffers are hN and cN themselves
    std::copy(h0->data<T_>(), h0->data<T_>() + B * H, hb);
    std::copy(c0->data<T_>(), c0->data<T_>() + B * H, cb);
    const T_ *X = gi->data<T_>(), *Wh = whh->data<T_>();
    scan_rows(B, nt, (double)N * 4 * H * H, [&](int64_t q0, int64_t q1, int64_t nti) {
      std::vector<T_> G((size_t)((q1 - q0) * 4 * H));
      for (int64_t k = 0; k < T; k++) {
        const int64_t t = reverse ? T - 1 - k : k, e = std::min(q1, bs[t]), o = offs[t];
        if (e <= q0) continue;  // this block's rows do not run at step t (packed)
        gemm_into<T_>(e - q0, 4 * H, H, hb + q0 * H, H, 1, Wh, 1, H, G.data(), 4 * H, false, nti);
        parallel_for(q0, e, grain(4 * H), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; r++) {
            T_ *w = W + (o + r) * 6 * H, *h = hb + r * H, *c = cb + r * H, *out = Y + (o + r) * H;
            std::copy(h, h + H, HP + (o + r) * H);
            std::copy(c, c + H, w + 4 * H);
            lstm_row(X + (o + r) * 4 * H, G.data() + (r - q0) * 4 * H, w + 4 * H, w, out, w + 5 * H, H);
            std::copy(out, out + H, h);
            std::copy(w + 5 * H, w + 6 * H, c);
          }
        });
      }
    });
  });
  return {y, ws, hp};
}

std::tuple<TensorPtr, TensorPtr, TensorPtr> lstm_scan_backward(const TensorImpl& dy0, const TensorImpl& ws0, const TensorImpl& whh0,
                                                               const Dims& bs, bool reverse) {
  const char* op = "lstm_scan_backward";
  check_operand(op, "workspace", ws0, ws0);
  check_operand(op, "dy", dy0, ws0);
  check_operand(op, "w_hh", whh0, ws0);
  const int64_t H = whh0.shape[1], N = ws0.shape[0], B = (dy0.shape[0] - N) / 2;
  check_shape(op, "w_hh", whh0, 4 * H, H, "4H");
  check_shape(op, "workspace", ws0, N, 6 * H, "6H");
  if (B < 1 || dy0.shape[0] != N + 2 * B) fail(op, "dy must be [N + 2B, H] (outputs, hN, cN), got " + desc(dy0));
  check_shape(op, "dy", dy0, N + 2 * B, H, "H");
  const std::vector<int64_t> offs = scan_offsets(op, bs, N, B);
  const DType dt = ws0.dtype;
  TensorPtr dg = empty({N, 4 * H}, dt, Device::cpu, op), dh0 = empty({B, H}, dt, Device::cpu, op), dc0 = empty({B, H}, dt, Device::cpu, op);
  TensorPtr dy = dense(dy0), ws = dense(ws0), whh = dense(whh0);
  BlasThreadsGuard guard;
  const int64_t nt = threads(), T = (int64_t)bs.size();
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T_ = scalar_t;
    const T_ *DY = dy->data<T_>(), *W = ws->data<T_>(), *Wh = whh->data<T_>();
    T_ *DG = dg->data<T_>(), *dH = dh0->data<T_>(), *dC = dc0->data<T_>();
    // the state gradients over all B rows: a step rewrites the rows it ran, the others wait
    std::copy(DY + N * H, DY + (N + B) * H, dH);
    std::copy(DY + (N + B) * H, DY + (N + 2 * B) * H, dC);
    scan_rows(B, nt, (double)N * 4 * H * H, [&](int64_t q0, int64_t q1, int64_t nti) {
      std::vector<T_> dcp((size_t)((q1 - q0) * H));
      for (int64_t k = T - 1; k >= 0; k--) {
        const int64_t t = reverse ? T - 1 - k : k, e = std::min(q1, bs[t]), o = offs[t];
        if (e <= q0) continue;
        parallel_for(q0, e, grain(4 * H), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; r++) {
            T_ *dh = dH + r * H, *dc = dC + r * H, *d = dcp.data() + (r - q0) * H;
            const T_ *go = DY + (o + r) * H, *w = W + (o + r) * 6 * H;
            for (int64_t j = 0; j < H; j++) dh[j] += go[j];
            lstm_backward_row<T_>(dh, dc, w + 4 * H, w + 5 * H, w, DG + (o + r) * 4 * H, d, H);
            std::copy(d, d + H, dc);
          }
        });
        gemm_into<T_>(e - q0, H, 4 * H, DG + (o + q0) * 4 * H, 4 * H, 1, Wh, H, 1, dH + q0 * H, H, false, nti);
      }
    });
  });
  return {dg, dh0, dc0};
}

std::pair<TensorPtr, TensorPtr> gru_scan(const TensorImpl& gi0, const TensorImpl& h00, const TensorImpl& whh0, const TensorImpl* bhh0,
                                         const Dims& bs, bool reverse) {
  const char* op = "gru_scan";
  const int64_t H = check_scan(op, gi0, h00, whh0, 3, "3H");
  const int64_t N = gi0.shape[0], B = h00.shape[0], T = (int64_t)bs.size();
  if (bhh0) {
    check_alive(op, *bhh0);
    if (bhh0->dtype != gi0.dtype || bhh0->ndim() != 1 || bhh0->shape[0] != 3 * H)
      fail(op, "expected b_hh of shape [" + std::to_string(3 * H) + "] (3H) " + dtype_name(gi0.dtype) + ", got " + desc(*bhh0));
  }
  const std::vector<int64_t> offs = scan_offsets(op, bs, N, B);
  const DType dt = gi0.dtype;
  // y: the outputs [N, H] then hN [B, H]; ws per row as gru_cell's: r, z, n, h_prev, hn
  TensorPtr y = empty({N + B, H}, dt, Device::cpu, op), ws = empty({N, 5 * H}, dt, Device::cpu, op);
  TensorPtr gi = dense(gi0), h0 = dense(h00), whh = dense(whh0), bhh = bhh0 ? dense(*bhh0) : nullptr;
  BlasThreadsGuard guard;
  const int64_t nt = threads();
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T_ = scalar_t;
    T_ *Y = y->data<T_>(), *W = ws->data<T_>(), *hb = Y + N * H;
    std::copy(h0->data<T_>(), h0->data<T_>() + B * H, hb);
    const T_ *X = gi->data<T_>(), *Wh = whh->data<T_>(), *bh = bhh ? bhh->data<T_>() : nullptr;
    scan_rows(B, nt, (double)N * 3 * H * H, [&](int64_t q0, int64_t q1, int64_t nti) {
      std::vector<T_> G((size_t)((q1 - q0) * 3 * H));
      for (int64_t k = 0; k < T; k++) {
        const int64_t t = reverse ? T - 1 - k : k, e = std::min(q1, bs[t]), o = offs[t];
        if (e <= q0) continue;
        gemm_into<T_>(e - q0, 3 * H, H, hb + q0 * H, H, 1, Wh, 1, H, G.data(), 3 * H, false, nti);
        parallel_for(q0, e, grain(5 * H), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; r++) {
            T_ *g = G.data() + (r - q0) * 3 * H, *h = hb + r * H, *out = Y + (o + r) * H;
            if (bh)
              for (int64_t j = 0; j < 3 * H; j++) g[j] += bh[j];
            gru_row(X + (o + r) * 3 * H, g, h, W + (o + r) * 5 * H, out, H);
            std::copy(out, out + H, h);
          }
        });
      }
    });
  });
  return {y, ws};
}

std::tuple<TensorPtr, TensorPtr, TensorPtr> gru_scan_backward(const TensorImpl& dy0, const TensorImpl& ws0, const TensorImpl& whh0,
                                                              const Dims& bs, bool reverse) {
  const char* op = "gru_scan_backward";
  check_operand(op, "workspace", ws0, ws0);
  check_operand(op, "dy", dy0, ws0);
  check_operand(op, "w_hh", whh0, ws0);
  const int64_t H = whh0.shape[1], N = ws0.shape[0], B = dy0.shape[0] - N;
  check_shape(op, "w_hh", whh0, 3 * H, H, "3H");
  check_shape(op, "workspace", ws0, N, 5 * H, "5H");
  if (B < 1) fail(op, "dy must be [N + B, H] (outputs, hN), got " + desc(dy0));
  check_shape(op, "dy", dy0, N + B, H, "H");
  const std::vector<int64_t> offs = scan_offsets(op, bs, N, B);
  const DType dt = ws0.dtype;
  TensorPtr dxg = empty({N, 3 * H}, dt, Device::cpu, op), dhg = empty({N, 3 * H}, dt, Device::cpu, op), dh0 = empty({B, H}, dt, Device::cpu, op);
  TensorPtr dy = dense(dy0), ws = dense(ws0), whh = dense(whh0);
  BlasThreadsGuard guard;
  const int64_t nt = threads(), T = (int64_t)bs.size();
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T_ = scalar_t;
    const T_ *DY = dy->data<T_>(), *W = ws->data<T_>(), *Wh = whh->data<T_>();
    T_ *DX = dxg->data<T_>(), *DHG = dhg->data<T_>(), *dH = dh0->data<T_>();
    std::copy(DY + N * H, DY + (N + B) * H, dH);
    scan_rows(B, nt, (double)N * 3 * H * H, [&](int64_t q0, int64_t q1, int64_t nti) {
      std::vector<T_> gsum((size_t)((q1 - q0) * H));
      for (int64_t k = T - 1; k >= 0; k--) {
        const int64_t t = reverse ? T - 1 - k : k, e = std::min(q1, bs[t]), o = offs[t];
        if (e <= q0) continue;
        parallel_for(q0, e, grain(5 * H), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; r++) {
            T_ *g = gsum.data() + (r - q0) * H, *dh = dH + r * H;
            const T_* go = DY + (o + r) * H;
            for (int64_t j = 0; j < H; j++) g[j] = dh[j] + go[j];
            // dh_prev's direct part (z dh) goes straight into the state gradient; the GEMM adds the rest
            gru_backward_row<T_>(g, W + (o + r) * 5 * H, DX + (o + r) * 3 * H, DHG + (o + r) * 3 * H, dh, H);
          }
        });
        gemm_into<T_>(e - q0, H, 3 * H, DHG + (o + q0) * 3 * H, 3 * H, 1, Wh, H, 1, dH + q0 * H, H, true, nti);
      }
    });
  });
  return {dxg, dhg, dh0};
}

}  // namespace myelin
