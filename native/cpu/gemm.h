// The GEMM that matmul runs on, for other kernels (conv's im2col products): strided
// operands in place, C written with its own row stride, optionally accumulated.
#pragma once
#include <cstdint>

namespace myelin {

// C[M x N] (row stride ldc) = A @ B, or += when accumulate. A(i, k) is A[i * ars + k * acs],
// B(k, j) is B[k * brs + j * bcs]. float and double. nt: threads this product may use (1
// when the caller already runs it on one of several threads).
template <typename T>
void gemm_into(int64_t M, int64_t N, int64_t K, const T* A, int64_t ars, int64_t acs, const T* B, int64_t brs,
               int64_t bcs, T* C, int64_t ldc, bool accumulate, int64_t nt);

// Keeps OpenBLAS single-threaded while alive: the threads are myelin's (see matmul.cpp).
struct BlasThreadsGuard {
  int saved = 0;
  BlasThreadsGuard();
  ~BlasThreadsGuard();
};

}  // namespace myelin
