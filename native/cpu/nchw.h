// Argument checks shared by the NCHW kernels (conv.cpp, pool.cpp).
#pragma once
#include <string>
#include "../core/ops.h"

namespace myelin {

// A [h, w] pair (stride, padding, ...), each value at least `min`.
inline void check_pair(const char* op, const Dims& d, const char* what, int64_t min) {
  if (d.size() != 2) fail(op, std::string(what) + " must have 2 elements, got " + dims_str(d));
  if (d[0] < min || d[1] < min)
    fail(op, std::string(what) + " must be " + (min ? "positive" : "non-negative") + ", got " + dims_str(d));
}

}  // namespace myelin
