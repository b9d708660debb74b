// float16/bfloat16 on the CPU: an op entry that supports them runs its float32 kernel on a
// widened copy of the input and rounds the float32 results back once (as torch's CPU
// kernels compute in float32). Entries without this path fail in their dispatch with
// "<op>: float16 is not supported" (MYELIN_FAIL_DTYPE).
//
//   TensorPtr softmax(const TensorImpl& x, int64_t dim, bool log) {
//     if (is_reduced_float(x.dtype)) return via_float32(x, [&](const TensorImpl& xf) { return softmax(xf, dim, log); });
#pragma once
#include <tuple>
#include <utility>
#include "ops.h"

namespace myelin {

// A float32 result goes back to `dt`; others (int64 indices, bool masks) are returned as they are.
inline TensorPtr narrow_to(DType dt, TensorPtr y) {
  return y && y->dtype == DType::float32 ? to_dtype(*y, dt) : y;
}
inline std::pair<TensorPtr, TensorPtr> narrow_to(DType dt, std::pair<TensorPtr, TensorPtr> r) {
  return {narrow_to(dt, std::move(r.first)), narrow_to(dt, std::move(r.second))};
}
inline std::tuple<TensorPtr, TensorPtr, TensorPtr> narrow_to(DType dt, std::tuple<TensorPtr, TensorPtr, TensorPtr> r) {
  return {narrow_to(dt, std::get<0>(r)), narrow_to(dt, std::get<1>(r)), narrow_to(dt, std::get<2>(r))};
}

template <typename F>
auto via_float32(const TensorImpl& x, const F& f) {
  auto xf = to_dtype(x, DType::float32);
  return narrow_to(x.dtype, f(*xf));
}
// Two operands of one dtype (matmul): the result goes back to a's dtype.
template <typename F>
auto via_float32(const TensorImpl& a, const TensorImpl& b, const F& f) {
  auto af = to_dtype(a, DType::float32), bf = to_dtype(b, DType::float32);
  return narrow_to(a.dtype, f(*af, *bf));
}

}  // namespace myelin
