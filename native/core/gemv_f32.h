// The graph replay's fused linear layer at batch 1 (graph.cpp): y = relu?(W x + b) for a
// float32 W [N, K] in its stored row-major layout, one pass over W and one write of y
// (eager runs a GEMV, a bias add and a relu, each with its own output and dispatch).
#pragma once
#include <cstdint>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace myelin {

#if defined(__AVX2__) && defined(__FMA__)
inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#endif

// dot(W[n, :], x) for rows [0, N): 4 rows at a time, two 8-lane partial sums each (8
// independent FMA chains hide the FMA latency for the L2-resident layers; the large first
// layer is bound by reading W from L3 anyway).
inline void gemv_rows_f32(const float* W, int64_t N, int64_t K, const float* x, float* y) {
  int64_t n = 0;
#if defined(__AVX2__) && defined(__FMA__)
  for (; n + 4 <= N; n += 4) {
    const float *w0 = W + n * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
      const __m256 x0 = _mm256_loadu_ps(x + k), x1 = _mm256_loadu_ps(x + k + 8);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k), x0, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + k), x0, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + k), x0, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + k), x0, a3);
      b0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k + 8), x1, b0);
      b1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + k + 8), x1, b1);
      b2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + k + 8), x1, b2);
      b3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + k + 8), x1, b3);
    }
    for (; k + 8 <= K; k += 8) {
      const __m256 x0 = _mm256_loadu_ps(x + k);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k), x0, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + k), x0, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + k), x0, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + k), x0, a3);
    }
    float s0 = hsum8(_mm256_add_ps(a0, b0)), s1 = hsum8(_mm256_add_ps(a1, b1));
    float s2 = hsum8(_mm256_add_ps(a2, b2)), s3 = hsum8(_mm256_add_ps(a3, b3));
    for (; k < K; k++) {
      s0 += w0[k] * x[k];
      s1 += w1[k] * x[k];
      s2 += w2[k] * x[k];
      s3 += w3[k] * x[k];
    }
    y[n] = s0;
    y[n + 1] = s1;
    y[n + 2] = s2;
    y[n + 3] = s3;
  }
#endif
  for (; n < N; n++) {  // the remaining rows (all of them without AVX2): 16 partial sums
    const float* w = W + n * K;
    float acc[16] = {}, s = 0;
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
#pragma omp simd
      for (int l = 0; l < 16; l++) acc[l] += w[k + l] * x[k + l];
    }
    for (; k < K; k++) s += w[k] * x[k];
    for (int l = 0; l < 16; l++) s += acc[l];
    y[n] = s;
  }
}

}  // namespace myelin
