// View ops: new shape/strides/offset over the same storage, no data moved.
#include <algorithm>
#include <cstdlib>
#include <vector>
#include "ops.h"

namespace myelin {

void check_alive(const char* op, const TensorImpl& t) {
  if (!t.storage) fail(op, "tensor was disposed");
}
void check_same_device(const char* op, const TensorImpl& a, const TensorImpl& b) {
  if (a.device() != b.device()) fail(op, "expected all tensors on the same device, got cpu and cuda");
}

TensorPtr as_strided(const TensorImpl& x, const Dims& shape, const Dims& strides, int64_t offset) {
  const char* op = "as_strided";
  check_alive(op, x);
  if (shape.size() != strides.size())
    fail(op, "shape " + dims_str(shape) + " and strides " + dims_str(strides) + " differ in length");
  int64_t n = shape_numel(op, shape);
  if (offset < 0) fail(op, "negative storage offset " + std::to_string(offset));
  for (auto s : strides)
    if (s < 0) fail(op, "negative stride in " + dims_str(strides));
  if (n == 0) return make_view(x, shape, strides, offset);  // reads nothing (torch checks no bounds either)
  // the last element's index, in checked arithmetic: (shape - 1) * stride wrapped in int64
  // once and let a view of 4097 elements 2^52 apart pass as one inside a 4-element storage
  const int64_t cap = (int64_t)(x.storage->nbytes / dtype_size(x.dtype));
  auto too_far = [&](const std::string& reach) {
    fail(op, "view of shape " + dims_str(shape) + " strides " + dims_str(strides) + " offset " + std::to_string(offset) + " " +
                 reach + " of a storage of " + std::to_string(cap));
  };
  int64_t hi = offset;
  for (size_t i = 0; i < shape.size(); i++) {
    int64_t e;
    if (__builtin_mul_overflow(shape[i] - 1, strides[i], &e) || __builtin_add_overflow(hi, e, &hi))
      too_far("reaches past element 2^63 (its extent overflows int64)");
  }
  if (hi >= cap) too_far("reaches element " + std::to_string(hi));
  return make_view(x, shape, strides, offset);
}

// The element span [lo, hi] of a non-empty tensor in its storage. Views are checked to fit
// their storage when made (as_strided above; the other views stay inside their base), so
// these products cannot overflow.
static void span(const TensorImpl& t, int64_t& lo, int64_t& hi) {
  lo = hi = t.offset;
  for (size_t i = 0; i < t.shape.size(); i++) {
    if (t.shape[i] <= 1) continue;
    const int64_t e = (t.shape[i] - 1) * t.strides[i];
    (e < 0 ? lo : hi) += e;
  }
}

bool may_share_memory(const TensorImpl& a, const TensorImpl& b) {
  if (!a.storage || a.storage != b.storage || a.numel() == 0 || b.numel() == 0) return false;
  int64_t alo, ahi, blo, bhi;
  span(a, alo, ahi);
  span(b, blo, bhi);
  const int64_t sa = (int64_t)dtype_size(a.dtype), sb = (int64_t)dtype_size(b.dtype);
  return alo * sa < (bhi + 1) * sb && blo * sb < (ahi + 1) * sa;  // byte ranges intersect
}

void check_writable(const char* op, const TensorImpl& out) {
  if (out.is_contiguous()) return;
  static const char* kMsg =
      "unsupported operation: more than one element of the written-to tensor refers to a single memory location. "
      "Please clone() the tensor before performing the operation.";
  // torch's rule: a dim of size > 1 with stride 0 (an expanded view)
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of the dims that move
  for (int64_t i = 0; i < out.ndim(); i++) {
    if (out.shape[i] <= 1) continue;
    if (out.strides[i] == 0) fail(op, kMsg);
    dims.push_back({std::abs(out.strides[i]), out.shape[i]});
  }
  // and what asStrided can make beyond it: with the dims sorted by stride, each stride must
  // step past everything the smaller ones reach, else two indices may meet (torch calls
  // these "too hard" and writes anyway, in an order that decides the result)
  std::sort(dims.begin(), dims.end());
  int64_t reach = 0;
  for (auto [st, n] : dims) {
    if (st <= reach) fail(op, kMsg);
    reach += (n - 1) * st;
  }
}

bool shares_memory_differently(const TensorImpl& out, const TensorImpl& in) {
  if (!may_share_memory(out, in)) return false;
  if (in.offset != out.offset || in.dtype != out.dtype) return true;
  const Dims s = broadcast_strides(in, out.shape);
  for (int64_t i = 0; i < out.ndim(); i++)
    if (out.shape[i] > 1 && s[i] != out.strides[i]) return true;
  return false;
}

// Infers one -1 and checks the element count.
static Dims infer_shape(const char* op, const TensorImpl& x, Dims shape) {
  int64_t known = 1, infer = -1, n = x.numel();
  for (size_t i = 0; i < shape.size(); i++) {
    if (shape[i] == -1) {
      if (infer >= 0) fail(op, "only one dimension can be inferred in " + dims_str(shape));
      infer = (int64_t)i;
    } else if (shape[i] < 0) {
      fail(op, "invalid shape " + dims_str(shape));
    } else {
      known = checked_mul(op, known, shape[i]);
    }
  }
  if (infer >= 0) {
    if (known == 0 || n % known != 0)
      fail(op, "shape " + dims_str(shape) + " is invalid for input of size " + std::to_string(n));
    shape[infer] = n / known;
  }
  if (shape_numel(op, shape) != n)
    fail(op, "shape " + dims_str(shape) + " is invalid for input of size " + std::to_string(n) +
                 " (input shape " + dims_str(x.shape) + ")");
  return shape;
}

// Strides for viewing x as `shape` without a copy, or false (PyTorch's computeStride).
static bool view_strides(const TensorImpl& x, const Dims& shape, Dims& out) {
  out.assign(shape.size(), 1);
  if (x.ndim() == 0) return true;
  if (x.numel() == 0) { out = contiguous_strides(shape); return true; }
  int64_t view_d = (int64_t)shape.size() - 1;
  int64_t chunk_base = x.strides.back();  // stride of the innermost dim of the current chunk
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = x.ndim() - 1; d >= 0; d--) {
    tensor_numel *= x.shape[d];
    if (d == 0 || (x.shape[d - 1] != 1 && x.strides[d - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base;
        view_numel *= shape[view_d];
        view_d--;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) { chunk_base = x.strides[d - 1]; tensor_numel = 1; view_numel = 1; }
    }
  }
  return view_d == -1;
}

TensorPtr view(const TensorImpl& x, Dims shape) {
  check_alive("view", x);
  shape = infer_shape("view", x, shape);
  Dims st;
  if (!view_strides(x, shape, st))
    fail("view", "shape " + dims_str(shape) + " is incompatible with the input's strides " + dims_str(x.strides) +
                     "; use reshape (which copies)");
  return make_view(x, shape, st, x.offset);
}

TensorPtr reshape(const TensorImpl& x, Dims shape) {
  check_alive("reshape", x);
  shape = infer_shape("reshape", x, shape);
  Dims st;
  if (view_strides(x, shape, st)) return make_view(x, shape, st, x.offset);
  auto c = contiguous(x);
  return make_view(*c, shape, contiguous_strides(shape), 0);
}

TensorPtr permute(const TensorImpl& x, const Dims& dims) {
  const char* op = "permute";
  check_alive(op, x);
  if ((int64_t)dims.size() != x.ndim())
    fail(op, "expected " + std::to_string(x.ndim()) + " dims, got " + dims_str(dims));
  Dims shape(dims.size()), strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); i++) {
    int64_t d = wrap_dim(op, dims[i], x.ndim());
    if (seen[d]) fail(op, "repeated dim in " + dims_str(dims));
    seen[d] = true;
    shape[i] = x.shape[d];
    strides[i] = x.strides[d];
  }
  return make_view(x, shape, strides, x.offset);
}

TensorPtr transpose(const TensorImpl& x, int64_t d0, int64_t d1) {
  check_alive("transpose", x);
  Dims shape = x.shape, strides = x.strides;
  if (x.ndim() == 0) { wrap_dim("transpose", d0, 0); wrap_dim("transpose", d1, 0); return make_view(x, shape, strides, x.offset); }
  d0 = wrap_dim("transpose", d0, x.ndim());
  d1 = wrap_dim("transpose", d1, x.ndim());
  std::swap(shape[d0], shape[d1]);
  std::swap(strides[d0], strides[d1]);
  return make_view(x, shape, strides, x.offset);
}

TensorPtr slice(const TensorImpl& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  const char* op = "slice";
  check_alive(op, x);
  if (x.ndim() == 0) fail(op, "cannot slice a 0-d tensor");
  dim = wrap_dim(op, dim, x.ndim());
  if (step <= 0) fail(op, "step must be positive, got " + std::to_string(step));
  int64_t n = x.shape[dim];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Dims shape = x.shape, strides = x.strides;
  shape[dim] = (end - start + step - 1) / step;
  if (shape[dim] > 1) strides[dim] *= step;  // then step < size: no overflow (a huge step leaves one element)
  return make_view(x, shape, strides, x.offset + start * x.strides[dim]);
}

TensorPtr select(const TensorImpl& x, int64_t dim, int64_t index) {
  const char* op = "select";
  check_alive(op, x);
  if (x.ndim() == 0) fail(op, "cannot select on a 0-d tensor");
  dim = wrap_dim(op, dim, x.ndim());
  int64_t n = x.shape[dim];
  if (index < -n || index >= n)
    fail(op, "index " + std::to_string(index) + " out of range for dim " + std::to_string(dim) + " of size " + std::to_string(n));
  if (index < 0) index += n;
  Dims shape = x.shape, strides = x.strides;
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return make_view(x, shape, strides, x.offset + index * x.strides[dim]);
}

TensorPtr narrow(const TensorImpl& x, int64_t dim, int64_t start, int64_t length) {
  const char* op = "narrow";
  check_alive(op, x);
  if (x.ndim() == 0) fail(op, "cannot narrow a 0-d tensor");
  dim = wrap_dim(op, dim, x.ndim());
  int64_t n = x.shape[dim];
  if (start < 0) start += n;
  if (start < 0 || length < 0 || start + length > n)
    fail(op, "start " + std::to_string(start) + " + length " + std::to_string(length) + " exceeds dim " +
                 std::to_string(dim) + " of size " + std::to_string(n));
  Dims shape = x.shape;
  shape[dim] = length;
  return make_view(x, shape, x.strides, x.offset + start * x.strides[dim]);
}

TensorPtr expand(const TensorImpl& x, const Dims& shape) {
  const char* op = "expand";
  check_alive(op, x);
  if (shape.size() < x.shape.size())
    fail(op, "cannot expand " + dims_str(x.shape) + " to fewer dims " + dims_str(shape));
  size_t lead = shape.size() - x.shape.size();
  Dims out(shape.size()), strides(shape.size(), 0);
  for (size_t i = 0; i < shape.size(); i++) {
    if (i < lead) {
      if (shape[i] < 0) fail(op, "-1 not allowed in a new leading dim of " + dims_str(shape));
      out[i] = shape[i];
      continue;
    }
    int64_t have = x.shape[i - lead], want = shape[i] == -1 ? have : shape[i];
    if (have == want) { out[i] = have; strides[i] = x.strides[i - lead]; }
    else if (have == 1 && want >= 0) { out[i] = want; }
    else fail(op, "cannot expand " + dims_str(x.shape) + " to " + dims_str(shape) + " (size " + std::to_string(have) +
                      " at dim " + std::to_string(i) + ")");
  }
  shape_numel(op, out);
  return make_view(x, out, strides, x.offset);
}

TensorPtr squeeze(const TensorImpl& x, const Dims& dims) {
  check_alive("squeeze", x);
  std::vector<bool> drop(x.ndim(), false);
  if (dims.empty()) {
    for (int64_t i = 0; i < x.ndim(); i++) drop[i] = x.shape[i] == 1;
  } else {
    for (auto d : dims) {
      int64_t w = wrap_dim("squeeze", d, x.ndim());
      if (x.ndim() > 0 && x.shape[w] == 1) drop[w] = true;
    }
  }
  Dims shape, strides;
  for (int64_t i = 0; i < x.ndim(); i++)
    if (!drop[i]) { shape.push_back(x.shape[i]); strides.push_back(x.strides[i]); }
  return make_view(x, shape, strides, x.offset);
}

TensorPtr unsqueeze(const TensorImpl& x, int64_t dim) {
  check_alive("unsqueeze", x);
  dim = wrap_dim("unsqueeze", dim, x.ndim() + 1);
  Dims shape = x.shape, strides = x.strides;
  int64_t st = 1;  // any stride serves a size-1 dim; this one keeps contiguous tensors contiguous
  if (dim < x.ndim() && __builtin_mul_overflow(x.shape[dim], x.strides[dim], &st)) st = 1;  // empty asStrided views
  shape.insert(shape.begin() + dim, 1);
  strides.insert(strides.begin() + dim, st);
  return make_view(x, shape, strides, x.offset);
}

TensorPtr flatten(const TensorImpl& x, int64_t start, int64_t end) {
  check_alive("flatten", x);
  if (x.ndim() == 0) return reshape(x, {1});
  start = wrap_dim("flatten", start, x.ndim());
  end = wrap_dim("flatten", end, x.ndim());
  if (start > end) fail("flatten", "start dim " + std::to_string(start) + " is after end dim " + std::to_string(end));
  Dims shape(x.shape.begin(), x.shape.begin() + start);
  int64_t m = 1;
  for (int64_t i = start; i <= end; i++) m *= x.shape[i];
  shape.push_back(m);
  shape.insert(shape.end(), x.shape.begin() + end + 1, x.shape.end());
  return reshape(x, shape);
}

// PyTorch's result_type: dimensioned tensors outrank 0-d tensors, which outrank wrapped
// numbers, except that a lower tier of a higher category (bool < int < float) wins.
static int category(DType t) { return t == DType::bool_ ? 0 : is_int(t) ? 1 : 2; }

DType result_type(const TensorImpl& a, const TensorImpl& b) {
  auto tier = [](const TensorImpl& t) { return t.ndim() > 0 ? 0 : 1; };
  int ta = a.wrapped ? 2 : tier(a), tb = b.wrapped ? 2 : tier(b);
  if (ta == tb) {
    DType r = promote(a.dtype, b.dtype);
    if (ta == 2 && r == DType::float64) return DType::float32;  // two JS numbers: default dtypes
    return r;
  }
  const TensorImpl& hi = ta < tb ? a : b;
  const TensorImpl& lo = ta < tb ? b : a;
  if (category(lo.dtype) > category(hi.dtype)) {
    if (lo.wrapped) return is_float(lo.dtype) ? DType::float32 : DType::int64;
    return lo.dtype;
  }
  return hi.dtype;
}

}  // namespace myelin
