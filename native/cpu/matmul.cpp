// CPU matmul with torch.matmul semantics. Every shape rule reduces to a batch of products
// C[i] = A[i] @ B[i] over strided operands, C fresh and contiguous. float32/float64 go to
// CBLAS when built with it, operands passed in place (row- or column-major, any ld); the
// rest (ints, tiny products, no-BLAS builds) to a packed BLIS-style GEMM in plain C++.
// Threads are ours (OpenBLAS is kept single-threaded): over batches when products are
// small or many, else over blocks of one product.
#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>
#include "../core/ops.h"
#include "../core/parallel.h"
#include "gemm.h"
#ifdef MYELIN_CBLAS
#include <cblas.h>
#endif
#include "../core/reduced_float.h"
#ifdef MYELIN_DNNL
#include <oneapi/dnnl/dnnl.h>
#include "conv_dnnl.h"
#include "../core/signals.h"
extern "C" int omp_get_max_threads(void);
extern "C" void omp_set_num_threads(int);
#endif
#ifdef MYELIN_OPENBLAS
extern "C" int openblas_get_num_threads(void);
extern "C" void openblas_set_num_threads(int);
#endif

namespace myelin {
namespace {

// A strided matrix view: element (i, j) at base[i * rs + j * cs].
struct Mat {
  int64_t rows, cols, rs, cs;
};

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return cdiv(a, b) * b; }

// Below this many multiply-adds a GEMM (or the whole batch) stays on one thread.
constexpr double kParallelWork = 1 << 16;
// Up to this many, one product is cheaper in the built-in GEMM than through BLAS.
constexpr double kSmallWork = 16 * 16 * 16;

// ---------------------------------------------------------------------------------------
// Built-in GEMM. Integers compute in the unsigned type of the same width, so overflow wraps
// (as in torch) instead of being undefined behaviour.
//
// Loops as in BLIS, with C in MC x NC tiles. Per KC-deep slice, a B panel (KC x NC) is
// packed into NR-wide strips and an A block (MC x KC) into MR-high strips, zero-padded;
// the micro-kernel then streams both contiguously: an MR x NR accumulator in registers
// (6x16 floats = 12 ymm), the B strip in L1, the A block in L2, the B panel in L2/L3.
// Packing also absorbs any operand strides, so nothing is copied beforehand.

template <typename U> struct Blocking;
template <> struct Blocking<float> { static constexpr int64_t MR = 6, NR = 16, MC = 144, KC = 256, NC = 2048; };
template <> struct Blocking<double> { static constexpr int64_t MR = 6, NR = 8, MC = 96, KC = 256, NC = 1024; };
template <> struct Blocking<uint32_t> { static constexpr int64_t MR = 6, NR = 16, MC = 144, KC = 256, NC = 2048; };
template <> struct Blocking<uint64_t> { static constexpr int64_t MR = 4, NR = 8, MC = 96, KC = 256, NC = 1024; };

// c + a * b, as one fused instruction for floats whatever the contraction flags.
template <typename U> inline U madd(U a, U b, U c) {
  if constexpr (std::is_floating_point_v<U>) return std::fma(a, b, c);
  else return c + a * b;
}

// C[m x n] (= or +=) Ap (kc x MR strip) * Bp (kc x NR strip); m <= MR, n <= NR at edges.
template <typename T, typename U, int64_t MR, int64_t NR>
void micro_kernel(int64_t kc, const U* __restrict ap, const U* __restrict bp, T* __restrict c, int64_t ldc,
                  int64_t m, int64_t n, bool first) {
  U acc[MR][NR];
  // Unrolled rows over a simd loop of columns: GCC keeps acc in registers and emits one
  // broadcast + NR/VL FMAs per row (fully unrolling both loops instead defeats it).
  // The first step initializes acc (kc >= 1), which spares a memset.
#pragma GCC unroll 8
  for (int64_t i = 0; i < MR; i++) {
#pragma omp simd
    for (int64_t j = 0; j < NR; j++) acc[i][j] = ap[i] * bp[j];
  }
  ap += MR, bp += NR;
  for (int64_t p = 1; p < kc; p++, ap += MR, bp += NR) {
#pragma GCC unroll 8
    for (int64_t i = 0; i < MR; i++) {
#pragma omp simd
      for (int64_t j = 0; j < NR; j++) acc[i][j] = madd(ap[i], bp[j], acc[i][j]);
    }
  }
  if (m == MR && n == NR) {  // full tile: shaped like the loop above so the stores vectorize
#pragma GCC unroll 8
    for (int64_t i = 0; i < MR; i++) {
      if (first) {
#pragma omp simd
        for (int64_t j = 0; j < NR; j++) c[i * ldc + j] = T(acc[i][j]);
      } else {
#pragma omp simd
        for (int64_t j = 0; j < NR; j++) c[i * ldc + j] = T(U(c[i * ldc + j]) + acc[i][j]);
      }
    }
  } else {
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) c[i * ldc + j] = T(first ? acc[i][j] : U(c[i * ldc + j]) + acc[i][j]);
  }
}

// Packs X[r0 : r0+rn, p0 : p0+kc] (X read with row stride rs, column stride cs) into strips
// of W rows: dst[strip][p][w]. Used for A directly and for B through its transpose.
template <typename T, typename U, int64_t W>
void pack(const T* x, int64_t rs, int64_t cs, int64_t r0, int64_t rn, int64_t p0, int64_t kc, U* dst) {
  for (int64_t r = 0; r < rn; r += W, dst += W * kc) {
    const T* src = x + (r0 + r) * rs + p0 * cs;
    const int64_t w = std::min(W, rn - r);
    if (w == W && rs == 1) {  // strip rows adjacent in memory: contiguous W-wide copies
      for (int64_t p = 0; p < kc; p++)
        for (int64_t i = 0; i < W; i++) dst[p * W + i] = U(src[p * cs + i]);
    } else {
      for (int64_t i = 0; i < W; i++)
        for (int64_t p = 0; p < kc; p++) dst[p * W + i] = i < w ? U(src[i * rs + p * cs]) : U(0);
    }
  }
}

// Per-thread packing buffers, kept across calls (OpenMP reuses its threads) and 64-byte aligned.
template <typename U> U* scratch(int slot, int64_t n) {
  thread_local std::vector<U> bufs[2];
  std::vector<U>& v = bufs[slot];
  const int64_t pad = 64 / sizeof(U);
  if ((int64_t)v.size() < n + pad) v.resize(n + pad);
  uintptr_t p = reinterpret_cast<uintptr_t>(v.data());
  return reinterpret_cast<U*>((p + 63) & ~uintptr_t(63));
}

// Runs f(i) for i in [0, n) on up to nt threads, handing out indices one at a time: the
// machine is shared, and a thread that loses its core must not hold up a fixed share.
template <typename F> void parallel_dynamic(int64_t n, int64_t nt, const F& f) {
  std::atomic<int64_t> next{0};
  parallel_for(0, std::min(nt, n), 1, [&](int64_t, int64_t) {
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) f(i);
  });
}

// C (M x N, row stride ldc) = A (M x K) @ B (K x N).
template <typename T, typename U>
void gemm_builtin(int64_t M, int64_t N, int64_t K, const T* A, const Mat& a, const T* B, const Mat& b, T* C, int64_t ldc,
                  int64_t nt, bool accumulate = false) {
  using P = Blocking<U>;
  constexpr int64_t MR = P::MR, NR = P::NR;
  // C in tiles of mc x nc (even row blocks), shrunk until each thread can get two
  int64_t mc = std::min(round_up(cdiv(M, cdiv(M, P::MC)), MR), round_up(M, MR));
  int64_t nc = std::min(P::NC, round_up(N, NR));
  while (nt > 1 && cdiv(M, mc) * cdiv(N, nc) < 2 * nt) {
    if (nc >= mc && nc > NR) nc = round_up(nc / 2, NR);
    else if (mc > MR) mc = round_up(mc / 2, MR);
    else break;
  }
  // A task is a run of row blocks in one column block: it packs each B panel once for the
  // run. About two tasks per thread, handed out dynamically.
  const int64_t tm = cdiv(M, mc), tn = cdiv(N, nc);
  const int64_t run = cdiv(tm, nt > 1 ? std::max<int64_t>(1, 2 * nt / tn) : 1), runs = cdiv(tm, run);
  parallel_dynamic(tn * runs, nt, [&](int64_t task) {
    const int64_t j0 = task / runs * nc, nn = std::min(nc, N - j0);
    const int64_t r0 = task % runs * run, r1 = std::min(tm, r0 + run);
    U* ap = scratch<U>(0, mc * P::KC);
    U* bp = scratch<U>(1, P::KC * nc);
    for (int64_t p0 = 0; p0 < K; p0 += P::KC) {
      const int64_t kc = std::min(P::KC, K - p0);
      pack<T, U, NR>(B, b.cs, b.rs, j0, nn, p0, kc, bp);
      for (int64_t i0 = r0 * mc; i0 < std::min(M, r1 * mc); i0 += mc) {
        const int64_t mm = std::min(mc, M - i0);
        pack<T, U, MR>(A, a.rs, a.cs, i0, mm, p0, kc, ap);
        for (int64_t jr = 0; jr < nn; jr += NR)
          for (int64_t ir = 0; ir < mm; ir += MR)
            micro_kernel<T, U, MR, NR>(kc, ap + ir * kc, bp + jr * kc, C + (i0 + ir) * ldc + j0 + jr, ldc,
                                       std::min(MR, mm - ir), std::min(NR, nn - jr), p0 == 0 && !accumulate);
      }
    }
  });
}

// y (M) = A (M x K) @ x (K, stride incx): matrix-vector products skip the padded GEMM.
template <typename T, typename U>
void gemv_builtin(int64_t M, int64_t K, const T* A, int64_t rs, int64_t cs, const T* x, int64_t incx, T* y, int64_t nt) {
  std::vector<U> xv(K);
  for (int64_t k = 0; k < K; k++) xv[k] = U(x[k * incx]);
  const int64_t grain = nt > 1 ? std::max<int64_t>(64, (int64_t)kParallelWork / K) : M;
  parallel_for(0, M, grain, [&](int64_t i0, int64_t i1) {
    if (cs == 1) {  // dot products along contiguous rows, 16 partial sums to vectorize
      for (int64_t i = i0; i < i1; i++) {
        const T* r = A + i * rs;
        U acc[16] = {}, s = 0;
        int64_t k = 0;
        for (; k + 16 <= K; k += 16) {
#pragma omp simd
          for (int l = 0; l < 16; l++) acc[l] = madd(U(r[k + l]), xv[k + l], acc[l]);
        }
        for (; k < K; k++) s = madd(U(r[k]), xv[k], s);
        for (int l = 0; l < 16; l++) s += acc[l];
        y[i] = T(s);
      }
    } else {  // column sweeps y += A[:, k] * x[k], contiguous when A is transposed
      std::vector<U> acc(i1 - i0, U(0));
      for (int64_t k = 0; k < K; k++) {
        const T* col = A + k * cs + i0 * rs;
        if (rs == 1) for (int64_t i = 0; i < i1 - i0; i++) acc[i] = madd(U(col[i]), xv[k], acc[i]);
        else for (int64_t i = 0; i < i1 - i0; i++) acc[i] = madd(U(col[i * rs]), xv[k], acc[i]);
      }
      for (int64_t i = i0; i < i1; i++) y[i] = T(acc[i - i0]);
    }
  });
}

// One product C = A @ B, C contiguous (row stride N).
template <typename T, typename U>
void mm_builtin(int64_t M, int64_t N, int64_t K, const T* A, const Mat& a, const T* B, const Mat& b, T* C, int64_t nt) {
  if (N == 1) gemv_builtin<T, U>(M, K, A, a.rs, a.cs, B, b.rs, C, nt);
  else if (M == 1) gemv_builtin<T, U>(N, K, B, b.cs, b.rs, A, a.cs, C, nt);  // y = B^T a
  else gemm_builtin<T, U>(M, N, K, A, a, B, b, C, N, nt);
}

// ---------------------------------------------------------------------------------------
#ifdef MYELIN_CBLAS
// How BLAS reads a strided matrix in place: row-major (NoTrans, ld = row stride) or
// column-major (Trans of the stored transpose, ld = column stride). Size-1 dims have
// meaningless strides and always fit.
struct BlasView {
  bool ok = false;
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int64_t ld = 1;
};
BlasView blas_view(const Mat& m) {
  const bool r1 = m.rows == 1, c1 = m.cols == 1;
  BlasView v;
  if ((m.cs == 1 || c1) && (r1 || m.rs >= std::max<int64_t>(1, m.cols))) {
    v.ok = true, v.trans = CblasNoTrans, v.ld = r1 ? std::max<int64_t>(1, m.cols) : m.rs;
  } else if ((m.rs == 1 || r1) && (c1 || m.cs >= std::max<int64_t>(1, m.rows))) {
    v.ok = true, v.trans = CblasTrans, v.ld = c1 ? std::max<int64_t>(1, m.rows) : m.cs;
  }
  if (v.ld > INT_MAX || m.rows > INT_MAX || m.cols > INT_MAX) v.ok = false;  // CBLAS takes int
  return v;
}

// float32 GEMMs go to oneDNN's sgemm when it is built in: its JIT kernels ran the MLP's
// products 1.3-2x faster than OpenBLAS 0.3.21 (64x784x256: 155 vs 218 us on 2 threads).
// It threads itself on OpenMP, so a float32 product is one call on nt OpenMP threads
// instead of blocks on ours (splitting C in two measured 216 us at that shape).
#ifdef MYELIN_DNNL
constexpr bool kSgemmThreadsItself = true;
#else
constexpr bool kSgemmThreadsItself = false;
#endif
template <typename T> constexpr bool blas_threads_itself() { return std::is_same_v<T, float> && kSgemmThreadsItself; }
// Below this many multiply-adds oneDNN's sgemm is faster on one OpenMP thread than two
// (measured: 64x10x128 3.6 vs 9.7 us; 64x128x256 43 vs 33 us).
constexpr double kSgemmParallelWork = 1 << 20;
int64_t sgemm_threads(int64_t M, int64_t N, int64_t K, int64_t nt) {
  return (double)M * N * K < kSgemmParallelWork ? 1 : std::max<int64_t>(1, nt);
}

// Sets this thread's OpenMP team size while alive.
struct OmpThreads {
#ifdef MYELIN_DNNL
  int saved;
  explicit OmpThreads(int64_t n) : saved(omp_get_max_threads()) { if (saved != n) omp_set_num_threads((int)n); }
  ~OmpThreads() { if (omp_get_max_threads() != saved) omp_set_num_threads(saved); }
#else
  explicit OmpThreads(int64_t) {}
#endif
};

// Runs block(o, n) over [0, dim) of C: one call when one thread (or oneDNN's own threads)
// does it, else one block per thread. Each BLAS call repacks all of the other operand, and
// thinner blocks run slower (measured: 4 blocks on 2 threads lose ~5-10% at 512-1024).
template <typename T, typename B>
void blas_blocks(int64_t M, int64_t N, int64_t K, int64_t dim, int64_t nt, const B& block, bool itself = blas_threads_itself<T>()) {
  if (nt <= 1 || itself) {
    OmpThreads omp(sgemm_threads(M, N, K, nt));
    return block(0, dim);
  }
  parallel_for(0, dim, cdiv(dim, nt), [&](int64_t o, int64_t end) { block(o, end - o); });
}

// oneDNN's sgemm runs a transposed A up to 2.3x slower than OpenBLAS, the layout of every Linear
// weight gradient (Xᵀ dY). One thread, m x n x k, TN: 1024x256x2048 28.9 vs 12.6 ms, 2048x256x1024
// 32.5 vs 15.3, 256x1024x2048 15.0 vs 12.5, 2048x256x256 7.2 vs 3.4; at worst 5% the other way
// (2048x1024x256 11.9 vs 12.4): those go to OpenBLAS, split over our threads.
inline bool dnnl_suits(CBLAS_TRANSPOSE ta) { return ta != CblasTrans; }

void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float* c, int ldc, float beta = 0, bool dnnl = true) {
#ifdef MYELIN_DNNL
  // row-major, like the CBLAS call below; it only fails on arguments blas_view rules out
  DeferSignals deferred;
  if (dnnl && dnnl_sgemm(ta == CblasTrans ? 'T' : 'N', tb == CblasTrans ? 'T' : 'N', m, n, k, 1.f, a, lda, b, ldb, beta, c,
                 ldc) == dnnl_success)
    return;
#endif
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.f, a, lda, b, ldb, beta, c, ldc);
}
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const double* a, int lda, const double* b,
          int ldb, double* c, int ldc, double beta = 0, bool = true) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}
void gemv(CBLAS_TRANSPOSE t, int m, int n, const float* a, int lda, const float* x, int incx, float* y) {
  cblas_sgemv(CblasRowMajor, t, m, n, 1.f, a, lda, x, incx, 0.f, y, 1);
}
void gemv(CBLAS_TRANSPOSE t, int m, int n, const double* a, int lda, const double* x, int incx, double* y) {
  cblas_dgemv(CblasRowMajor, t, m, n, 1.0, a, lda, x, incx, 0.0, y, 1);
}

// C = A @ B on BLAS, single-threaded calls. With nt > 1, blocks of C's rows (or columns,
// if wider) go to our threads: OpenBLAS's own pool would compete with ours for the cores
// (both spin-wait), and OpenBLAS 0.3.21 threads small and mid sizes poorly.
template <typename T>
void mm_blas(int64_t M, int64_t N, int64_t K, const T* A, const BlasView& va, const T* B, const BlasView& vb, T* C,
             int64_t nt) {
  const bool rows = M >= N;
  const int64_t dim = rows ? M : N, ext = rows ? N : M;
  const int64_t astep = va.trans == CblasNoTrans ? va.ld : 1, bstep = vb.trans == CblasNoTrans ? 1 : vb.ld;
  const bool dnnl = dnnl_suits(va.trans);
  auto block = [&](int64_t o, int64_t n) {  // C[o : o+n] along the split dim
    const T* a = rows ? A + o * astep : A;
    const T* b = rows ? B : B + o * bstep;
    T* c = rows ? C + o * N : C + o;
    const int m = (int)(rows ? n : ext), k = (int)K, w = (int)(rows ? ext : n);
    // vectors: gemv, which OpenBLAS's gemm does not switch to by itself
    if (N == 1) gemv(va.trans, va.trans == CblasNoTrans ? m : k, va.trans == CblasNoTrans ? k : m, a, (int)va.ld, b, (int)vb.ld, c);
    else if (M == 1)  // y = B^T a
      gemv(vb.trans == CblasNoTrans ? CblasTrans : CblasNoTrans, vb.trans == CblasNoTrans ? k : w,
           vb.trans == CblasNoTrans ? w : k, b, (int)vb.ld, a, va.trans == CblasNoTrans ? 1 : (int)va.ld, c);
    else gemm(va.trans, vb.trans, m, w, k, a, (int)va.ld, b, (int)vb.ld, c, (int)N, T(0), dnnl);
  };
  blas_blocks<T>(M, N, K, dim, nt, block, blas_threads_itself<T>() && dnnl);
}
#endif

// Base offsets (in elements) of each batch matrix, for batch strides `st` over shape `batch`.
std::vector<int64_t> batch_offsets(const Dims& batch, const Dims& st, int64_t count) {
  std::vector<int64_t> off(count);
  Dims idx(batch.size(), 0);
  int64_t o = 0;
  for (int64_t n = 0; n < count; n++) {
    off[n] = o;
    for (int64_t d = (int64_t)batch.size() - 1; d >= 0; d--) {
      o += st[d];
      if (++idx[d] < batch[d]) break;
      o -= st[d] * batch[d];
      idx[d] = 0;
    }
  }
  return off;
}

// Stride of dims (sizes, strides) merged into one, or -1 when they don't merge.
int64_t merged_stride(const Dims& sizes, const Dims& strides) {
  int64_t inner = -1, size = 0, stride = 0;  // innermost dim of size > 1, and the last one merged
  for (int64_t d = (int64_t)sizes.size() - 1; d >= 0; d--) {
    if (sizes[d] == 1) continue;
    if (inner < 0) inner = strides[d];
    else if (strides[d] != stride * size) return -1;
    size = sizes[d], stride = strides[d];
  }
  return std::max<int64_t>(inner, 0);
}

}  // namespace

template <typename T>
void gemm_into(int64_t M, int64_t N, int64_t K, const T* A, int64_t ars, int64_t acs, const T* B, int64_t brs,
               int64_t bcs, T* C, int64_t ldc, bool accumulate, int64_t nt) {
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    if (!accumulate)
      for (int64_t i = 0; i < M; i++) std::fill(C + i * ldc, C + i * ldc + N, T(0));
    return;
  }
  const Mat a{M, K, ars, acs}, b{K, N, brs, bcs};
#ifdef MYELIN_CBLAS
  const BlasView va = blas_view(a), vb = blas_view(b);
  if (va.ok && vb.ok && (double)M * N * K > kSmallWork && ldc <= INT_MAX) {
    // as mm_blas: one block of C's rows (or columns) per thread, single-threaded BLAS calls
    const bool rows = M >= N;
    const int64_t dim = rows ? M : N, ext = rows ? N : M;
    const int64_t astep = va.trans == CblasNoTrans ? va.ld : 1, bstep = vb.trans == CblasNoTrans ? 1 : vb.ld;
    auto block = [&](int64_t o, int64_t n) {
      gemm(va.trans, vb.trans, (int)(rows ? n : ext), (int)(rows ? ext : n), (int)K, rows ? A + o * astep : A, (int)va.ld,
           rows ? B : B + o * bstep, (int)vb.ld, rows ? C + o * ldc : C + o, (int)ldc, accumulate ? T(1) : T(0));
    };
    return blas_blocks<T>(M, N, K, dim, nt, block);
  }
#endif
  gemm_builtin<T, T>(M, N, K, A, a, B, b, C, ldc, nt, accumulate);
}
template void gemm_into<float>(int64_t, int64_t, int64_t, const float*, int64_t, int64_t, const float*, int64_t, int64_t,
                               float*, int64_t, bool, int64_t);
template void gemm_into<double>(int64_t, int64_t, int64_t, const double*, int64_t, int64_t, const double*, int64_t,
                                int64_t, double*, int64_t, bool, int64_t);

BlasThreadsGuard::BlasThreadsGuard() {
#ifdef MYELIN_OPENBLAS
  saved = openblas_get_num_threads();
  openblas_set_num_threads(1);
#endif
}
BlasThreadsGuard::~BlasThreadsGuard() {
#ifdef MYELIN_OPENBLAS
  openblas_set_num_threads(saved);
#endif
}

TensorPtr matmul(const TensorImpl& a0, const TensorImpl& b0) {
  const char* op = "matmul";
  check_alive(op, a0);
  check_alive(op, b0);
  check_same_device(op, a0, b0);
  if (a0.ndim() == 0 || b0.ndim() == 0)
    fail(op, "both arguments to matmul need to be at least 1D, but they are " + std::to_string(a0.ndim()) + "D and " +
                 std::to_string(b0.ndim()) + "D");
  const DType dt = a0.dtype;
  if (dt != b0.dtype)
    fail(op, std::string("expected m1 and m2 to have the same dtype, but got: ") + dtype_name(dt) + " != " +
                 dtype_name(b0.dtype));
  if (dt == DType::bool_) fail(op, "not supported for bool tensors");
  if (is_reduced_float(dt)) {
#ifdef MYELIN_DNNL
    if (dt == DType::bfloat16) if (auto y = matmul_bf16_dnnl(a0, b0)) return y;
#endif
    // float32 GEMM on widened copies, rounded once (torch's CPU fallback does the same)
    return via_float32(a0, b0, [](const TensorImpl& a, const TensorImpl& b) { return matmul(a, b); });
  }

  // Vectors become a 1 x K row (lhs) or K x 1 column (rhs); that dim is dropped from the result.
  const bool vec_a = a0.ndim() == 1, vec_b = b0.ndim() == 1;
  const int64_t M = vec_a ? 1 : a0.shape[a0.ndim() - 2], K = a0.shape.back();
  const int64_t Kb = vec_b ? b0.shape[0] : b0.shape[b0.ndim() - 2], N = vec_b ? 1 : b0.shape.back();
  if (K != Kb)
    fail(op, "cannot multiply " + dims_str(a0.shape) + " by " + dims_str(b0.shape) + " (" + std::to_string(K) +
                 " != " + std::to_string(Kb) + ")");
  const Dims ba(a0.shape.begin(), a0.shape.end() - std::min<int64_t>(2, a0.ndim()));
  const Dims bb(b0.shape.begin(), b0.shape.end() - std::min<int64_t>(2, b0.ndim()));
  const size_t nd = std::max(ba.size(), bb.size());
  Dims batch(nd);
  for (size_t i = 0; i < nd; i++) {
    const int64_t x = i < nd - ba.size() ? 1 : ba[i - (nd - ba.size())];
    const int64_t y = i < nd - bb.size() ? 1 : bb[i - (nd - bb.size())];
    if (x != y && x != 1 && y != 1)
      fail(op, "batch dimensions of " + dims_str(a0.shape) + " and " + dims_str(b0.shape) +
                   " cannot be broadcast (" + std::to_string(x) + " vs " + std::to_string(y) + ")");
    batch[i] = x == 1 ? y : x;
  }
  Dims out_shape = batch;
  if (!vec_a) out_shape.push_back(M);
  if (!vec_b) out_shape.push_back(N);
  TensorPtr out = empty(out_shape, dt, Device::cpu, op);
  if (out->numel() == 0) return out;
  if (K == 0) {  // empty sums
    std::memset(out->bytes(), 0, out->numel() * dtype_size(dt));
    return out;
  }

  auto mat_of = [&](const TensorImpl& t, bool lhs) {
    const int64_t n = t.ndim();
    if (n == 1) return lhs ? Mat{1, K, 0, t.strides[0]} : Mat{K, 1, t.strides[0], 0};
    return Mat{t.shape[n - 2], t.shape[n - 1], t.strides[n - 2], t.strides[n - 1]};
  };
  const TensorImpl* a = &a0;
  const TensorImpl* b = &b0;
  TensorPtr ca, cb;
  Mat ma = mat_of(*a, true), mb = mat_of(*b, false);
#ifdef MYELIN_CBLAS
  // BLAS needs unit stride along one matrix dim; copy only operands that lack it.
  // Small products skip BLAS: its fixed cost per call (~0.3 us) outweighs the work, and
  // concurrent calls from batch threads contend inside OpenBLAS.
  const bool use_blas = is_float(dt) && (double)M * N * K > kSmallWork && M <= INT_MAX && N <= INT_MAX && K <= INT_MAX;
  if (use_blas && !blas_view(ma).ok) ca = contiguous(*a), a = ca.get(), ma = mat_of(*a, true);
  if (use_blas && !blas_view(mb).ok) cb = contiguous(*b), b = cb.get(), mb = mat_of(*b, false);
#endif

  // Batch strides of each operand over the broadcast batch shape (0 where broadcast).
  auto batch_strides = [&](const TensorImpl& t) {
    const int64_t k = t.ndim() - std::min<int64_t>(2, t.ndim());
    Dims s(nd, 0);
    for (int64_t i = 0; i < k; i++)
      if (t.shape[i] != 1) s[nd - k + i] = t.strides[i];
    return s;
  };
  const Dims sa = batch_strides(*a), sb = batch_strides(*b);
  int64_t nbatch = shape_numel(op, batch), Mf = M;
  // A shared rhs ([B, M, K] @ [K, N]) is one tall GEMM when A's batch and row dims merge.
  if (nbatch > 1 && std::all_of(sb.begin(), sb.end(), [](int64_t s) { return s == 0; })) {
    Dims sizes = batch, strides = sa;
    sizes.push_back(M), strides.push_back(ma.rs);
    const int64_t rs = merged_stride(sizes, strides);
    if (rs >= 0) {
      Mat tall{nbatch * M, K, rs, ma.cs};
#ifdef MYELIN_CBLAS
      if (!use_blas || blas_view(tall).ok)
#endif
        ma = tall, Mf = nbatch * M, nbatch = 1;
    }
  }
  const std::vector<int64_t> oa = batch_offsets(batch, sa, nbatch), ob = batch_offsets(batch, sb, nbatch);
  const double work = (double)Mf * N * K, total = work * nbatch;
#if defined(MYELIN_CBLAS) && !defined(MYELIN_OPENBLAS)
  const bool own_threads = !use_blas;  // an unknown CBLAS threads itself
#else
  const bool own_threads = true;
#endif
  const int64_t threads = total < kParallelWork || !own_threads ? 1 : num_threads().load();
  // Products run one after another, each on all threads; or, when there are many of them or
  // they are small, several at once with one thread each (handed out in chunks).
  const bool batch_parallel = threads > 1 && nbatch > 1 && (nbatch >= 4 * threads || work <= 128.0 * 128 * 128);
  const int64_t nt = batch_parallel ? 1 : threads;
  auto run = [&](auto tag, auto&& one) {
    using T = decltype(tag);
    const T* A = a->data<T>();
    const T* B = b->data<T>();
    T* C = out->data<T>();
    if (!batch_parallel) {
      for (int64_t i = 0; i < nbatch; i++) one(A + oa[i], B + ob[i], C + i * Mf * N);
      return;
    }
    const int64_t chunk = std::clamp<int64_t>((int64_t)(kParallelWork / 4 / work), 1, cdiv(nbatch, 4 * threads));
    parallel_dynamic(cdiv(nbatch, chunk), threads, [&](int64_t c) {
      for (int64_t i = c * chunk; i < std::min(nbatch, (c + 1) * chunk); i++) one(A + oa[i], B + ob[i], C + i * Mf * N);
    });
  };
#ifdef MYELIN_CBLAS
  if (use_blas) {
    const BlasView va = blas_view(ma), vb = blas_view(mb);
#ifdef MYELIN_OPENBLAS
    const int saved = openblas_get_num_threads();
    openblas_set_num_threads(1);  // the threads are ours (see mm_blas)
#endif
    auto blas = [&](auto tag) {
      using T = decltype(tag);
      run(tag, [&](const T* A, const T* B, T* C) { mm_blas<T>(Mf, N, K, A, va, B, vb, C, nt); });
    };
    if (dt == DType::float32) blas(float());
    else blas(double());
#ifdef MYELIN_OPENBLAS
    openblas_set_num_threads(saved);
#endif
    return out;
  }
#endif
  auto builtin = [&](auto tag, auto utag) {
    using T = decltype(tag);
    using U = decltype(utag);
    run(tag, [&](const T* A, const T* B, T* C) { mm_builtin<T, U>(Mf, N, K, A, ma, B, mb, C, nt); });
  };
  switch (dt) {
    case DType::float32: builtin(float(), float()); break;
    case DType::float64: builtin(double(), double()); break;
    case DType::int32: builtin(int32_t(), uint32_t()); break;
    case DType::int64: builtin(int64_t(), uint64_t()); break;
    default: fail(op, std::string("not supported for dtype ") + dtype_name(dt));
  }
  return out;
}

}  // namespace myelin
