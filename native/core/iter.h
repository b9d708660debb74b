// Strided N-operand iteration: dims are coalesced, the index space is split across
// threads, and the body sees runs along the innermost dim with per-operand byte strides.
#pragma once
#include <array>
#include <cstring>
#include "parallel.h"
#include "tensor.h"

namespace myelin {

constexpr int kMaxIterDims = 64;

template <int N>
struct StridedLoop {
  int nd = 0;
  int64_t shape[kMaxIterDims];
  int64_t strides[N][kMaxIterDims];  // bytes
  char* base[N];
  int64_t numel = 1;

  // shape: the iteration shape; st[k]: element strides of operand k for that shape.
  StridedLoop(const Dims& shp, const std::array<const Dims*, N>& st, const std::array<char*, N>& ptrs,
              const std::array<size_t, N>& elem_size) {
    for (int k = 0; k < N; k++) base[k] = ptrs[k];
    for (auto n : shp)
      if (n == 0) numel = 0;
    // an empty shape runs nothing; its strides (asStrided leaves those of empty views
    // unchecked) are not multiplied out
    for (size_t d = 0; numel != 0 && d < shp.size(); d++) {
      numel *= shp[d];
      if (shp[d] == 1) continue;
      // merge into the previous dim when every operand is contiguous across them
      if (nd > 0) {
        bool merge = true;
        for (int k = 0; k < N; k++)
          if (strides[k][nd - 1] != (*st[k])[d] * (int64_t)elem_size[k] * shp[d]) { merge = false; break; }
        if (merge) {
          shape[nd - 1] *= shp[d];
          for (int k = 0; k < N; k++) strides[k][nd - 1] = (*st[k])[d] * (int64_t)elem_size[k];
          continue;
        }
      }
      shape[nd] = shp[d];
      for (int k = 0; k < N; k++) strides[k][nd] = (*st[k])[d] * (int64_t)elem_size[k];
      nd++;
    }
    if (nd == 0) {  // scalar or all-ones shape
      shape[0] = 1;
      for (int k = 0; k < N; k++) strides[k][0] = 0;
      nd = 1;
    }
  }

  int64_t inner_stride(int k) const { return strides[k][nd - 1]; }

  // f(ptrs, n): n elements along the innermost dim starting at ptrs.
  template <typename F>
  void run(int64_t begin, int64_t end, const F& f) const {
    if (numel == 0 || begin >= end) return;
    int64_t idx[kMaxIterDims];
    int64_t rem = begin;
    std::array<char*, N> p;
    for (int k = 0; k < N; k++) p[k] = base[k];
    for (int d = nd - 1; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
      for (int k = 0; k < N; k++) p[k] += idx[d] * strides[k][d];
    }
    int64_t i = begin;
    const int64_t last = shape[nd - 1];
    while (i < end) {
      int64_t n = std::min(last - idx[nd - 1], end - i);
      f(p, n);
      i += n;
      for (int k = 0; k < N; k++) p[k] += n * strides[k][nd - 1];
      idx[nd - 1] += n;
      for (int d = nd - 1; d > 0 && idx[d] == shape[d]; d--) {
        for (int k = 0; k < N; k++) p[k] += strides[k][d - 1] - shape[d] * strides[k][d];
        idx[d] = 0;
        idx[d - 1]++;
      }
    }
  }

  template <typename F>
  void parallel_run(int64_t grain, const F& f) const {
    parallel_for(0, numel, grain, [&](int64_t b, int64_t e) { run(b, e, f); });
  }
};

constexpr int64_t kElementwiseGrain = 32768;

}  // namespace myelin
