// CPU joining and indexing kernels: cat, gather/scatter, index_select/index_add, one_hot,
// topk/sort and flip. Every argument (shapes, dtypes, each index value) is validated
// before an output is written. Index tensors are read as flat contiguous int64; 0-d
// tensors act as shape [1] in dim-wise ops, as in PyTorch.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include "../core/reduced_float.h"
#include "../core/iter.h"
#include "../core/ops.h"

namespace myelin {

namespace {

constexpr int64_t kGrain = 32768;  // elements of work per thread

std::string str(int64_t v) { return std::to_string(v); }

Dims shape1(const TensorImpl& t) { return t.ndim() ? t.shape : Dims{1}; }
Dims strides1(const TensorImpl& t) { return t.ndim() ? t.strides : Dims{1}; }
int64_t ndim1(const TensorImpl& t) { return std::max<int64_t>(t.ndim(), 1); }

void check_index_dtype(const char* op, const TensorImpl& index, bool allow_int32 = true) {
  if (index.dtype != DType::int64 && !(allow_int32 && index.dtype == DType::int32))
    fail(op, std::string("expected index dtype int64, got ") + dtype_name(index.dtype) +
                 (is_float(index.dtype) ? " (tensor() makes float32 from JS numbers: give { dtype: 'int64' }, an Int32Array or BigInt64Array, or bigints like [0n, 2n])" : ""));
}

// The index values in logical order as one int64 array (copied only when needed).
struct Indices {
  TensorPtr hold;
  const int64_t* p = nullptr;
  int64_t n = 0;
};
Indices flat_indices(const TensorImpl& index) {
  Indices r;
  if (index.dtype != DType::int64 || !index.is_contiguous()) r.hold = to_dtype(index, DType::int64);
  const TensorImpl& t = r.hold ? *r.hold : index;
  r.p = t.data<int64_t>();
  r.n = t.numel();
  return r;
}

// Position of the first value outside [0, size), or -1. The parallel scan only detects.
int64_t first_out_of_range(const Indices& ix, int64_t size) {
  std::atomic<bool> bad{false};
  parallel_for(0, ix.n, 4 * kGrain, [&](int64_t b, int64_t e) {
    bool any = false;
    for (int64_t i = b; i < e; i++) any |= (uint64_t)ix.p[i] >= (uint64_t)size;
    if (any) bad = true;
  });
  if (bad)
    for (int64_t i = 0; i < ix.n; i++)
      if (ix.p[i] < 0 || ix.p[i] >= size) return i;
  return -1;
}

void check_bounds(const char* op, const Indices& ix, int64_t dim, int64_t size) {
  int64_t i = first_out_of_range(ix, size);
  if (i >= 0)
    fail(op, "index " + str(ix.p[i]) + " is out of bounds for dim " + str(dim) + " with size " + str(size));
}

// A double that must become an integer element: out-of-range casts are undefined.
void check_int_scalar(const char* op, const char* what, double v, DType dt) {
  double lo = dt == DType::int32 ? -2147483648.0 : dt == DType::int8 ? -128.0 : dt == DType::uint8 ? 0.0 : -9223372036854775808.0;
  double hi = dt == DType::int32 ? 2147483648.0 : dt == DType::int8 ? 128.0 : dt == DType::uint8 ? 256.0 : 9223372036854775808.0;
  if (is_int(dt) && !(v >= lo && v < hi))
    fail(op, std::string(what) + " " + std::to_string(v) + " does not fit the " + dtype_name(dt) + " input");
}

void check_ndim(const char* op, const char* what, const TensorImpl& t, const TensorImpl& x) {
  if (ndim1(t) != ndim1(x))
    fail(op, std::string(what) + " of shape " + dims_str(t.shape) + " must have the same number of dims as the input " +
                 dims_str(x.shape));
}

// index.size(d) <= t.size(d) for every d (except `dim` when skip_dim).
void check_no_larger(const char* op, const TensorImpl& index, const TensorImpl& t, const char* what, int64_t dim,
                     bool skip_dim) {
  Dims is = shape1(index), ts = shape1(t);
  for (size_t d = 0; d < is.size(); d++)
    if ((!skip_dim || (int64_t)d != dim) && is[d] > ts[d])
      fail(op, "index of shape " + dims_str(index.shape) + " is larger than " + what + " of shape " +
                   dims_str(t.shape) + " at dim " + str(d) + (skip_dim ? " (only dim " + str(dim) + " may be larger)" : ""));
}

// Runs f(ptrs, scratch) once per row along `dim` (every position of `shape` with dim
// collapsed), in parallel over rows. Rows never share an output slot along dim, so
// scatter/index writes stay race-free and duplicate indices apply in order.
template <typename Scratch, int N, typename F>
void for_each_row(Dims shape, int64_t dim, const std::array<const Dims*, N>& st, const std::array<char*, N>& base,
                  const std::array<size_t, N>& es, const F& f) {
  const int64_t len = shape[dim];
  shape[dim] = 1;
  StridedLoop<N> L(shape, st, base, es);
  parallel_for(0, L.numel, std::max<int64_t>(1, kGrain / std::max<int64_t>(len, 1)), [&](int64_t b, int64_t e) {
    Scratch s{};
    L.run(b, e, [&](const std::array<char*, N>& p, int64_t n) {
      std::array<char*, N> q = p;
      for (int64_t i = 0; i < n; i++) {
        f(q, s);
        for (int k = 0; k < N; k++) q[k] += L.inner_stride(k);
      }
    });
  });
}
struct NoScratch {};

// out[pos] = x[pos with dim replaced by idx[pos]] over `shape`; strides in elements.
template <typename T>
void gather_kernel(const Dims& shape, int64_t dim, T* out, const Dims& ost, const int64_t* idx, const Dims& ist,
                   const T* x, Dims xst) {
  const int64_t xd = xst[dim];
  xst[dim] = 0;
  StridedLoop<3> L(shape, {&ost, &ist, &xst}, {(char*)out, (char*)idx, (char*)x}, {sizeof(T), sizeof(int64_t), sizeof(T)});
  const int64_t so = L.inner_stride(0), si = L.inner_stride(1), sx = L.inner_stride(2);
  L.parallel_run(kGrain, [&](const std::array<char*, 3>& p, int64_t n) {
    if (so == sizeof(T) && si == sizeof(int64_t)) {  // out and index contiguous: typed loop
      T* o = reinterpret_cast<T*>(p[0]);
      const int64_t* ip = reinterpret_cast<const int64_t*>(p[1]);
      const T* xp = reinterpret_cast<const T*>(p[2]);
      const int64_t step = sx / (int64_t)sizeof(T);
      for (int64_t i = 0; i < n; i++) o[i] = xp[i * step + ip[i] * xd];
    } else {
      for (int64_t i = 0; i < n; i++)
        *reinterpret_cast<T*>(p[0] + i * so) =
            reinterpret_cast<const T*>(p[2] + i * sx)[*reinterpret_cast<const int64_t*>(p[1] + i * si) * xd];
    }
  });
}

// scatter's and scatter_reduce's passes: f(out element, src element) along each index row; rows differ
// across threads, so no two threads touch one output element.
template <typename T, typename F>
void scatter_apply(TensorImpl& out, int64_t dim, const Dims& ishape, const int64_t* idx, const T* src,
                   const Dims& sst, F f) {
  Dims ost = strides1(out), ist = contiguous_strides(ishape);
  const int64_t od = ost[dim], id = ist[dim], sd = sst[dim], len = ishape[dim];
  for_each_row<NoScratch, 3>(ishape, dim, {&ost, &ist, &sst}, {out.bytes(), (char*)idx, (char*)src},
                             {sizeof(T), sizeof(int64_t), sizeof(T)}, [&](const std::array<char*, 3>& q, NoScratch&) {
    T* o = reinterpret_cast<T*>(q[0]);
    const int64_t* ip = reinterpret_cast<const int64_t*>(q[1]);
    const T* s = reinterpret_cast<const T*>(q[2]);
    for (int64_t k = 0; k < len; k++) f(o[ip[k * id] * od], s[k * sd]);
  });
}

// out (contiguous) at [.., idx[pos], ..] = (or +=) src[pos] over the index shape.
template <typename T>
void scatter_kernel(TensorImpl& out, int64_t dim, const Dims& ishape, const int64_t* idx, const T* src,
                    const Dims& sst, bool add) {
  if (add) scatter_apply(out, dim, ishape, idx, src, sst, [](T& o, T v) { o = static_cast<T>(o + v); });
  else scatter_apply(out, dim, ishape, idx, src, sst, [](T& o, T v) { o = v; });
}

// scatter_reduce's mean: y / count, an untouched element (count 0) by 1; integers by floor
// division, as torch
template <typename T>
void divide_by_count(T* y, const T* count, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const T c = count[i] == T(0) ? T(1) : count[i];
    if constexpr (std::is_floating_point_v<T>) {
      y[i] = y[i] / c;
    } else if constexpr (std::is_signed_v<T>) {
      T q = static_cast<T>(y[i] / c);
      if (y[i] % c != 0 && y[i] < 0) q = static_cast<T>(q - 1);  // c > 0
      y[i] = q;
    } else {
      y[i] = static_cast<T>(y[i] / c);
    }
  }
}

// Product of shape[from..to).
int64_t span(const Dims& shape, int64_t from, int64_t to) {
  int64_t n = 1;
  for (int64_t d = from; d < to; d++) n *= shape[d];
  return n;
}

// Order-preserving unsigned key: ascending keys give PyTorch's sort order (NaN greatest,
// -0 equal to 0), so rows sort as plain integers, ties broken by position.
template <typename T>
uint64_t sort_key(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v;
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return U(v) ^ (U(1) << (sizeof(T) * 8 - 1));
  } else {
    using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    using S = std::make_signed_t<U>;
    U u;
    std::memcpy(&u, &v, sizeof u);
    u = v == 0 ? 0 : u;  // branch-free, so the key loop vectorizes
    const U key = u ^ (U(S(u) >> (sizeof(U) * 8 - 1)) | (U(1) << (sizeof(U) * 8 - 1)));
    return std::isnan(v) ? U(~U(0)) : key;
  }
}

// (key, position) entries that compare lexicographically: one packed word when both
// fit in 32 bits, else a pair.
using Wide = std::pair<uint64_t, int64_t>;
template <typename E>
E make_entry(uint64_t key, int64_t j) {
  if constexpr (std::is_same_v<E, uint64_t>) return key << 32 | uint64_t(j);
  else return {key, j};
}
inline int64_t position(uint64_t e) { return int64_t(e & 0xffffffffu); }
inline int64_t position(const Wide& e) { return e.second; }
inline unsigned digit(uint64_t e, int shift) { return unsigned(e >> (32 + shift)) & 0xff; }
inline unsigned digit(const Wide& e, int shift) { return unsigned(e.first >> shift) & 0xff; }

// Stable LSD radix sort by key, 8 bits a pass; a pass where all digits agree is skipped.
template <typename E>
void radix_sort(std::vector<E>& a, std::vector<E>& tmp) {
  constexpr int key_bits = std::is_same_v<E, uint64_t> ? 32 : 64;
  const size_t n = a.size();
  tmp.resize(n);
  for (int shift = 0; shift < key_bits; shift += 8) {
    size_t count[257] = {0};
    for (const E& e : a) count[digit(e, shift) + 1]++;
    if (count[digit(a[0], shift) + 1] == n) continue;
    for (int i = 0; i < 256; i++) count[i + 1] += count[i];
    for (const E& e : a) tmp[count[digit(e, shift)]++] = e;
    a.swap(tmp);
  }
}

// For each row along dim: sort (key, position) entries and write the first k values
// and positions. Only the first k are ordered when k < len; with !ordered, only
// selected. Descending flips the key, so ties stay in position order (stable).
template <typename T, typename E>
void sort_rows(const TensorImpl& x, int64_t dim, int64_t k, bool desc, bool ordered, TensorImpl& vals,
               TensorImpl& inds) {
  Dims shape = shape1(x), xst = strides1(x), vst = strides1(vals), ist = strides1(inds);
  const int64_t len = shape[dim], sx = xst[dim], sv = vst[dim], si = ist[dim];
  const uint64_t flip = desc ? (sizeof(T) <= 4 ? 0xffffffffu : ~uint64_t(0)) : 0;
  struct Buffers { std::vector<E> a, b; };
  for_each_row<Buffers, 3>(shape, dim, {&xst, &vst, &ist}, {x.bytes(), vals.bytes(), inds.bytes()},
                           {sizeof(T), sizeof(T), sizeof(int64_t)}, [&](const std::array<char*, 3>& q, Buffers& bufs) {
    const T* xp = reinterpret_cast<const T*>(q[0]);
    std::vector<E>& buf = bufs.a;
    buf.resize(len);
    auto fill = [xp, e = buf.data(), n = len, f = flip](int64_t stride) {  // locals: no aliasing with e[j]
      for (int64_t j = 0; j < n; j++) e[j] = make_entry<E>(sort_key(xp[j * stride]) ^ f, j);
    };
    sx == 1 ? fill(1) : fill(sx);  // the contiguous case vectorizes
    if (k < len && k * 64 <= len) {
      std::partial_sort(buf.begin(), buf.begin() + k, buf.end());  // a k-heap: ~1 compare per entry
    } else if (k < len && !ordered) {
      std::nth_element(buf.begin(), buf.begin() + k, buf.end());
    } else if (ordered) {
      if (len < 64) std::sort(buf.begin(), buf.end());
      else radix_sort(buf, bufs.b);
    }
    T* vp = reinterpret_cast<T*>(q[1]);
    int64_t* ip = reinterpret_cast<int64_t*>(q[2]);
    for (int64_t j = 0; j < k; j++) {
      const int64_t p = position(buf[j]);
      vp[j * sv] = xp[p * sx];
      ip[j * si] = p;
    }
  });
}

std::pair<TensorPtr, TensorPtr> sort_impl(const char* op, const TensorImpl& x, int64_t k, int64_t dim, bool desc,
                                          bool ordered) {
  Dims shape = x.shape;
  if (x.ndim()) shape[dim] = k;
  auto vals = empty(shape, x.dtype, x.device(), op);
  auto inds = empty(shape, DType::int64, x.device(), op);
  if (vals->numel() == 0) return {vals, inds};
  const int64_t len = shape1(x)[dim], kk = x.ndim() ? k : 1;
  MYELIN_DISPATCH_ALL(x.dtype, op, {
    if (sizeof(scalar_t) <= 4 && len <= 0xffffffffll) sort_rows<scalar_t, uint64_t>(x, dim, kk, desc, ordered, *vals, *inds);
    else sort_rows<scalar_t, Wide>(x, dim, kk, desc, ordered, *vals, *inds);
  });
  return {vals, inds};
}

// y (contiguous) = the strided src; a reversed inner dim gets its own loop.
template <typename T>
void flip_kernel(TensorImpl& y, const T* src, const Dims& sst) {
  StridedLoop<2> L(y.shape, {&y.strides, &sst}, {y.bytes(), (char*)src}, {sizeof(T), sizeof(T)});
  const int64_t step = L.inner_stride(1) / (int64_t)sizeof(T);
  L.parallel_run(kGrain, [&](const std::array<char*, 2>& p, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    const T* s = reinterpret_cast<const T*>(p[1]);
    if (step == -1) {
      for (int64_t i = 0; i < n; i++) o[i] = s[-i];
    } else {
      for (int64_t i = 0; i < n; i++) o[i] = s[i * step];
    }
  });
}

}  // namespace

TensorPtr cat(const std::vector<const TensorImpl*>& xs, int64_t dim) {
  const char* op = "cat";
  if (xs.empty()) fail(op, "expected a non-empty list of tensors");
  // PyTorch (legacy) skips 1-d empty tensors whatever the other shapes; they still
  // take part in dtype promotion.
  auto skipped = [](const TensorImpl* t) { return t->ndim() == 1 && t->shape[0] == 0; };
  const TensorImpl* ref = nullptr;
  size_t ref_pos = 0;
  DType dt = xs[0]->dtype;
  for (size_t i = 0; i < xs.size(); i++) {
    check_alive(op, *xs[i]);
    check_same_device(op, *xs[0], *xs[i]);
    if (xs[i]->ndim() == 0) fail(op, "zero-dimensional tensor (at position " + str(i) + ") cannot be concatenated");
    dt = promote(dt, xs[i]->dtype);
    if (!ref && !skipped(xs[i])) { ref = xs[i]; ref_pos = i; }
  }
  if (!ref) return empty({0}, dt, xs[0]->device(), op);
  dim = wrap_dim(op, dim, ref->ndim());
  Dims shape = ref->shape;
  shape[dim] = 0;
  for (size_t i = 0; i < xs.size(); i++) {
    const TensorImpl& t = *xs[i];
    if (skipped(&t)) continue;
    bool ok = t.ndim() == ref->ndim();
    for (int64_t d = 0; ok && d < t.ndim(); d++) ok = d == dim || t.shape[d] == ref->shape[d];
    if (!ok)
      fail(op, "sizes of tensors must match except in dim " + str(dim) + ": tensor " + str(ref_pos) + " has shape " +
                   dims_str(ref->shape) + " but tensor " + str(i) + " has shape " + dims_str(t.shape));
    shape[dim] = checked_add(op, shape[dim], t.shape[dim]);  // expanded inputs can be huge
  }
  auto y = empty(shape, dt, ref->device(), op);
  int64_t off = 0;
  for (const TensorImpl* t : xs) {
    if (skipped(t) || t->shape[dim] == 0) continue;
    auto part = narrow(*y, dim, off, t->shape[dim]);
    copy_(*part, *t);
    off += t->shape[dim];
  }
  return y;
}

TensorPtr gather(const TensorImpl& x, int64_t dim, const TensorImpl& index) {
  const char* op = "gather";
  check_alive(op, x);
  check_alive(op, index);
  check_same_device(op, x, index);
  check_index_dtype(op, index);
  dim = wrap_dim(op, dim, x.ndim());
  if (index.numel() > 0) {  // PyTorch accepts an empty index of any shape
    check_ndim(op, "index", index, x);
    check_no_larger(op, index, x, "input", dim, true);
  }
  Indices ix = flat_indices(index);
  check_bounds(op, ix, dim, shape1(x)[dim]);
  auto y = empty(index.shape, x.dtype, x.device(), op);
  if (ix.n == 0) return y;
  Dims shape = shape1(index), cst = contiguous_strides(shape);
  MYELIN_DISPATCH_STORAGE(x.dtype, op, gather_kernel<scalar_t>(shape, dim, y->data<scalar_t>(), cst, ix.p, cst,
                                                          x.data<scalar_t>(), strides1(x)));
  return y;
}

TensorPtr scatter(const TensorImpl& x, int64_t dim, const TensorImpl& index, const TensorImpl* src, double value,
                  bool add) {
  const char* op = add ? "scatter_add" : "scatter";
  check_alive(op, x);
  check_alive(op, index);
  check_same_device(op, x, index);
  if (src) {
    check_alive(op, *src);
    check_same_device(op, x, *src);
  } else if (add) {
    fail(op, "expected a src tensor");
  }
  check_index_dtype(op, index);
  dim = wrap_dim(op, dim, x.ndim());
  if (index.numel() > 0) {  // PyTorch accepts an empty index of any shape
    check_ndim(op, "index", index, x);
    if (src && ndim1(*src) != ndim1(index))
      fail(op, "src of shape " + dims_str(src->shape) + " must have the same number of dims as the index " +
                   dims_str(index.shape));
    check_no_larger(op, index, x, "input", dim, true);
    if (src) check_no_larger(op, index, *src, "src", dim, false);
  }
  if (!src) check_int_scalar(op, "value", value, x.dtype);
  Indices ix = flat_indices(index);
  check_bounds(op, ix, dim, shape1(x)[dim]);
  auto y = contiguous(x);
  if (ix.n == 0) return y;
  TensorPtr s = src ? (src->dtype == x.dtype ? nullptr : to_dtype(*src, x.dtype)) : scalar_tensor(value, x.dtype, false);
  const TensorImpl& sv = s ? *s : *src;
  Dims sst = src ? strides1(sv) : Dims(ndim1(x), 0);
  MYELIN_DISPATCH_ALL(x.dtype, op, scatter_kernel<scalar_t>(*y, dim, shape1(index), ix.p, sv.data<scalar_t>(), sst, add));
  return y;
}

// reduce codes as ts/tensor.ts scatterReduce passes them: 0 sum, 1 prod, 2 mean, 3 amax, 4 amin
TensorPtr scatter_reduce(const TensorImpl& x, int64_t dim, const TensorImpl& index, const TensorImpl& src,
                         int64_t reduce, bool include_self) {
  const char* op = "scatter_reduce";
  check_alive(op, x);
  check_alive(op, index);
  check_alive(op, src);
  check_same_device(op, x, index);
  check_same_device(op, x, src);
  if (reduce < 0 || reduce > 4) fail(op, "reduce must be one of sum, prod, mean, amax, amin (code 0-4), got code " + str(reduce));
  if (x.dtype == DType::bool_) fail(op, "bool is not supported");
  check_index_dtype(op, index);
  dim = wrap_dim(op, dim, x.ndim());
  if (index.numel() > 0) {
    check_ndim(op, "index", index, x);
    if (ndim1(src) != ndim1(index))
      fail(op, "src of shape " + dims_str(src.shape) + " must have the same number of dims as the index " +
                   dims_str(index.shape));
    check_no_larger(op, index, x, "input", dim, true);
    check_no_larger(op, index, src, "src", dim, false);
  }
  Indices ix = flat_indices(index);
  check_bounds(op, ix, dim, shape1(x)[dim]);
  auto y = contiguous(x);
  if (ix.n == 0) return y;
  TensorPtr s = src.dtype == x.dtype ? nullptr : to_dtype(src, x.dtype);
  const TensorImpl& sv = s ? *s : src;
  const Dims ishape = shape1(index), sst = strides1(sv), zst(ndim1(x), 0);
  MYELIN_DISPATCH_ALL(x.dtype, op, {
    using T = scalar_t;
    const T* sp = sv.data<T>();
    const T one = T(1);
    if (!include_self) {
      // torch: the scattered positions start from the reduction's identity
      T init = T(0);
      if (reduce == 1) init = T(1);
      if (reduce == 3) init = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
      if (reduce == 4) init = std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
      scatter_apply<T>(*y, dim, ishape, ix.p, &one, zst, [init](T& o, T) { o = init; });
    }
    switch (reduce) {
      case 0: case 2: scatter_apply<T>(*y, dim, ishape, ix.p, sp, sst, [](T& o, T v) { o = static_cast<T>(o + v); }); break;
      case 1: scatter_apply<T>(*y, dim, ishape, ix.p, sp, sst, [](T& o, T v) { o = static_cast<T>(o * v); }); break;
      // NaN wins, as torch's max/min reductions
      case 3: scatter_apply<T>(*y, dim, ishape, ix.p, sp, sst, [](T& o, T v) { if (v != v || v > o) o = v; }); break;
      default: scatter_apply<T>(*y, dim, ishape, ix.p, sp, sst, [](T& o, T v) { if (v != v || v < o) o = v; }); break;
    }
    if (reduce == 2) {
      // the mean divides by the count of values reduced into each element (self counted when
      // include_self), an untouched element by 1; integers by floor division, as torch
      auto count = full(y->shape, include_self ? 1.0 : 0.0, x.dtype);
      scatter_apply<T>(*count, dim, ishape, ix.p, &one, zst, [](T& o, T) { o = static_cast<T>(o + 1); });
      divide_by_count<T>(y->data<T>(), count->data<T>(), y->numel());
    }
  });
  return y;
}

TensorPtr index_select(const TensorImpl& x, int64_t dim, const TensorImpl& index) {
  const char* op = "index_select";
  check_alive(op, x);
  check_alive(op, index);
  check_same_device(op, x, index);
  check_index_dtype(op, index);
  if (index.ndim() > 1) fail(op, "index must be 1-d or 0-d, got shape " + dims_str(index.shape));
  dim = wrap_dim(op, dim, x.ndim());
  Indices ix = flat_indices(index);
  const int64_t n = ix.n;
  if (x.ndim() == 0 && n != 1) fail(op, "index into a 0-d tensor must have exactly 1 value, got " + str(n));
  Dims xs = shape1(x);
  check_bounds(op, ix, dim, xs[dim]);
  Dims shape = x.shape;
  if (x.ndim()) shape[dim] = n;
  auto y = empty(shape, x.dtype, x.device(), op);
  if (y->numel() == 0) return y;

  const int64_t outer = span(xs, 0, dim), size = xs[dim], inner = span(xs, dim + 1, (int64_t)xs.size());
  const size_t row = (size_t)inner * dtype_size(x.dtype);
  if (x.is_contiguous() && row >= 64) {
    // whole rows: the embedding-lookup path
    const char* src = x.bytes();
    char* dst = y->bytes();
    parallel_for(0, outer * n, std::max<int64_t>(1, (1 << 18) / (int64_t)row), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; r++) {
        int64_t o = r / n, i = r % n;
        std::memcpy(dst + r * row, src + (o * size + ix.p[i]) * row, row);
      }
    });
    return y;
  }
  Dims ys = shape1(*y), ist(ys.size(), 0);
  ist[dim] = 1;
  MYELIN_DISPATCH_STORAGE(x.dtype, op, gather_kernel<scalar_t>(ys, dim, y->data<scalar_t>(), contiguous_strides(ys), ix.p,
                                                          ist, x.data<scalar_t>(), strides1(x)));
  return y;
}

TensorPtr index_add(const TensorImpl& x, int64_t dim, const TensorImpl& index, const TensorImpl& src, double alpha) {
  const char* op = "index_add";
  check_alive(op, x);
  check_alive(op, index);
  check_alive(op, src);
  check_same_device(op, x, index);
  check_same_device(op, x, src);
  check_index_dtype(op, index);
  if (index.ndim() > 1) fail(op, "index must be 1-d or 0-d, got shape " + dims_str(index.shape));
  dim = wrap_dim(op, dim, x.ndim());
  Indices ix = flat_indices(index);
  const int64_t n = ix.n;
  if (x.ndim() == 0 && n != 1) fail(op, "index into a 0-d tensor must have exactly 1 value, got " + str(n));
  Dims want = x.shape;
  if (x.ndim()) want[dim] = n;
  if (src.shape != want)
    fail(op, "src of shape " + dims_str(src.shape) + " must match the input shape " + dims_str(x.shape) +
                 " with dim " + str(dim) + " replaced by the number of indices (" + str(n) + "): expected " +
                 dims_str(want));
  check_int_scalar(op, "alpha", alpha, x.dtype);
  Dims xs = shape1(x);
  check_bounds(op, ix, dim, xs[dim]);
  auto y = contiguous(x);
  if (n == 0 || y->numel() == 0) return y;
  TensorPtr s = src.dtype != x.dtype ? to_dtype(src, x.dtype) : src.is_contiguous() ? nullptr : contiguous(src);
  const TensorImpl& sv = s ? *s : src;

  // y as [outer, size, inner], src as [outer, n, inner]: parallel over (outer, inner)
  // columns, so duplicate indices accumulate on one thread, in index order.
  const int64_t outer = span(xs, 0, dim), size = xs[dim], inner = span(xs, dim + 1, (int64_t)xs.size());
  MYELIN_DISPATCH_ALL(x.dtype, op, {
    using T = scalar_t;
    T* yp = y->data<T>();
    const T* sp = sv.data<T>();
    const T a = static_cast<T>(alpha);
    // a chunk spans at least min(inner, 256) columns, so dim-0 adds of short rows (GNN messages
    // [E, 64]) walk each row contiguously instead of one column per chunk (37k x 64 rows: as
    // fast as index_select's memcpy path afterwards, on a loaded machine)
    const int64_t grain = std::max<int64_t>(std::min<int64_t>(inner, 256), kGrain / n);
    parallel_for(0, outer * inner, std::max<int64_t>(1, grain), [&](int64_t b, int64_t e) {
      for (int64_t o = b / inner; o * inner < e; o++) {
        const int64_t c0 = std::max(b, o * inner) - o * inner, c1 = std::min(e, (o + 1) * inner) - o * inner;
        for (int64_t i = 0; i < n; i++) {
          T* d = yp + (o * size + ix.p[i]) * inner;
          const T* r = sp + (o * n + i) * inner;
          for (int64_t c = c0; c < c1; c++) d[c] = static_cast<T>(d[c] + a * r[c]);
        }
      }
    });
  });
  return y;
}

TensorPtr one_hot(const TensorImpl& index, int64_t num_classes) {
  const char* op = "one_hot";
  check_alive(op, index);
  check_index_dtype(op, index, false);
  if (num_classes < -1) fail(op, "num_classes must be -1 or non-negative, got " + str(num_classes));
  Indices ix = flat_indices(index);
  if (ix.n == 0 && num_classes <= 0) fail(op, "cannot infer num_classes from an empty tensor");
  if (num_classes == -1) {
    int64_t m = *std::max_element(ix.p, ix.p + ix.n);
    num_classes = m < 0 ? 0 : m == INT64_MAX ? m : m + 1;  // all negative: reported below
  }
  int64_t bad = first_out_of_range(ix, num_classes);
  if (bad >= 0) {
    int64_t v = ix.p[bad];
    fail(op, v < 0 ? "class values must be non-negative, got " + str(v)
                   : "class value " + str(v) + " is out of range for num_classes " + str(num_classes));
  }
  Dims shape = index.shape;
  shape.push_back(num_classes);
  auto y = empty(shape, DType::int64, index.device(), op);
  int64_t* yp = y->data<int64_t>();
  const int64_t c = num_classes;
  parallel_for(0, ix.n, std::max<int64_t>(1, kGrain / std::max<int64_t>(c, 1)), [&](int64_t b, int64_t e) {
    std::memset(yp + b * c, 0, (size_t)((e - b) * c) * sizeof(int64_t));
    for (int64_t i = b; i < e; i++) yp[i * c + ix.p[i]] = 1;
  });
  return y;
}

std::pair<TensorPtr, TensorPtr> topk(const TensorImpl& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  const char* op = "topk";
  check_alive(op, x);
  dim = wrap_dim(op, dim, x.ndim());
  int64_t len = shape1(x)[dim];
  if (k < 0 || k > len) fail(op, "k (" + str(k) + ") out of range for dim " + str(dim) + " of size " + str(len));
  if (is_reduced_float(x.dtype)) return via_float32(x, [&](const TensorImpl& xf) { return sort_impl(op, xf, k, dim, largest, sorted); });
  return sort_impl(op, x, k, dim, largest, sorted);
}

std::pair<TensorPtr, TensorPtr> sort(const TensorImpl& x, int64_t dim, bool descending, bool /*stable*/) {
  const char* op = "sort";
  check_alive(op, x);
  dim = wrap_dim(op, dim, x.ndim());
  if (is_reduced_float(x.dtype))  // compared in float32 (exact), values back in x's dtype
    return via_float32(x, [&](const TensorImpl& xf) { return sort_impl(op, xf, shape1(x)[dim], dim, descending, true); });
  return sort_impl(op, x, shape1(x)[dim], dim, descending, true);  // always stable
}

TensorPtr flip(const TensorImpl& x, const Dims& dims) {
  const char* op = "flip";
  check_alive(op, x);
  std::vector<bool> seen(ndim1(x), false);
  Dims st = x.strides;
  int64_t off = x.offset;
  for (int64_t d : dims) {
    int64_t w = wrap_dim(op, d, x.ndim());
    if (seen[w]) fail(op, "dim " + str(w) + " appears more than once in " + dims_str(dims));
    seen[w] = true;
    if (x.ndim() && x.shape[w] > 1 && x.numel() > 0) {  // an empty view's strides are unchecked
      off += (x.shape[w] - 1) * st[w];
      st[w] = -st[w];
    }
  }
  auto y = empty(x.shape, x.dtype, x.device(), op);
  if (y->numel() > 0) MYELIN_DISPATCH_STORAGE(x.dtype, op, flip_kernel<scalar_t>(*y, x.data<scalar_t>() + (off - x.offset), st));
  return y;
}

}  // namespace myelin

// ---- edge kernels for graph attention (ts/gnn): the softmax of per-edge scores over the edges
// that share a target node, and the per-head weighted sum of source rows into targets (with
// its adjoint, the per-head dot product along each edge). PyG builds these from gathers,
// broadcast products and scatters over [E, H, C] temporaries; here each is one pass over the
// edges. Scores are [E, K] (K = the trailing dims flattened); features [N, H, C], weights [E, H].
namespace myelin {
namespace {

Indices edge_index_arg(const char* op, const char* what, const TensorImpl& index, int64_t e, int64_t n) {
  check_alive(op, index);
  check_index_dtype(op, index);
  if (index.ndim() != 1) fail(op, std::string(what) + " must be 1-d [num_edges], got shape " + dims_str(index.shape));
  if (index.shape[0] != e) fail(op, std::string(what) + " has " + str(index.shape[0]) + " entries but there are " + str(e) + " edges");
  Indices ix = flat_indices(index);
  const int64_t bad = first_out_of_range(ix, n);
  if (bad >= 0) fail(op, std::string(what) + " holds " + str(ix.p[bad]) + " at position " + str(bad) + ", outside [0, " + str(n) + ")");
  return ix;
}

void check_float_arg(const char* op, const char* what, const TensorImpl& t) {
  check_alive(op, t);
  if (!is_float(t.dtype) || is_reduced_float(t.dtype))
    fail(op, std::string(what) + " must be float32 or float64, got " + dtype_name(t.dtype));
}

TensorPtr zeros_of(const Dims& shape, DType dt, const char* op) {
  auto y = empty(shape, dt, Device::cpu, op);
  if (y->numel()) std::memset(y->data<char>(), 0, (size_t)y->numel() * dtype_size(dt));
  return y;
}

}  // namespace

TensorPtr edge_softmax(const TensorImpl& src, const TensorImpl& index, int64_t num_nodes) {
  const char* op = "edge_softmax";
  check_float_arg(op, "src", src);
  check_same_device(op, src, index);
  if (src.ndim() < 1) fail(op, "src must be [num_edges, ...], got a 0-d tensor");
  if (num_nodes < 0) fail(op, "num_nodes must be non-negative, got " + str(num_nodes));
  const int64_t e = src.shape[0], k = e ? src.numel() / e : 0;
  Indices ix = edge_index_arg(op, "index", index, e, num_nodes);
  auto x = contiguous(src);
  auto y = empty(src.shape, src.dtype, Device::cpu, op);
  if (y->numel() == 0) return y;
  MYELIN_DISPATCH_FLOAT(src.dtype, op, {
    using T = scalar_t;
    const T* xp = x->data<T>();
    T* yp = y->data<T>();
    // the per-target max (NaN wins, as torch's amax), then exp(x - max) and the per-target sum
    std::vector<T> mx((size_t)(num_nodes * k), -std::numeric_limits<T>::infinity());
    std::vector<double> sum((size_t)(num_nodes * k), 0.0);
    for (int64_t i = 0; i < e; i++) {
      T* m = mx.data() + ix.p[i] * k;
      const T* r = xp + i * k;
      for (int64_t c = 0; c < k; c++) if (!(r[c] <= m[c])) m[c] = r[c];
    }
    for (int64_t i = 0; i < e; i++) {
      const T* m = mx.data() + ix.p[i] * k;
      double* s = sum.data() + ix.p[i] * k;
      for (int64_t c = 0; c < k; c++) { const T v = std::exp(xp[i * k + c] - m[c]); yp[i * k + c] = v; s[c] += v; }
    }
    // PyG's utils.softmax: exp / (sum + 1e-16)
    for (int64_t i = 0; i < e; i++) {
      const double* s = sum.data() + ix.p[i] * k;
      for (int64_t c = 0; c < k; c++) yp[i * k + c] = static_cast<T>(yp[i * k + c] / (s[c] + 1e-16));
    }
  });
  return y;
}

TensorPtr edge_softmax_backward(const TensorImpl& grad, const TensorImpl& out, const TensorImpl& index, int64_t num_nodes) {
  const char* op = "edge_softmax_backward";
  check_float_arg(op, "grad", grad);
  check_float_arg(op, "out", out);
  if (grad.shape != out.shape || grad.dtype != out.dtype)
    fail(op, "grad " + dims_str(grad.shape) + " " + dtype_name(grad.dtype) + " must match out " + dims_str(out.shape) + " " + dtype_name(out.dtype));
  if (out.ndim() < 1) fail(op, "out must be [num_edges, ...], got a 0-d tensor");
  if (num_nodes < 0) fail(op, "num_nodes must be non-negative, got " + str(num_nodes));
  const int64_t e = out.shape[0], k = e ? out.numel() / e : 0;
  Indices ix = edge_index_arg(op, "index", index, e, num_nodes);
  auto g = contiguous(grad), y = contiguous(out);
  auto dx = empty(out.shape, out.dtype, Device::cpu, op);
  if (dx->numel() == 0) return dx;
  MYELIN_DISPATCH_FLOAT(out.dtype, op, {
    using T = scalar_t;
    const T *gp = g->data<T>(), *yp = y->data<T>();
    T* dp = dx->data<T>();
    // d x_i = y_i (g_i - sum_{j in i's segment} g_j y_j)
    std::vector<double> dot((size_t)(num_nodes * k), 0.0);
    for (int64_t i = 0; i < e; i++) {
      double* d = dot.data() + ix.p[i] * k;
      for (int64_t c = 0; c < k; c++) d[c] += (double)gp[i * k + c] * yp[i * k + c];
    }
    for (int64_t i = 0; i < e; i++) {
      const double* d = dot.data() + ix.p[i] * k;
      for (int64_t c = 0; c < k; c++) dp[i * k + c] = static_cast<T>(yp[i * k + c] * (gp[i * k + c] - d[c]));
    }
  });
  return dx;
}

namespace {
// x [n, H, C] and a per-edge weight [E, H] (or x [n, C] and weight [E]): H and C, checked
void edge_feature_dims(const char* op, const TensorImpl& x, const TensorImpl& w, int64_t& h, int64_t& c) {
  if (x.ndim() == 3 && w.ndim() == 2 && w.shape[1] == x.shape[1]) { h = x.shape[1]; c = x.shape[2]; return; }
  if (x.ndim() == 2 && w.ndim() == 1) { h = 1; c = x.shape[1]; return; }
  fail(op, "expected x [num_nodes, heads, channels] with weight [num_edges, heads] (or x [num_nodes, channels] with weight [num_edges]), got x " +
               dims_str(x.shape) + " and weight " + dims_str(w.shape));
}
}  // namespace

TensorPtr edge_weighted_sum(const TensorImpl& x, const TensorImpl& weight, const TensorImpl& src, const TensorImpl& dst, int64_t num_nodes) {
  const char* op = "edge_weighted_sum";
  check_float_arg(op, "x", x);
  check_float_arg(op, "weight", weight);
  check_same_device(op, x, weight);
  if (x.dtype != weight.dtype) fail(op, std::string("x and weight must have one dtype, got ") + dtype_name(x.dtype) + " and " + dtype_name(weight.dtype));
  if (num_nodes < 0) fail(op, "num_nodes must be non-negative, got " + str(num_nodes));
  int64_t h = 0, c = 0;
  edge_feature_dims(op, x, weight, h, c);
  const int64_t e = weight.shape[0];
  Indices s = edge_index_arg(op, "src", src, e, x.shape[0]);
  Indices d = edge_index_arg(op, "dst", dst, e, num_nodes);
  Dims shape = x.shape;
  shape[0] = num_nodes;
  auto y = zeros_of(shape, x.dtype, op);
  if (y->numel() == 0 || e == 0) return y;
  auto xc = contiguous(x), wc = contiguous(weight);
  const int64_t hc = h * c;
  MYELIN_DISPATCH_FLOAT(x.dtype, op, {
    using T = scalar_t;
    const T *xp = xc->data<T>(), *wp = wc->data<T>();
    T* yp = y->data<T>();
    // threads split the output columns (each walks every edge for its own columns: no two
    // write one element); a chunk is whole heads unless there are fewer heads than threads
    const int64_t grain = std::max<int64_t>(std::min<int64_t>(c, 8), kGrain / std::max<int64_t>(1, e));
    parallel_for(0, hc, grain, [&](int64_t c0, int64_t c1) {
      for (int64_t i = 0; i < e; i++) {
        const T* __restrict xr = xp + s.p[i] * hc;
        T* __restrict yr = yp + d.p[i] * hc;
        const T* wr = wp + i * h;
        for (int64_t j0 = c0; j0 < c1;) {
          const int64_t k = j0 / c, j1 = std::min(c1, (k + 1) * c);
          const T a = wr[k];
          for (int64_t j = j0; j < j1; j++) yr[j] += a * xr[j];
          j0 = j1;
        }
      }
    });
  });
  return y;
}

TensorPtr edge_dot(const TensorImpl& a, const TensorImpl& b, const TensorImpl& index_a, const TensorImpl& index_b) {
  const char* op = "edge_dot";
  check_float_arg(op, "a", a);
  check_float_arg(op, "b", b);
  check_same_device(op, a, b);
  if (a.dtype != b.dtype) fail(op, std::string("a and b must have one dtype, got ") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
  if (a.ndim() < 2 || a.ndim() > 3 || b.ndim() != a.ndim() || !std::equal(a.shape.begin() + 1, a.shape.end(), b.shape.begin() + 1))
    fail(op, "expected a [num_a, heads, channels] and b [num_b, heads, channels] (or [num, channels] both), got " + dims_str(a.shape) + " and " + dims_str(b.shape));
  if (index_a.ndim() != 1) fail(op, "index_a must be 1-d [num_edges], got shape " + dims_str(index_a.shape));
  const int64_t e = index_a.shape[0];
  const int64_t h = a.ndim() == 3 ? a.shape[1] : 1, c = a.shape.back();
  Indices ia = edge_index_arg(op, "index_a", index_a, e, a.shape[0]);
  Indices ib = edge_index_arg(op, "index_b", index_b, e, b.shape[0]);
  auto y = zeros_of(a.ndim() == 3 ? Dims{e, h} : Dims{e}, a.dtype, op);
  if (y->numel() == 0 || c == 0) return y;
  auto ac = contiguous(a), bc = contiguous(b);
  const int64_t hc = h * c;
  MYELIN_DISPATCH_FLOAT(a.dtype, op, {
    using T = scalar_t;
    const T *ap = ac->data<T>(), *bp = bc->data<T>();
    T* yp = y->data<T>();
    parallel_for(0, e, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, hc)), [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; i++) {
        const T* __restrict ar = ap + ia.p[i] * hc;
        const T* __restrict br = bp + ib.p[i] * hc;
        for (int64_t k = 0; k < h; k++) {
          T acc = 0;
          for (int64_t j = k * c; j < (k + 1) * c; j++) acc += ar[j] * br[j];
          yp[i * h + k] = acc;
        }
      }
    });
  });
  return y;
}

}  // namespace myelin
