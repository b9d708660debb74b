// Fused scaled dot-product attention (FlashAttention's scheme on the CPU): per query block,
// the key blocks stream through an online softmax, so memory grows with L + S, never L * S.
// The backward recomputes each block's probabilities from the saved logsumexp (FlashAttention-2).
#include <cmath>
#include <limits>
#include <string>
#include <vector>
#include "../core/ops.h"
#include "../core/parallel.h"
#include "../core/philox.h"
#include "../core/vec_math.h"
#include "gemm.h"

namespace myelin {
namespace {

// Tiles (64 x 256 forward, 64 x 128 backward: S, P and dP of a block stay in L2). 128 x 512
// and 32 x 256 forward measured no faster in CPU time on the 2-core machine.
constexpr int64_t kBq = 64, kBk = 256;
constexpr int64_t kBqB = 64, kBkB = 128;

// A [B, H, rows, cols] operand read in place: element (b, h, r, c) at p[b*s0 + h*s1 + r*s2 + c]
template <typename T>
struct Op4 {
  const T* p;
  int64_t s0, s1, s2;
  const T* row(int64_t b, int64_t h, int64_t r) const { return p + b * s0 + h * s1 + r * s2; }
};

// The mask broadcast to [B, H, L, S]: bool (true = attend) or additive, in the inputs' dtype.
struct Mask {
  const void* p = nullptr;
  bool is_bool = false;
  int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
};

struct Geometry {
  int64_t B, Hq, Hk, L, S, E, Ev, groups;
  bool causal;
  double scale;
};

// Dropout on the attention weights, as FlashAttention: the mask is never stored. Weight
// (bh, i, j) is kept when 32-bit word j % 4 of Philox block (seed, offset + (bh * L + i) * W + j / 4),
// W = ceil(S / 4), is >= p * 2^32; the backward regenerates the same bits. One call reserves
// B * Hq * L * W counters (ts/ops/attention.ts advances the generator by that much).
struct Dropout {
  bool on = false;
  uint64_t seed = 0, offset = 0, thresh = 0;
  double inv = 1;  // 1 / (1 - p), 0 when p = 1 (everything dropped)
  // f[c] = keep ? inv : 0 for keys j0..j0+n of row (bh, i); j0 is a multiple of 4 (tile sizes are)
  template <typename T>
  void factors(T* __restrict f, int64_t n, int64_t L, int64_t S, int64_t bh, int64_t i, int64_t j0) const {
    const uint64_t base = offset + ((uint64_t)bh * (uint64_t)L + (uint64_t)i) * (uint64_t)((S + 3) / 4) + (uint64_t)(j0 / 4);
    const T k = (T)inv;
    for (int64_t c = 0; c < n; c += 4) {
      const Philox4 r = philox(seed, base + (uint64_t)(c / 4));
      for (int64_t w = 0; w < 4 && c + w < n; w++) f[c + w] = (uint64_t)r.v[w] >= thresh ? k : T(0);
    }
  }
};
static_assert(kBk % 4 == 0 && kBkB % 4 == 0, "dropout draws 4 keys per Philox block");

Dropout dropout_of(const char* op, double p, const TensorImpl* rng) {
  Dropout d;
  if (!(p >= 0 && p <= 1)) fail(op, "dropout_p must be in [0, 1], got " + std::to_string(p));
  if (p == 0) return d;
  if (!rng) fail(op, "dropout_p " + std::to_string(p) + " > 0 needs rng, the int64 [2] tensor (seed, offset)");
  check_alive(op, *rng);
  if (rng->dtype != DType::int64 || rng->shape != Dims{2})
    fail(op, "rng must be an int64 tensor of shape [2] (seed, offset), got " + dims_str(rng->shape) + " " + dtype_name(rng->dtype));
  TensorPtr r = dense(*rng);
  const int64_t* v = r->data<int64_t>();
  d.on = true;
  d.seed = (uint64_t)v[0];
  d.offset = (uint64_t)v[1];
  d.thresh = (uint64_t)std::llround(p * 4294967296.0);
  d.inv = p < 1 ? 1 / (1 - p) : 0;
  return d;
}

std::string desc(const TensorImpl& t) { return dims_str(t.shape) + " " + dtype_name(t.dtype); }

void check_float(const char* op, const char* what, const TensorImpl& t, const TensorImpl& ref) {
  check_alive(op, t);
  check_same_device(op, ref, t);
  if (t.dtype != DType::float32 && t.dtype != DType::float64)
    fail(op, std::string(what) + " must be float32 or float64, got " + dtype_name(t.dtype));
  if (t.dtype != ref.dtype) fail(op, std::string(what) + " has dtype " + dtype_name(t.dtype) + " but query " + dtype_name(ref.dtype));
}
void check_4d(const char* op, const char* what, const TensorImpl& t, const char* names) {
  if (t.ndim() != 4) fail(op, std::string("expected ") + what + " of 4 dims " + names + ", got " + dims_str(t.shape));
}

Geometry check_qkv(const char* op, const TensorImpl& q, const TensorImpl& k, const TensorImpl& v, const TensorImpl* mask,
                   bool causal, double scale) {
  check_float(op, "query", q, q);
  check_float(op, "key", k, q);
  check_float(op, "value", v, q);
  check_4d(op, "query", q, "[B, Hq, L, E]");
  check_4d(op, "key", k, "[B, Hk, S, E]");
  check_4d(op, "value", v, "[B, Hk, S, Ev]");
  Geometry g{q.shape[0], q.shape[1], k.shape[1], q.shape[2], k.shape[2], q.shape[3], v.shape[3], 1, causal, scale};
  if (k.shape[0] != g.B || v.shape[0] != g.B)
    fail(op, "query " + dims_str(q.shape) + ", key " + dims_str(k.shape) + " and value " + dims_str(v.shape) + " must have one batch size");
  if (k.shape[3] != g.E) fail(op, "key " + dims_str(k.shape) + " must have query's feature size " + std::to_string(g.E));
  if (v.shape[1] != g.Hk || v.shape[2] != g.S)
    fail(op, "value " + dims_str(v.shape) + " must match key " + dims_str(k.shape) + " in heads and length");
  if (g.Hk == 0 ? g.Hq != 0 : g.Hq % g.Hk != 0)
    fail(op, "query heads (" + std::to_string(g.Hq) + ") must be a multiple of key/value heads (" + std::to_string(g.Hk) + ")");
  g.groups = g.Hk == 0 ? 1 : g.Hq / g.Hk;
  if (!std::isfinite(scale)) fail(op, "scale must be finite, got " + std::to_string(scale));
  if (mask) {
    check_alive(op, *mask);
    check_same_device(op, q, *mask);
    if (causal) fail(op, "attn_mask must not be given with is_causal");
    if (mask->dtype != DType::bool_ && mask->dtype != q.dtype)
      fail(op, std::string("attn_mask must be bool or query's dtype ") + dtype_name(q.dtype) + ", got " + dtype_name(mask->dtype));
    const Dims full{g.B, g.Hq, g.L, g.S};
    bool ok = mask->ndim() <= 4;
    for (int64_t i = 0; ok && i < mask->ndim(); i++) {
      const int64_t d = mask->shape[i], t = full[4 - mask->ndim() + i];
      ok = d == 1 || d == t;
    }
    if (!ok) fail(op, "attn_mask " + dims_str(mask->shape) + " does not broadcast to " + dims_str(full));
  }
  return g;
}

// In place when the last dim is unit-stride (the BLAS calls take a row stride), else a copy.
template <typename T>
Op4<T> operand(const TensorImpl& t, std::vector<TensorPtr>& keep) {
  const TensorImpl* x = &t;
  if (t.strides[3] != 1 && t.shape[3] > 1) keep.push_back(contiguous(t)), x = keep.back().get();
  return {x->data<T>(), x->strides[0], x->strides[1], x->strides[2]};
}
Mask mask_of(const TensorImpl* m, const Geometry& g) {
  Mask r;
  if (!m) return r;
  const Dims s = broadcast_strides(*m, {g.B, g.Hq, g.L, g.S});
  r.p = m->bytes();
  r.is_bool = m->dtype == DType::bool_;
  r.s0 = s[0], r.s1 = s[1], r.s2 = s[2], r.s3 = s[3];
  return r;
}

// One score row s[0..n) of query row i (keys j0..j0+n): scaled, masked. Returns its max
// when asked for.
template <typename T, bool kMax = true>
T score_row(T* __restrict s, int64_t n, const Mask& m, const Geometry& g, int64_t b, int64_t h, int64_t i, int64_t j0) {
  const T sc = (T)g.scale;
  for (int64_t c = 0; c < n; c++) s[c] *= sc;
  if (m.p) {
    const int64_t off = b * m.s0 + h * m.s1 + i * m.s2 + j0 * m.s3;
    if (m.is_bool) {
      const bool* mp = static_cast<const bool*>(m.p) + off;
      if (m.s3 == 1) for (int64_t c = 0; c < n; c++) s[c] = mp[c] ? s[c] : -INFINITY;
      else for (int64_t c = 0; c < n; c++) s[c] = mp[c * m.s3] ? s[c] : -INFINITY;
    } else {
      const T* mp = static_cast<const T*>(m.p) + off;
      for (int64_t c = 0; c < n; c++) s[c] += mp[c * m.s3];
    }
  }
  if (g.causal) for (int64_t c = std::max<int64_t>(0, i - j0 + 1); c < n; c++) s[c] = -INFINITY;
  if (!kMax) return 0;
  T mx = -INFINITY;  // NaN scores are skipped here; exp() carries them into the row
#pragma omp simd reduction(max : mx)
  for (int64_t c = 0; c < n; c++) mx = std::max(mx, s[c]);
  return mx;
}
// s = exp(s - m) in place, returns the sum (the loop vectorizes through libmvec)
template <typename T>
T exp_row(T* __restrict s, int64_t n, T m) {
  T sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t c = 0; c < n; c++) {
    const T e = std::exp(s[c] - m);
    s[c] = e;
    sum += e;
  }
  return sum;
}

template <typename T>
void forward(const Geometry& g, Op4<T> Q, Op4<T> K, Op4<T> V, const Mask& M, const Dropout& dr, T* out, T* lse) {
  const int64_t nqb = (g.L + kBq - 1) / kBq;
  parallel_for(0, g.B * g.Hq * nqb, 1, [&](int64_t u0, int64_t u1) {
    std::vector<T> sbuf(kBq * kBk), acc(kBq * g.Ev), mrow(kBq), lrow(kBq), fbuf(dr.on ? kBk : 0);
    for (int64_t u = u0; u < u1; u++) {
      const int64_t bh = u / nqb, i0 = (u % nqb) * kBq, b = bh / g.Hq, h = bh % g.Hq, hk = h / g.groups;
      const int64_t bq = std::min(kBq, g.L - i0);
      std::fill(acc.begin(), acc.begin() + bq * g.Ev, T(0));
      std::fill(mrow.begin(), mrow.end(), (T)-INFINITY);
      std::fill(lrow.begin(), lrow.end(), T(0));
      const T* q = Q.row(b, h, i0);
      for (int64_t j0 = 0; j0 < g.S; j0 += kBk) {
        if (g.causal && j0 > i0 + bq - 1) break;  // every key of this block and after is masked
        const int64_t nb = std::min(kBk, g.S - j0);
        gemm_into<T>(bq, nb, g.E, q, Q.s2, 1, K.row(b, hk, j0), 1, K.s2, sbuf.data(), nb, false, 1);
        for (int64_t r = 0; r < bq; r++) {
          T* s = sbuf.data() + r * nb;
          const T mx = score_row(s, nb, M, g, b, h, i0 + r, j0);
          const T mnew = std::max(mrow[r], mx);
          if (mnew == -INFINITY) {  // the row has no key yet: its weights here are 0
            std::fill(s, s + nb, T(0));
            continue;
          }
          const T alpha = std::exp(mrow[r] - mnew);
          lrow[r] = lrow[r] * alpha + exp_row(s, nb, mnew);  // the statistics are of the undropped weights
          if (alpha != T(1)) for (int64_t c = 0; c < g.Ev; c++) acc[r * g.Ev + c] *= alpha;
          mrow[r] = mnew;
          if (dr.on) {  // only what multiplies V is dropped: O = (P * keep / (1 - p)) V
            dr.factors(fbuf.data(), nb, g.L, g.S, bh, i0 + r, j0);
            const T* __restrict f = fbuf.data();
#pragma omp simd
            for (int64_t c = 0; c < nb; c++) s[c] *= f[c];
          }
        }
        gemm_into<T>(bq, g.Ev, nb, sbuf.data(), nb, 1, V.row(b, hk, j0), V.s2, 1, acc.data(), g.Ev, true, 1);
      }
      T* o = out + (bh * g.L + i0) * g.Ev;
      T* ls = lse + bh * g.L + i0;
      for (int64_t r = 0; r < bq; r++) {
        // a fully masked row gives 0 (torch 2.x's CPU kernels); lse +inf makes its recomputed P 0
        const T inv = lrow[r] > T(0) ? T(1) / lrow[r] : T(0);
        for (int64_t c = 0; c < g.Ev; c++) o[r * g.Ev + c] = acc[r * g.Ev + c] * inv;
        ls[r] = lrow[r] > T(0) ? mrow[r] + std::log(lrow[r]) : (T)INFINITY;
      }
    }
  });
}

template <typename T>
void backward(const Geometry& g, Op4<T> Q, Op4<T> K, Op4<T> V, const Mask& M, const Dropout& dr, Op4<T> dO, const T* D,
              const T* lse, T* dq, T* dk, T* dv) {
  const int64_t nkb = (g.S + kBkB - 1) / kBkB, nqb = (g.L + kBqB - 1) / kBqB, BHk = g.B * g.Hk;
  // units own (b, kv head, a chunk of key blocks): dK and dV rows have one writer. dQ has one
  // writer per chunk, so with several chunks each writes its own partial dQ, summed after.
  const int64_t nt = num_threads().load();
  const int64_t chunks = BHk >= 2 * nt ? 1 : std::max<int64_t>(1, std::min(nkb, (2 * nt + BHk - 1) / std::max<int64_t>(1, BHk)));
  const int64_t kb_per = (nkb + chunks - 1) / chunks, qsize = g.B * g.Hq * g.L * g.E;
  std::vector<T> part(chunks > 1 ? (chunks - 1) * qsize : 0, T(0));
  parallel_for(0, BHk * chunks, 1, [&](int64_t u0, int64_t u1) {
    std::vector<T> P(kBqB * kBkB), dP(kBqB * kBkB), F(dr.on ? kBqB * kBkB : 0);
    for (int64_t u = u0; u < u1; u++) {
      const int64_t bhk = u / chunks, ch = u % chunks, b = bhk / g.Hk, hk = bhk % g.Hk;
      T* dqc = ch == 0 ? dq : part.data() + (ch - 1) * qsize;
      for (int64_t kb = ch * kb_per; kb < std::min(nkb, (ch + 1) * kb_per); kb++) {
        const int64_t j0 = kb * kBkB, nb = std::min(kBkB, g.S - j0);
        T* dkj = dk + (bhk * g.S + j0) * g.E;
        T* dvj = dv + (bhk * g.S + j0) * g.Ev;
        for (int64_t h = hk * g.groups; h < (hk + 1) * g.groups; h++) {
          const int64_t bh = b * g.Hq + h;
          for (int64_t qb = g.causal ? j0 / kBqB : 0; qb < nqb; qb++) {
            const int64_t i0 = qb * kBqB, bq = std::min(kBqB, g.L - i0);
            const T* q = Q.row(b, h, i0);
            const T* dor = dO.row(b, h, i0);
            gemm_into<T>(bq, nb, g.E, q, Q.s2, 1, K.row(b, hk, j0), 1, K.s2, P.data(), nb, false, 1);
            for (int64_t r = 0; r < bq; r++) {
              T* s = P.data() + r * nb;
              score_row<T, false>(s, nb, M, g, b, h, i0 + r, j0);
              const T l = lse[bh * g.L + i0 + r];
              if (l == (T)INFINITY) std::fill(s, s + nb, T(0));
              else exp_row(s, nb, l);
            }
            const T sc = (T)g.scale;
            if (!dr.on) {
              // dV_j += P^T dO_i ; dP = dO_i V_j^T
              gemm_into<T>(nb, g.Ev, bq, P.data(), 1, nb, dor, dO.s2, 1, dvj, g.Ev, true, 1);
              gemm_into<T>(bq, nb, g.Ev, dor, dO.s2, 1, V.row(b, hk, j0), 1, V.s2, dP.data(), nb, false, 1);
              for (int64_t r = 0; r < bq; r++) {
                const T d = D[bh * g.L + i0 + r];
                T* __restrict pr = P.data() + r * nb;
                const T* __restrict dpr = dP.data() + r * nb;
#pragma omp simd
                for (int64_t c = 0; c < nb; c++) pr[c] = pr[c] * (dpr[c] - d) * sc;  // dS, scaled
              }
            } else {
              // the forward's mask again (F = keep / (1 - p)); P_drop = P * F goes in dP's buffer first:
              // dV_j += P_drop^T dO_i ; dP = (dO_i V_j^T) * F ; dS = P * (dP - D), D = rowsum(dO * O) as before
              for (int64_t r = 0; r < bq; r++) {
                T* __restrict f = F.data() + r * nb;
                dr.factors(f, nb, g.L, g.S, bh, i0 + r, j0);
                const T* __restrict pr = P.data() + r * nb;
                T* __restrict pd = dP.data() + r * nb;
#pragma omp simd
                for (int64_t c = 0; c < nb; c++) pd[c] = pr[c] * f[c];
              }
              gemm_into<T>(nb, g.Ev, bq, dP.data(), 1, nb, dor, dO.s2, 1, dvj, g.Ev, true, 1);
              gemm_into<T>(bq, nb, g.Ev, dor, dO.s2, 1, V.row(b, hk, j0), 1, V.s2, dP.data(), nb, false, 1);
              for (int64_t r = 0; r < bq; r++) {
                const T d = D[bh * g.L + i0 + r];
                T* __restrict pr = P.data() + r * nb;
                const T* __restrict dpr = dP.data() + r * nb;
                const T* __restrict f = F.data() + r * nb;
#pragma omp simd
                for (int64_t c = 0; c < nb; c++) pr[c] = pr[c] * (dpr[c] * f[c] - d) * sc;
              }
            }
            // dK_j += dS^T Q_i ; dQ_i += dS K_j
            gemm_into<T>(nb, g.E, bq, P.data(), 1, nb, q, Q.s2, 1, dkj, g.E, true, 1);
            gemm_into<T>(bq, g.E, nb, P.data(), nb, 1, K.row(b, hk, j0), K.s2, 1, dqc + (bh * g.L + i0) * g.E, g.E, true, 1);
          }
        }
      }
    }
  });
  for (int64_t c = 1; c < chunks; c++) {
    const T* p = part.data() + (c - 1) * qsize;
    parallel_for(0, qsize, 1 << 15, [&](int64_t a, int64_t e) { for (int64_t i = a; i < e; i++) dq[i] += p[i]; });
  }
}

}  // namespace

std::pair<TensorPtr, TensorPtr> sdpa_flash(const TensorImpl& q, const TensorImpl& k, const TensorImpl& v, const TensorImpl* mask,
                                           bool is_causal, double scale, double dropout_p, const TensorImpl* rng) {
  const char* op = "sdpa_flash";
  const Geometry g = check_qkv(op, q, k, v, mask, is_causal, scale);
  const Dropout dr = dropout_of(op, dropout_p, rng);
  TensorPtr out = empty({g.B, g.Hq, g.L, g.Ev}, q.dtype, Device::cpu, op), lse = empty({g.B, g.Hq, g.L}, q.dtype, Device::cpu, op);
  if (out->numel() == 0 && lse->numel() == 0) return {out, lse};
  BlasThreadsGuard guard;
  std::vector<TensorPtr> keep;
  const Mask M = mask_of(mask, g);
  MYELIN_DISPATCH_FLOAT(q.dtype, op, {
    using T = scalar_t;
    forward<T>(g, operand<T>(q, keep), operand<T>(k, keep), operand<T>(v, keep), M, dr, out->data<T>(), lse->data<T>());
  });
  return {out, lse};
}

std::tuple<TensorPtr, TensorPtr, TensorPtr> sdpa_flash_backward(const TensorImpl& dout, const TensorImpl& q, const TensorImpl& k,
                                                                const TensorImpl& v, const TensorImpl* mask, const TensorImpl& out,
                                                                const TensorImpl& lse, bool is_causal, double scale,
                                                                double dropout_p, const TensorImpl* rng) {
  const char* op = "sdpa_flash_backward";
  const Geometry g = check_qkv(op, q, k, v, mask, is_causal, scale);
  const Dropout dr = dropout_of(op, dropout_p, rng);
  check_float(op, "grad_out", dout, q);
  check_float(op, "out", out, q);
  check_float(op, "logsumexp", lse, q);
  const Dims os{g.B, g.Hq, g.L, g.Ev}, ls{g.B, g.Hq, g.L};
  if (dout.shape != os) fail(op, "expected grad_out of shape " + dims_str(os) + ", got " + desc(dout));
  if (out.shape != os) fail(op, "expected out of shape " + dims_str(os) + ", got " + desc(out));
  if (lse.shape != ls) fail(op, "expected logsumexp of shape " + dims_str(ls) + ", got " + desc(lse));
  const DType dt = q.dtype;
  TensorPtr dq = empty(q.shape, dt, Device::cpu, op), dk = empty(k.shape, dt, Device::cpu, op), dv = empty(v.shape, dt, Device::cpu, op);
  BlasThreadsGuard guard;
  std::vector<TensorPtr> keep;
  const Mask M = mask_of(mask, g);
  MYELIN_DISPATCH_FLOAT(dt, op, {
    using T = scalar_t;
    for (auto& t : {dq, dk, dv}) std::fill(t->data<T>(), t->data<T>() + t->numel(), T(0));
    if (dq->numel() == 0 && dk->numel() == 0 && dv->numel() == 0) break;
    const Op4<T> dO = operand<T>(dout, keep);
    TensorPtr o = dense(out), l = dense(lse);
    // D_i = rowsum(dO_i * O_i), the softmax backward's correction per query row
    std::vector<T> D(g.B * g.Hq * g.L);
    const T* O = o->data<T>();
    parallel_for(0, g.B * g.Hq * g.L, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.Ev)), [&](int64_t a, int64_t e) {
      for (int64_t r = a; r < e; r++) {
        const int64_t bh = r / g.L, i = r % g.L;
        const T* d = dO.row(bh / g.Hq, bh % g.Hq, i);
        T s = 0;
        for (int64_t c = 0; c < g.Ev; c++) s += d[c] * O[r * g.Ev + c];
        D[r] = s;
      }
    });
    backward<T>(g, operand<T>(q, keep), operand<T>(k, keep), operand<T>(v, keep), M, dr, dO, D.data(), l->data<T>(), dq->data<T>(),
                dk->data<T>(), dv->data<T>());
  });
  return {dq, dk, dv};
}

}  // namespace myelin
