// CPU elementwise kernels: unary, binary (broadcasting), where, copy/cast and fill.
// Functors come from core/scalar_ops.h; contiguous runs get a plain loop GCC vectorizes.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#if defined(__AVX512F__) || defined(__F16C__)
#include <immintrin.h>
#endif
#include "../core/iter.h"
#include "../core/ops.h"
#include "../core/scalar_ops.h"

namespace myelin {

// NOTE: float -> integer casts saturate and NaN gives 0 (as Java and Rust): the bare C++
// cast of an out-of-range value is undefined behaviour (torch leaves it so; x86 gives INT_MIN,
// and for uint8 wraps -5.0 to 251). Integer -> integer casts wrap, as torch's.
// float16/bfloat16 go through float32 both ways, as torch's c10::Half and c10::BFloat16 do
// (so a float64 is rounded to float32 first, then to 16 bits).
template <typename T> constexpr bool is_bits16 = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
template <typename Tin, typename Tout>
struct CastOp {
  Tout operator()(Tin v) const {
    if constexpr (std::is_same_v<Tin, Tout>) {
      return v;
    } else if constexpr (is_bits16<Tin>) {
      return CastOp<float, Tout>()(to_float(v));
    } else if constexpr (is_bits16<Tout>) {
      return from_float<Tout>(static_cast<float>(v));
    } else {
      if constexpr (std::is_floating_point_v<Tin> && std::is_integral_v<Tout> && !std::is_same_v<Tout, bool>) {
        constexpr double lo = (double)std::numeric_limits<Tout>::min();        // exact
        constexpr double hi = (double)std::numeric_limits<Tout>::max() + 1.0;  // a power of two: exact
        if (v != v) return Tout(0);
        if (v <= lo) return std::numeric_limits<Tout>::min();
        if (v >= hi) return std::numeric_limits<Tout>::max();
      }
      return static_cast<Tout>(v);
    }
  }
};

TensorPtr scalar_tensor(double v, DType dt, bool wrapped) {
  check_fits("scalar_tensor", v, dt);  // a backstop: callers check first, naming their op
  auto t = empty({}, dt);
  MYELIN_DISPATCH_STORAGE(dt, "scalar", *t->data<scalar_t>() = CastOp<double, scalar_t>()(v));
  t->wrapped = wrapped;
  return t;
}

namespace {

// bool elements are stored and loaded as bytes: GCC does not vectorize a loop that stores
// (or converts from) bool, and the bytes are 0/1 either way.
template <typename T> using Raw = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

// Contiguous float32 <-> float16/bfloat16 runs, the casts every float16/bfloat16 op makes at
// its entry and exit, in vector instructions (the scalar conversions do not vectorize).
// They round to nearest even as the scalar code does; a float16 NaN may keep its payload
// (the scalar path gives 0x7e00 | sign; bfloat16 NaN is 0x7fc0 on both).
template <typename F> constexpr bool kBulkCast = false;
template <> constexpr bool kBulkCast<CastOp<float, Half>> = true;
template <> constexpr bool kBulkCast<CastOp<Half, float>> = true;
template <> constexpr bool kBulkCast<CastOp<float, BFloat16>> = true;
template <> constexpr bool kBulkCast<CastOp<BFloat16, float>> = true;

inline void bulk_cast(const float* a, Half* o, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + i), _mm512_cvtps_ph(_mm512_loadu_ps(a + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#elif defined(__F16C__)
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), _mm256_cvtps_ph(_mm256_loadu_ps(a + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#endif
  for (; i < n; i++) o[i] = Half{float_to_half(a[i])};
}
inline void bulk_cast(const Half* a, float* o, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(o + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i))));
#elif defined(__F16C__)
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i))));
#endif
  for (; i < n; i++) o[i] = half_to_float(a[i].bits);
}
// bfloat16: integer rounding written branch-free, so GCC vectorizes it
inline void bulk_cast(const float* a, BFloat16* o, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    uint32_t v;
    std::memcpy(&v, a + i, 4);
    const uint16_t r = uint16_t((v + 0x7fffu + ((v >> 16) & 1)) >> 16);
    o[i].bits = (v & 0x7fffffffu) > 0x7f800000u ? uint16_t(0x7fc0) : r;
  }
}
inline void bulk_cast(const BFloat16* a, float* o, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const uint32_t v = uint32_t(a[i].bits) << 16;
    std::memcpy(o + i, &v, 4);
  }
}

// A copy whose innermost dim is short and read at stride 0 into contiguous rows (nearest
// upsampling: x.reshape([.., W, 1]).expand([.., W, 2])). The loop below would hand its body
// runs of 2 and spend more on the carry between them than on the copy (8 ms for a DDPM U-Net's
// 64x64x14x14 -> 28x28), so here each row's repeats are filled from one read, with the loop
// running along the dim before. False: not that pattern.
template <typename Tin, typename Tout, typename F>
bool repeat_inner(const StridedLoop<2>& L, const F& f) {
  const int nd = L.nd;
  if (nd < 2) return false;
  const int64_t inner = L.shape[nd - 1], row = inner * (int64_t)sizeof(Tout);
  if (inner > 8 || L.strides[1][nd - 1] != 0 || L.strides[0][nd - 1] != (int64_t)sizeof(Tout) || L.strides[0][nd - 2] != row)
    return false;
  Dims shape(L.shape, L.shape + nd - 1), so(nd - 1), si(nd - 1);
  for (int d = 0; d < nd - 1; d++) {
    if (L.strides[0][d] % row) return false;  // an output view whose rows are not whole rows apart
    so[d] = L.strides[0][d] / row, si[d] = L.strides[1][d] / (int64_t)sizeof(Tin);
  }
  StridedLoop<2> rows(shape, {&so, &si}, {L.base[0], L.base[1]}, {(size_t)row, sizeof(Tin)});
  const int64_t to = rows.inner_stride(0), ti = rows.inner_stride(1);
  rows.parallel_run(std::max<int64_t>(kElementwiseGrain / inner, 1), [&](const std::array<char*, 2>& p, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
      const Raw<Tout> v = static_cast<Tout>(f(*reinterpret_cast<const Tin*>(p[1] + i * ti)));
      Raw<Tout>* o = reinterpret_cast<Raw<Tout>*>(p[0] + i * to);
      for (int64_t k = 0; k < inner; k++) o[k] = v;
    }
  });
  return true;
}

template <typename Tin, typename Tout, typename F>
void unary_kernel(const TensorImpl& x, TensorImpl& y, const F& f) {
  StridedLoop<2> L(y.shape, {&y.strides, &x.strides}, {y.bytes(), x.bytes()}, {sizeof(Tout), sizeof(Tin)});
  if (repeat_inner<Tin, Tout>(L, f)) return;
  const int64_t so = L.inner_stride(0), si = L.inner_stride(1);
  L.parallel_run(kElementwiseGrain, [&](const std::array<char*, 2>& p, int64_t n) {
    Raw<Tout>* o = reinterpret_cast<Raw<Tout>*>(p[0]);
    const Tin* a = reinterpret_cast<const Tin*>(p[1]);
    if (so == sizeof(Tout) && si == sizeof(Tin)) {
      if constexpr (kBulkCast<F>) bulk_cast(a, o, n);
      else for (int64_t i = 0; i < n; i++) o[i] = static_cast<Tout>(f(a[i]));
    } else if (so == sizeof(Tout) && si == 0) {  // fill_, and copies from a broadcast scalar
      std::fill(o, o + n, static_cast<Tout>(f(*a)));
    } else {
      for (int64_t i = 0; i < n; i++)
        *reinterpret_cast<Tout*>(p[0] + i * so) = static_cast<Tout>(f(*reinterpret_cast<const Tin*>(p[1] + i * si)));
    }
  });
}

template <typename T, typename Tout, typename F>
void binary_kernel(const TensorImpl& a, const TensorImpl& b, TensorImpl& y, const F& f) {
  Dims sa = broadcast_strides(a, y.shape), sb = broadcast_strides(b, y.shape);
  StridedLoop<3> L(y.shape, {&y.strides, &sa, &sb}, {y.bytes(), a.bytes(), b.bytes()}, {sizeof(Tout), sizeof(T), sizeof(T)});
  const int64_t so = L.inner_stride(0), s1 = L.inner_stride(1), s2 = L.inner_stride(2);
  const bool co = so == sizeof(Tout);
  L.parallel_run(kElementwiseGrain, [&](const std::array<char*, 3>& p, int64_t n) {
    Raw<Tout>* o = reinterpret_cast<Raw<Tout>*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    const T* z = reinterpret_cast<const T*>(p[2]);
    if (co && s1 == sizeof(T) && s2 == sizeof(T)) {
      for (int64_t i = 0; i < n; i++) o[i] = f(x[i], z[i]);
    } else if (co && s1 == sizeof(T) && s2 == 0) {
      const T c = *z;
      if constexpr (std::is_same_v<F, ops::Pow> && std::is_floating_point_v<T>) {
        // x ** 2 as x * x, as torch's pow_tensor_scalar computes it: std::pow per element does
        // not vectorize (5.9 ms against 0.11 ms on 800k floats)
        if (c == T(2)) {
          for (int64_t i = 0; i < n; i++) o[i] = x[i] * x[i];
          return;
        }
      }
      for (int64_t i = 0; i < n; i++) o[i] = f(x[i], c);
    } else if (co && s1 == 0 && s2 == sizeof(T)) {
      const T c = *x;
      for (int64_t i = 0; i < n; i++) o[i] = f(c, z[i]);
    } else {
      for (int64_t i = 0; i < n; i++)
        *reinterpret_cast<Tout*>(p[0] + i * so) =
            f(*reinterpret_cast<const T*>(p[1] + i * s1), *reinterpret_cast<const T*>(p[2] + i * s2));
    }
  });
}

// Copies src (broadcast to dst's shape) into dst, converting the element type.
void copy_kernel(TensorImpl& dst, const TensorImpl& src) {
  Dims ss = broadcast_strides(src, dst.shape);
  TensorImpl view;  // a borrowed, broadcast view of src
  view.storage = src.storage;
  view.shape = dst.shape;
  view.strides = ss;
  view.offset = src.offset;
  view.dtype = src.dtype;
  MYELIN_DISPATCH_STORAGE(src.dtype, "copy_", {
    using Tin = scalar_t;
    using Byte = Raw<Tin>;  // a bool source converts from its 0/1 byte, which vectorizes
    MYELIN_DISPATCH_STORAGE(dst.dtype, "copy_", { unary_kernel<Byte, scalar_t>(view, dst, CastOp<Byte, scalar_t>()); });
  });
}

enum Kind { F, S, P, A, D, C, L };

template <typename Fn, int kind>
TensorPtr run_unary(const char* op, const TensorImpl& x, const double* params, TensorImpl* out) {
  check_alive(op, x);
  if (is_reduced_float(x.dtype)) {  // computed in float32, the result rounded once (torch's CPU kernels)
    auto xf = to_dtype(x, DType::float32);
    auto yf = run_unary<Fn, kind>(op, *xf, params, nullptr);
    const DType ot = kind == P ? DType::bool_ : x.dtype;
    if (!out) return ot == yf->dtype ? yf : to_dtype(*yf, ot);
    check_alive(op, *out);
    if (out->shape != x.shape) fail(op, "output shape " + dims_str(out->shape) + " does not match input " + dims_str(x.shape));
    if (out->dtype != ot) fail(op, std::string("result type ") + dtype_name(ot) + " can't be written to a " + dtype_name(out->dtype) + " tensor");
    check_writable(op, *out);
    copy_kernel(*out, *yf);  // yf is fresh memory: out may alias x
    return nullptr;
  }
  DType in = x.dtype, ot;
  if (kind == F) ot = is_float(in) ? in : DType::float32;
  else if (kind == P) ot = DType::bool_;
  else {
    if (in == DType::bool_) fail(op, "not supported for bool tensors");
    ot = in;
  }
  if constexpr (std::is_same_v<Fn, ops::Clamp>) {
    auto frac = [](double v) { return v == v && v != std::floor(v); };
    if (!is_float(in) && (frac(params[0]) || frac(params[1]))) {
      auto xf = to_dtype(x, DType::float32);
      return run_unary<Fn, kind>(op, *xf, params, out);
    }
  }
  TensorPtr cast;
  const TensorImpl* src = &x;
  if (kind == F && in != ot) { cast = to_dtype(x, ot); src = cast.get(); }
  TensorPtr y, tmp;
  TensorImpl* dst;
  if (out) {
    check_alive(op, *out);
    if (out->shape != x.shape) fail(op, "output shape " + dims_str(out->shape) + " does not match input " + dims_str(x.shape));
    if (out->dtype != ot) fail(op, std::string("result type ") + dtype_name(ot) + " can't be written to a " + dtype_name(out->dtype) + " tensor");
    check_writable(op, *out);
    if (shares_memory_differently(*out, *src)) { tmp = empty(x.shape, ot, x.device(), op); dst = tmp.get(); }
    else dst = out;
  } else {
    y = empty(x.shape, ot, x.device(), op);
    dst = y.get();
  }
  Fn f(params);
  if constexpr (kind == F) {
    MYELIN_DISPATCH_FLOAT(ot, op, unary_kernel<scalar_t, scalar_t>(*src, *dst, f));
  } else if constexpr (kind == P) {
    MYELIN_DISPATCH_ALL(in, op, unary_kernel<scalar_t, bool>(*src, *dst, f));
  } else {
    MYELIN_DISPATCH_NUMERIC(in, op, unary_kernel<scalar_t, scalar_t>(*src, *dst, f));
  }
  if (tmp) copy_kernel(*out, *tmp);
  return out ? nullptr : y;
}

template <typename Fn, int kind>
TensorPtr run_binary(const char* op, const TensorImpl& a, const TensorImpl& b, TensorImpl* out) {
  check_alive(op, a);
  check_alive(op, b);
  check_same_device(op, a, b);
  DType ct = result_type(a, b);
  if (kind == D && !is_float(ct)) ct = DType::float32;
  if (kind == L) ct = DType::bool_;
  DType ot = (kind == C || kind == L) ? DType::bool_ : ct;
  // float16/bfloat16 compute in float32 and round the result once into ct (torch's CPU
  // kernels). Every operand is first what torch makes it, a ct value: float16 + 0.1 adds
  // 0.1 rounded to float16 (0.0999755859375), int 2049 becomes 2048.
  const DType rt = ct;
  const DType kt = is_reduced_float(ct) && kind != C ? DType::float32 : ot;
  if (is_reduced_float(ct)) ct = DType::float32;
  auto widen = [&](const TensorImpl& t) { return t.dtype == rt ? to_dtype(t, ct) : to_dtype(*to_dtype(t, rt), ct); };
  if (kind == A && ct == DType::bool_ && std::string(op) != "add" && std::string(op) != "mul" &&
      std::string(op) != "maximum" && std::string(op) != "minimum")
    fail(op, "not supported for bool tensors");
  Dims shape = broadcast_shapes(op, a.shape, b.shape);
  TensorPtr ca, cb;
  const TensorImpl* pa = &a;
  const TensorImpl* pb = &b;
  if (a.dtype != ct) { ca = widen(a); pa = ca.get(); }
  if (b.dtype != ct) { cb = widen(b); pb = cb.get(); }
  if constexpr (std::is_same_v<Fn, ops::Pow>) {
    // torch rejects a negative scalar exponent on integers (tensor exponents just give 0)
    if (!is_float(ct) && b.wrapped && b.dtype == DType::int64 && *b.data<int64_t>() < 0)
      fail(op, "Integers to negative integer powers are not allowed");
  }
  TensorPtr y, tmp;
  TensorImpl* dst;
  if (out) {
    check_alive(op, *out);
    if (out->shape != shape)
      fail(op, "output shape " + dims_str(out->shape) + " does not match the broadcast shape " + dims_str(shape));
    if (is_float(ot) && !is_float(out->dtype))
      fail(op, std::string("result type ") + dtype_name(ot) + " can't be cast to the output dtype " + dtype_name(out->dtype));
    check_writable(op, *out);
    // a different dtype, or an input overlapping out at another layout (x.add_(x.T)): into a
    // temporary first
    if (out->dtype == kt && !shares_memory_differently(*out, *pa) && !shares_memory_differently(*out, *pb)) dst = out;
    else { tmp = empty(shape, kt, a.device(), op); dst = tmp.get(); }
  } else {
    y = empty(shape, ot, a.device(), op);
    if (kt == ot) dst = y.get();
    else { tmp = empty(shape, kt, a.device(), op); dst = tmp.get(); }
  }
  Fn f;
  if constexpr (kind == C) {
    MYELIN_DISPATCH_ALL(ct, op, binary_kernel<scalar_t, bool>(*pa, *pb, *dst, f));
  } else {
    MYELIN_DISPATCH_ALL(ct, op, binary_kernel<scalar_t, scalar_t>(*pa, *pb, *dst, f));
  }
  if (tmp) copy_kernel(out ? *out : *y, *tmp);
  return y;
}

}  // namespace

TensorPtr unary(UnaryOp op, const TensorImpl& x, const double* params, TensorImpl* out) {
  switch (op) {
#define MYELIN_UNARY(id, Fn, kind, np) \
  case UnaryOp::id: return run_unary<ops::Fn, kind>(#id, x, params, out);
#include "../ops.def"
  }
  fail("unary", "unknown op");
}

TensorPtr binary(BinaryOp op, const TensorImpl& a, const TensorImpl& b, TensorImpl* out) {
  switch (op) {
#define MYELIN_BINARY(id, Fn, kind) \
  case BinaryOp::id: return run_binary<ops::Fn, kind>(#id, a, b, out);
#include "../ops.def"
  }
  fail("binary", "unknown op");
}

TensorPtr to_dtype(const TensorImpl& x, DType dt) {
  check_alive("to_dtype", x);
  auto y = empty(x.shape, dt, x.device(), "to_dtype");
  copy_kernel(*y, x);
  return y;
}

TensorPtr dense(const TensorImpl& x) { return x.is_contiguous() ? make_view(x, x.shape, x.strides, x.offset) : contiguous(x); }

TensorPtr contiguous(const TensorImpl& x) {
  check_alive("contiguous", x);
  auto y = empty(x.shape, x.dtype, x.device(), "contiguous");
  copy_kernel(*y, x);
  return y;
}

void copy_(TensorImpl& dst, const TensorImpl& src) {
  check_alive("copy_", dst);
  check_alive("copy_", src);
  check_same_device("copy_", dst, src);
  Dims b = broadcast_shapes("copy_", dst.shape, src.shape);
  if (b != dst.shape) fail("copy_", "source of shape " + dims_str(src.shape) + " cannot be broadcast to " + dims_str(dst.shape));
  check_writable("copy_", dst);
  // A source that overlaps the destination at another layout is copied out first.
  if (shares_memory_differently(dst, src)) {
    auto tmp = contiguous(src);
    copy_kernel(dst, *tmp);
  } else {
    copy_kernel(dst, src);
  }
}

void fill_(TensorImpl& dst, double v) {
  check_alive("fill_", dst);
  check_fits("fill_", v, dst.dtype);
  // no check_writable: every write stores the same value, so an expanded dst is fine (as torch)
  auto s = scalar_tensor(v, dst.dtype, false);
  copy_kernel(dst, *s);
}

TensorPtr where(const TensorImpl& cond, const TensorImpl& a, const TensorImpl& b) {
  const char* op = "where";
  check_alive(op, cond);
  check_alive(op, a);
  check_alive(op, b);
  check_same_device(op, cond, a);
  check_same_device(op, a, b);
  if (cond.dtype != DType::bool_) fail(op, std::string("condition must be a bool tensor, got ") + dtype_name(cond.dtype));
  DType ct = result_type(a, b);
  Dims shape = broadcast_shapes(op, broadcast_shapes(op, cond.shape, a.shape), b.shape);
  TensorPtr ca, cb;
  const TensorImpl* pa = &a;
  const TensorImpl* pb = &b;
  if (a.dtype != ct) { ca = to_dtype(a, ct); pa = ca.get(); }
  if (b.dtype != ct) { cb = to_dtype(b, ct); pb = cb.get(); }
  auto y = empty(shape, ct, a.device(), op);
  Dims sc = broadcast_strides(cond, shape), sa = broadcast_strides(*pa, shape), sb = broadcast_strides(*pb, shape);
  MYELIN_DISPATCH_STORAGE(ct, op, {
    StridedLoop<4> L(shape, {&y->strides, &sc, &sa, &sb}, {y->bytes(), cond.bytes(), pa->bytes(), pb->bytes()},
                     {sizeof(scalar_t), 1, sizeof(scalar_t), sizeof(scalar_t)});
    const int64_t s0 = L.inner_stride(0), s1 = L.inner_stride(1), s2 = L.inner_stride(2), s3 = L.inner_stride(3);
    using R = Raw<scalar_t>;
    constexpr int64_t e = sizeof(scalar_t);
    L.parallel_run(kElementwiseGrain, [&](const std::array<char*, 4>& p, int64_t n) {
      R* o = reinterpret_cast<R*>(p[0]);
      const uint8_t* c = reinterpret_cast<const uint8_t*>(p[1]);
      const R* x = reinterpret_cast<const R*>(p[2]);
      const R* z = reinterpret_cast<const R*>(p[3]);
      // contiguous runs with tensor or scalar branches (a gradient masked against 0) vectorize
      if (s0 == e && s1 == 1 && s2 == e && s3 == e) {
        for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : z[i];
      } else if (s0 == e && s1 == 1 && s2 == e && s3 == 0) {
        const R v = *z;
        for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : v;
      } else if (s0 == e && s1 == 1 && s2 == 0 && s3 == e) {
        const R v = *x;
        for (int64_t i = 0; i < n; i++) o[i] = c[i] ? v : z[i];
      } else {
        for (int64_t i = 0; i < n; i++)
          *reinterpret_cast<R*>(p[0] + i * s0) = *reinterpret_cast<const uint8_t*>(p[1] + i * s1)
                                                     ? *reinterpret_cast<const R*>(p[2] + i * s2)
                                                     : *reinterpret_cast<const R*>(p[3] + i * s3);
      }
    });
  });
  return y;
}

TensorPtr masked_fill(const TensorImpl& x, const TensorImpl& mask, double value) {
  check_alive("masked_fill", x);
  check_alive("masked_fill", mask);
  if (mask.dtype != DType::bool_) fail("masked_fill", std::string("mask must be a bool tensor, got ") + dtype_name(mask.dtype));
  broadcast_shapes("masked_fill", x.shape, mask.shape);  // out-of-place: x broadcasts too, as torch
  check_fits("masked_fill", value, x.dtype);
  auto v = scalar_tensor(value, x.dtype, false);
  return where(mask, *v, x);
}

}  // namespace myelin
