// CPU reductions: sum/mean/prod/amax/amin/all/any/logsumexp/norms, var/std, max/min and
// argmax/argmin, plus the along-one-dim ops cumsum and (log_)softmax.
//
// One driver (reduce_acc) folds the input into an accumulator per output element. It
// walks the input in memory order (dims sorted by stride, then coalesced), so a run along
// the innermost dim either folds into one accumulator (reduced dim innermost) or adds a
// whole input row into a row of accumulators (kept dim innermost): no strided walk per
// output. Accumulator functors say how to fold: identity, step (one element), run (a
// contiguous run, vectorized where the fold is associative), combine (two partials, the
// left one first) and finish (accumulator -> output element, given the reduced count).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>
#if defined(__AVX__)
#include <immintrin.h>
#endif
#include "../core/reduced_float.h"
#include "../core/iter.h"
#include "../core/ops.h"
#include "../core/vec_math.h"

namespace myelin {
namespace {

constexpr int64_t kGrain = kElementwiseGrain;
template <typename T> constexpr bool is_fp = std::is_floating_point_v<T>;
// Accumulator of sums: double for floats (float32 sums match NumPy/torch); for ints/bool
// uint64, which wraps on overflow as torch's int64 does, without signed-overflow UB.
template <typename T> using wide_t = std::conditional_t<is_fp<T>, double, uint64_t>;
template <typename T> using sum_out_t = std::conditional_t<is_fp<T>, T, int64_t>;

// In-order fold, for accumulators whose result depends on the order (arg*, logsumexp).
template <typename Op, typename T>
typename Op::acc_t fold(const Op& op, const T* x, int64_t n) {
  auto a = op.identity();
  for (int64_t i = 0; i < n; i++) a = op.step(a, x[i]);
  return a;
}

// Folds a contiguous run into W independent accumulators: GCC vectorizes the lanes,
// which it may not do for a single (order-dependent) floating-point accumulator.
template <typename Op, typename T>
typename Op::acc_t lanes(const Op& op, const T* x, int64_t n) {
  constexpr int W = 16;
  if (n < 2 * W) return fold(op, x, n);
  typename Op::acc_t a[W];
  for (int j = 0; j < W; j++) a[j] = op.identity();
  int64_t i = 0;
  for (; i + W <= n; i += W) {
#pragma GCC unroll 1  // fully unrolled, GCC 12 leaves selects (max/min) scalar; as a loop it vectorizes
    for (int j = 0; j < W; j++) a[j] = op.step(a[j], x[i + j]);
  }
  for (; i < n; i++) a[0] = op.step(a[0], x[i]);
  for (int j = 1; j < W; j++) a[0] = op.combine(a[0], a[j]);
  return a[0];
}

// A float32 run's sum in double: float lanes over blocks of 2048 elements (32 per lane),
// each block's partial then added in double. Converting every element to double (the
// generic path) ran sum over 1e7 at 0.78x torch. A lane adds at most 32 values in float
// before its partial moves to double, so the error is that of a 32-term float sum, not of n.
inline double sum_f32(const float* x, int64_t n) {
  typedef float f8 __attribute__((vector_size(32)));
  typedef double d4 __attribute__((vector_size(32)));
  constexpr int64_t kBlock = 2048, kAcc = 8, kStep = 8 * kAcc;
  d4 wide0 = {0, 0, 0, 0}, wide1 = wide0;
  const int64_t nv = n - n % kStep;
  int64_t i = 0;
  while (i < nv) {
    const int64_t end = std::min(nv, i + kBlock);
    f8 a[kAcc] = {};
    for (; i < end; i += kStep)
      for (int k = 0; k < kAcc; k++) {
        f8 v;
        std::memcpy(&v, x + i + 8 * k, sizeof v);  // an unaligned load
        a[k] += v;
      }
    const f8 s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    wide0 += d4{s[0], s[1], s[2], s[3]};
    wide1 += d4{s[4], s[5], s[6], s[7]};
  }
  const d4 w = wide0 + wide1;
  double t = (w[0] + w[1]) + (w[2] + w[3]);
  for (; i < n; i++) t += double(x[i]);
  return t;
}

// ---- accumulator functors

// Sum of f(x) in the wide type; sum, mean, norm1 and the fast paths of norm2 and var.
struct Identity { template <typename T> T operator()(T x) const { return x; } };
struct AbsF { template <typename T> T operator()(T x) const { return std::abs(x); } };
struct SquareF { template <typename T> double operator()(T x) const { return double(x) * double(x); } };

template <typename T, typename F = Identity>
struct Sum {
  using in_t = T;
  using acc_t = wide_t<T>;
  using out_t = sum_out_t<T>;
  F f{};
  acc_t identity() const { return 0; }
  acc_t step(acc_t a, T x) const { return a + acc_t(f(x)); }
  acc_t combine(acc_t a, acc_t b) const { return a + b; }
  acc_t run(const T* x, int64_t n) const {
    if constexpr (std::is_same_v<T, float> && std::is_same_v<F, Identity>) return sum_f32(x, n);
    else return lanes(*this, x, n);
  }
  out_t finish(acc_t a, int64_t) const { return out_t(a); }
};

template <typename T>
struct Mean : Sum<T> {
  using out_t = T;
  T finish(double a, int64_t n) const { return T(a / double(n)); }  // n == 0 gives NaN
};

template <typename T>
struct Prod : Sum<T> {
  using acc_t = wide_t<T>;
  acc_t identity() const { return 1; }
  acc_t step(acc_t a, T x) const { return a * acc_t(x); }
  acc_t combine(acc_t a, acc_t b) const { return a * b; }
  acc_t run(const T* x, int64_t n) const { return lanes(*this, x, n); }
};

// amax/amin (and norminf on |x|): NaN wins.
template <typename T, bool is_max, typename F = Identity>
struct Extreme {
  using in_t = T;
  using acc_t = T;
  using out_t = T;
  F f{};
  T identity() const {
    if constexpr (is_fp<T>) return is_max ? -INFINITY : INFINITY;
    else return is_max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  T combine(T a, T x) const {
    bool take = is_max ? x > a : x < a;
    if constexpr (is_fp<T>) take = take || x != x;
    return take ? x : a;
  }
  T step(T a, T x) const { return combine(a, f(x)); }
  T run(const T* x, int64_t n) const { return lanes(*this, x, n); }
  T finish(T a, int64_t) const { return a; }
};

template <typename T, bool is_all>
struct Logical {
  using in_t = T;
  using acc_t = uint8_t;
  using out_t = bool;
  uint8_t identity() const { return is_all; }
  uint8_t combine(uint8_t a, uint8_t b) const { return is_all ? (a & b) : (a | b); }
  uint8_t step(uint8_t a, T x) const { return combine(a, uint8_t(x != T(0))); }
  uint8_t run(const T* x, int64_t n) const { return lanes(*this, x, n); }
  bool finish(uint8_t a, int64_t) const { return a; }
};

// Streaming logsumexp: s = sum exp(x - m) over the elements seen, m their running max.
// Equal maxima (both +inf or both -inf) count 1 instead of exp(nan); NaN poisons s.
template <typename T>
struct LogSumExp {
  using in_t = T;
  struct acc_t { double m, s; };
  using out_t = T;
  acc_t identity() const { return {-INFINITY, 0}; }
  acc_t combine(acc_t a, acc_t b) const {
    if (b.m > a.m) std::swap(a, b);
    a.s += b.m == a.m ? b.s : b.s * std::exp(b.m - a.m);
    return a;
  }
  acc_t step(acc_t a, T x) const { return combine(a, {double(x), 1}); }
  acc_t run(const T* x, int64_t n) const {  // two passes, both vectorized
    const T m = Extreme<T, true>().run(x, n);
    if (!std::isfinite(m)) return fold(*this, x, n);  // empty, infinities, NaN
    auto e = [m](T v) { return std::exp(v - m); };
    return {double(m), lanes(Sum<T, decltype(e)>{e}, x, n)};
  }
  T finish(acc_t a, int64_t) const { return T(a.m + std::log(a.s)); }
};

// Euclidean norm as scale * sqrt(ssq) (LAPACK's nrm2 update), so huge or tiny float64
// values neither overflow nor underflow; runs take a plain sum of squares when it is safe.
template <typename T>
struct Norm2 {
  using in_t = T;
  struct acc_t { double scale, ssq; };
  using out_t = T;
  acc_t identity() const { return {0, 1}; }
  acc_t combine(acc_t a, acc_t b) const {
    if (a.scale < b.scale) std::swap(a, b);
    double r = b.scale == a.scale ? 1 : b.scale / a.scale;  // inf/inf would be NaN
    a.ssq += b.ssq * r * r;
    return a;
  }
  acc_t step(acc_t a, T x) const {
    double ax = std::abs(double(x));
    if (ax == 0) return a;
    if (a.scale < ax) {
      double r = a.scale / ax;
      return {ax, 1 + a.ssq * r * r};
    }
    double r = ax == a.scale ? 1 : ax / a.scale;
    a.ssq += r * r;  // NaN lands here
    return a;
  }
  acc_t run(const T* x, int64_t n) const {
    double s = lanes(Sum<T, SquareF>(), x, n);
    if (s > 1e-250 && s < 1e300) return {1, s};  // no square can have over- or underflowed
    return fold(*this, x, n);
  }
  T finish(acc_t a, int64_t) const { return T(a.scale * std::sqrt(a.ssq)); }
};

// Welford's mean and M2, merged with Chan's formula; runs use an exact two-pass.
template <typename T>
struct Var {
  using in_t = T;
  struct acc_t { double n, mean, m2; };
  using out_t = T;
  double correction;
  bool take_sqrt;
  acc_t identity() const { return {0, 0, 0}; }
  acc_t step(acc_t a, T x) const {
    a.n += 1;
    double d = double(x) - a.mean;
    a.mean += d / a.n;
    a.m2 += d * (double(x) - a.mean);
    return a;
  }
  acc_t combine(acc_t a, acc_t b) const {
    if (b.n == 0) return a;
    if (a.n == 0) return b;
    double n = a.n + b.n, d = b.mean - a.mean;
    return {n, a.mean + d * (b.n / n), a.m2 + b.m2 + d * d * (a.n * b.n / n)};
  }
  acc_t run(const T* x, int64_t n) const {
    if (n == 0) return identity();
    double mean = lanes(Sum<T>(), x, n) / double(n);
    auto dev = [mean](T v) { return (double(v) - mean) * (double(v) - mean); };
    return {double(n), mean, lanes(Sum<T, decltype(dev)>{dev}, x, n)};
  }
  T finish(acc_t a, int64_t) const {
    double v = a.m2 / std::max(0.0, a.n - correction);  // torch: dof <= 0 gives inf or NaN
    return T(take_sqrt ? std::sqrt(v) : v);
  }
};

// Value and index of the max/min, first occurrence, NaN wins. Indices count the elements
// folded so far (n), which is the position along the one reduced dim: the driver visits
// each output's elements in order, and combines partials left to right.
template <typename T, bool is_max>
struct Arg {
  using in_t = T;
  struct acc_t { T v; int64_t i, n; };
  static bool better(T x, T best) {
    if constexpr (is_fp<T>) {
      if (best != best) return false;
      if (x != x) return true;
    }
    return is_max ? x > best : x < best;
  }
  acc_t identity() const { return {T(), 0, 0}; }
  acc_t combine(acc_t a, acc_t b) const {
    if (b.n == 0) return a;
    if (a.n == 0) return b;
    if (better(b.v, a.v)) { a.v = b.v; a.i = a.n + b.i; }
    a.n += b.n;
    return a;
  }
  acc_t step(acc_t a, T x) const {
    if (a.n == 0 || better(x, a.v)) { a.v = x; a.i = a.n; }
    a.n++;
    return a;
  }
  acc_t run(const T* x, int64_t n) const {  // the (vectorized) extreme, then its first position
    if (n == 0) return identity();
    const T m = Extreme<T, is_max>().run(x, n);
    const bool nan = m != m;
    auto hit = [&](T v) { return v == m || (nan && v != v); };
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {  // branch-free test per block, then the exact position
      int any = 0;
#pragma GCC unroll 1
      for (int j = 0; j < 16; j++) any |= hit(x[i + j]);
      if (any) break;
    }
    while (!hit(x[i])) i++;
    return {x[i], i, n};
  }
};

// ---- dims and the driver

using Mask = std::vector<bool>;

int64_t wrap(const char* op, int64_t dim, const TensorImpl& x) {
  int64_t n = std::max<int64_t>(x.ndim(), 1);
  if (dim < -n || dim >= n)
    fail(op, "dim " + std::to_string(dim) + " is out of range for a tensor of shape " + dims_str(x.shape) +
                 " (expected in [" + std::to_string(-n) + ", " + std::to_string(n - 1) + "])");
  return dim < 0 ? dim + n : dim;
}

// Which dims are reduced; empty dims = all. A 0-d tensor accepts dim 0 / -1 and reduces nothing.
Mask reduce_mask(const char* op, const TensorImpl& x, const Dims& dims) {
  Mask red(x.ndim(), dims.empty()), seen(std::max<int64_t>(x.ndim(), 1), false);
  for (int64_t d : dims) {
    int64_t w = wrap(op, d, x);
    if (seen[w]) fail(op, "dim " + std::to_string(w) + " appears more than once in the dims for shape " + dims_str(x.shape));
    seen[w] = true;
    if (x.ndim()) red[w] = true;
  }
  return red;
}

Dims reduced_shape(const TensorImpl& x, const Mask& red, bool keepdim) {
  Dims s;
  for (int64_t d = 0; d < x.ndim(); d++)
    if (!red[d]) s.push_back(x.shape[d]);
    else if (keepdim) s.push_back(1);
  return s;
}

// Ops without an identity (max, min, ...) refuse a zero-size reduced extent, as torch does.
void check_nonempty(const char* op, const TensorImpl& x, const Mask& red) {
  if (x.numel() != 0) return;
  for (int64_t d = 0; d < x.ndim(); d++)
    if (red[d] && x.shape[d] == 0)
      fail(op, "expected reduction dim " + std::to_string(d) + " to have non-zero size, got shape " + dims_str(x.shape));
  if (std::all_of(red.begin(), red.end(), [](bool r) { return r; }))
    fail(op, "cannot reduce an empty tensor of shape " + dims_str(x.shape) + " without an identity");
}

// The input walked in memory order: dims by decreasing stride (broadcast dims outermost),
// size-1 dims dropped, neighbours coalesced. xs: input strides; os: accumulator strides
// (0 on reduced dims), both in elements.
struct Plan {
  Dims shape, xs, os;
  int64_t out_numel = 1, count = 1;  // accumulators, and elements folded into each
};

Plan make_plan(const TensorImpl& x, const Mask& red) {
  Plan p;
  const int64_t nd = x.ndim();
  Dims os(nd);
  for (int64_t d = nd - 1; d >= 0; d--) {
    os[d] = red[d] ? 0 : p.out_numel;
    (red[d] ? p.count : p.out_numel) *= x.shape[d];
  }
  std::vector<int64_t> order;
  for (int64_t d = 0; d < nd; d++)
    if (x.shape[d] != 1) order.push_back(d);
  auto key = [&](int64_t d) { return x.strides[d] == 0 ? INT64_MAX : x.strides[d]; };
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return key(a) > key(b); });
  for (int64_t d : order) {
    const int64_t n = x.shape[d];
    if (!p.shape.empty() && p.xs.back() == x.strides[d] * n && p.os.back() == os[d] * n) {
      p.shape.back() *= n;
      p.xs.back() = x.strides[d];
      p.os.back() = os[d];
    } else {
      p.shape.push_back(n);
      p.xs.push_back(x.strides[d]);
      p.os.push_back(os[d]);
    }
  }
  if (p.shape.empty()) p.shape = {1}, p.xs = {0}, p.os = {0};
  return p;
}

template <typename A> using Buf = std::unique_ptr<A[]>;
template <typename A> Buf<A> filled(int64_t n, const A& v) {
  Buf<A> b(new A[std::max<int64_t>(n, 1)]);
  std::fill(b.get(), b.get() + n, v);
  return b;
}

// Folds x into one accumulator per output element (row-major over the kept dims).
template <typename Op>
Buf<typename Op::acc_t> reduce_acc(const Op& op, const TensorImpl& x, const Plan& p) {
  using T = typename Op::in_t;
  using A = typename Op::acc_t;
  Buf<A> acc = filled(p.out_numel, op.identity());
  const int64_t N = x.numel();
  if (N == 0) return acc;

  // Folds the part of x with plan dim k restricted to [b, e) (k < 0: all of it) into a.
  // The innermost plan dim is a row of C elements; the loop hands out runs of m rows.
  auto run = [&](int64_t k, int64_t b, int64_t e, A* a) {
    Dims shape = p.shape, os = p.os, xs = p.xs;
    const T* xp = x.data<T>();
    if (k >= 0) { shape[k] = e - b; xp += b * xs[k]; a += b * os[k]; }
    const int64_t C = shape.back(), ca = os.back(), cx = xs.back();
    shape.pop_back(), os.pop_back(), xs.pop_back();
    StridedLoop<2> L(shape, {&os, &xs}, {reinterpret_cast<char*>(a), (char*)xp}, {sizeof(A), sizeof(T)});
    const int64_t ra = L.inner_stride(0) / (int64_t)sizeof(A), rx = L.inner_stride(1) / (int64_t)sizeof(T);
    L.run(0, L.numel, [&](const std::array<char*, 2>& q, int64_t m) {
      A* o = reinterpret_cast<A*>(q[0]);
      const T* v = reinterpret_cast<const T*>(q[1]);
      for (int64_t r = 0; r < m; r++, o += ra, v += rx) {
        if (ca == 0) {  // the row folds into one accumulator
          if (cx == 1) {
            *o = op.combine(*o, op.run(v, C));
          } else {
            A t = *o;
            for (int64_t i = 0; i < C; i++) t = op.step(t, v[i * cx]);
            *o = t;
          }
        } else if (ca == 1 && cx == 1 && ra == 0 && r + 4 <= m) {
          // rows folding into one accumulator row: four per pass halve the accumulator traffic
          for (int64_t i = 0; i < C; i++) o[i] = op.step(op.step(op.step(op.step(o[i], v[i]), v[i + rx]), v[i + 2 * rx]), v[i + 3 * rx]);
          r += 3, v += 3 * rx;
        } else if (ca == 1 && cx == 1) {
          for (int64_t i = 0; i < C; i++) o[i] = op.step(o[i], v[i]);
        } else {
          for (int64_t i = 0; i < C; i++) o[i * ca] = op.step(o[i * ca], v[i * cx]);
        }
      }
    });
  };

  // Split the largest kept dim across threads when there is enough of it (threads own
  // disjoint accumulators); otherwise split the largest reduced dim, each thread into
  // its own partials, combined in order.
  const int nt = num_threads().load(std::memory_order_relaxed);
  int64_t kd = -1, rd = -1;
  for (int64_t d = 0; d < (int64_t)p.shape.size(); d++) {
    int64_t& best = p.os[d] ? kd : rd;
    if (best < 0 || p.shape[d] > p.shape[best]) best = d;
  }
  auto grain = [&](int64_t d) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, N / p.shape[d])); };
  if (N < 2 * kGrain || nt <= 1 || (kd < 0 && rd < 0)) {
    run(-1, 0, 0, acc.get());
  } else if (kd >= 0 && (rd < 0 || p.shape[kd] >= 4 * nt || p.out_numel > (1 << 16))) {
    parallel_for(0, p.shape[kd], grain(kd), [&](int64_t b, int64_t e) { run(kd, b, e, acc.get()); });
  } else {
    std::mutex mu;
    std::vector<std::pair<int64_t, Buf<A>>> parts;
    parallel_for(0, p.shape[rd], grain(rd), [&](int64_t b, int64_t e) {
      Buf<A> part = filled(p.out_numel, op.identity());
      run(rd, b, e, part.get());
      std::lock_guard<std::mutex> lock(mu);
      parts.emplace_back(b, std::move(part));
    });
    std::sort(parts.begin(), parts.end(), [](const auto& u, const auto& v) { return u.first < v.first; });
    for (auto& part : parts)
      for (int64_t i = 0; i < p.out_numel; i++) acc[i] = op.combine(acc[i], part.second[i]);
  }
  return acc;
}

template <typename Op>
TensorPtr reduce_with(const char* name, const Op& op, const TensorImpl& x, const Mask& red, bool keepdim) {
  using O = typename Op::out_t;
  Plan p = make_plan(x, red);
  auto acc = reduce_acc(op, x, p);
  auto y = empty(reduced_shape(x, red, keepdim), dtype_of<O>::value, x.device(), name);
  O* out = y->template data<O>();
  parallel_for(0, p.out_numel, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) out[i] = op.finish(acc[i], p.count);
  });
  return y;
}

template <typename T, bool is_max>
std::pair<TensorPtr, TensorPtr> arg_reduce(const char* name, const TensorImpl& x, const Mask& red, bool keepdim) {
  Plan p = make_plan(x, red);
  auto acc = reduce_acc(Arg<T, is_max>(), x, p);
  Dims shape = reduced_shape(x, red, keepdim);
  auto v = empty(shape, x.dtype, x.device(), name), ix = empty(shape, DType::int64, x.device(), name);
  T* vp = v->template data<T>();
  int64_t* ip = ix->template data<int64_t>();
  for (int64_t i = 0; i < p.out_numel; i++) { vp[i] = acc[i].v; ip[i] = acc[i].i; }
  return {v, ix};
}

std::pair<TensorPtr, TensorPtr> arg_dispatch(bool is_max, const char* name, const TensorImpl& x, const Mask& red, bool keepdim) {
  check_nonempty(name, x, red);
  MYELIN_DISPATCH_ALL(x.dtype, name, {
    return is_max ? arg_reduce<scalar_t, true>(name, x, red, keepdim) : arg_reduce<scalar_t, false>(name, x, red, keepdim);
  });
  fail(name, "unreachable");
}

// ---- along one dim: f(in, out, L) on every line of x along dim, as contiguous arrays.
// Strided lines are gathered into / scattered from per-thread buffers, a block of
// neighbouring lines at a time, so a dim-0 walk still reads whole cache lines.
template <typename Tin, typename Tout, typename F>
void for_each_line(const TensorImpl& x, int64_t dim, TensorImpl& y, const F& f) {
  const bool scalar = x.ndim() == 0;
  const int64_t L = scalar ? 1 : x.shape[dim];
  const int64_t xs = scalar ? 1 : x.strides[dim], ys = scalar ? 1 : y.strides[dim];
  Dims shape = x.shape, sx = x.strides, sy = y.strides;
  if (!scalar) {
    shape.erase(shape.begin() + dim);
    sx.erase(sx.begin() + dim);
    sy.erase(sy.begin() + dim);
  }
  if (x.numel() == 0) return;
  StridedLoop<2> loop(shape, {&sy, &sx}, {y.bytes(), x.bytes()}, {sizeof(Tout), sizeof(Tin)});
  const int64_t so = loop.inner_stride(0) / (int64_t)sizeof(Tout), si = loop.inner_stride(1) / (int64_t)sizeof(Tin);
  const int64_t B = std::max<int64_t>(1, std::min<int64_t>(64 / sizeof(Tin), (1 << 16) / L));  // lines per block
  parallel_for(0, loop.numel, std::max<int64_t>(1, kGrain / L), [&](int64_t b, int64_t e) {
    Buf<Tin> bin(new Tin[xs == 1 ? 0 : B * L]);  // not std::vector: Tin may be bool
    Buf<Tout> bout(new Tout[ys == 1 ? 0 : B * L]);
    loop.run(b, e, [&](const std::array<char*, 2>& q, int64_t n) {
      for (int64_t i0 = 0; i0 < n; i0 += B) {
        const int64_t nb = std::min(B, n - i0);
        Tout* out = reinterpret_cast<Tout*>(q[0]) + i0 * so;
        const Tin* in = reinterpret_cast<const Tin*>(q[1]) + i0 * si;
        if (xs != 1)
          for (int64_t k = 0; k < L; k++)
            for (int64_t j = 0; j < nb; j++) bin[j * L + k] = in[j * si + k * xs];
        for (int64_t j = 0; j < nb; j++)
          f(xs == 1 ? in + j * si : &bin[j * L], ys == 1 ? out + j * so : &bout[j * L], L);
        if (ys != 1)
          for (int64_t k = 0; k < L; k++)
            for (int64_t j = 0; j < nb; j++) out[j * so + k * ys] = bout[j * L + k];
      }
    });
  });
}

// A float32 row's max for softmax, in explicit vectors: the NaN-aware select of Extreme was
// a third of softmax's time. NaNs may be skipped here: exp(NaN - m) makes the row NaN anyway.
inline float softmax_max_f32(const float* x, int64_t n) {
  typedef float f8 __attribute__((vector_size(32)));
  float m = -INFINITY;
  int64_t i = 0;
  if (n >= 32) {
    f8 a[4];
    for (int k = 0; k < 4; k++) a[k] = f8{} - INFINITY;
    for (; i + 32 <= n; i += 32)
      for (int k = 0; k < 4; k++) {
        f8 v;
        std::memcpy(&v, x + i + 8 * k, sizeof v);
        a[k] = v > a[k] ? v : a[k];
      }
    a[0] = a[0] > a[1] ? a[0] : a[1];
    a[2] = a[2] > a[3] ? a[2] : a[3];
    a[0] = a[0] > a[2] ? a[0] : a[2];
    for (int k = 0; k < 8; k++) m = std::max(m, a[0][k]);
  }
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  return m;
}

// exp on 8 float lanes for softmax's arguments x - max <= 0: Cephes' expf (n = round(x /
// ln 2), r = x - n ln 2 in two parts, a degree-5 polynomial, times 2^n; about 1 ulp), 0 below
// -87.3 (exp(-inf) is exactly 0; denormal results flush to 0), NaN stays NaN. Inline, so the
// fused exp + sum below runs one pass with no call per vector (libmvec's expf is a call).
typedef float softmax_f8 __attribute__((vector_size(32)));
typedef int softmax_i8 __attribute__((vector_size(32)));
inline softmax_f8 softmax_exp8(softmax_f8 x) {
  const softmax_f8 zero = {}, lo = zero - 87.3f, hi = zero + 88.3f, magic = zero + 12582912.f;  // 1.5 * 2^23 rounds to an integer
  softmax_f8 xc = x < lo ? lo : x;
  xc = xc > hi ? hi : xc;
  const softmax_f8 n = (xc * 1.44269504088896341f + magic) - magic;
  const softmax_f8 r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
  softmax_f8 p = zero + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.f;
  const softmax_i8 e = (__builtin_convertvector(n, softmax_i8) + 127) << 23;
  softmax_f8 y = p * (softmax_f8)e;
  return x < lo ? zero : y;
}

// A float32 row's exp(x - m) (stored in y unless y is null) and their sum, in one pass.
inline double softmax_exp_sum_f32(const float* x, float* y, int64_t n, float m) {
  double s = 0;
  int64_t i = 0;
  while (i + 32 <= n) {  // float lanes, moved to double every 1024 elements
    softmax_f8 a[4] = {};
    for (const int64_t end = std::min(n - n % 32, i + 1024); i < end; i += 32)
      for (int k = 0; k < 4; k++) {
        softmax_f8 v;
        std::memcpy(&v, x + i + 8 * k, sizeof v);
        v = softmax_exp8(v - m);
        if (y) std::memcpy(y + i + 8 * k, &v, sizeof v);
        a[k] += v;
      }
    const softmax_f8 t = (a[0] + a[1]) + (a[2] + a[3]);
    for (int k = 0; k < 8; k++) s += t[k];
  }
  for (; i < n; i++) {
    const float e = std::exp(x[i] - m);
    if (y) y[i] = e;
    s += e;
  }
  return s;
}

// y[k] = e[k] * r with non-temporal stores: the output goes to memory without first being
// read into the cache (a third less memory traffic for a softmax whose output exceeds the
// caches anyway). Aligned vector stores from the first 32-byte boundary of y on.
inline void scale_stream_f32(const float* e, float* y, int64_t n, float r) {
  int64_t k = 0;
#if defined(__AVX__)
  for (; k < n && (reinterpret_cast<uintptr_t>(y + k) & 31); k++) y[k] = e[k] * r;
  const __m256 rv = _mm256_set1_ps(r);
  for (; k + 8 <= n; k += 8) _mm256_stream_ps(y + k, _mm256_mul_ps(_mm256_loadu_ps(e + k), rv));
  _mm_sfence();  // the streamed stores are weakly ordered: complete them before the row counts as done
#endif
  for (; k < n; k++) y[k] = e[k] * r;
}

// One stable (log_)softmax row: the exp loop is plain so it vectorizes through libmvec.
// stream: the output is large, write it around the cache (float32 softmax only).
template <typename T>
void softmax_row(const T* __restrict x, T* __restrict y, int64_t n, bool log, bool stream) {
  T m;  // all -inf (or a NaN) gives NaN, as torch
  if constexpr (std::is_same_v<T, float>) {  // three passes: max, exp + sum, scale (or shift)
    m = softmax_max_f32(x, n);
    if (log) {
      const float c = m + float(std::log(softmax_exp_sum_f32(x, nullptr, n, m)));
      for (int64_t k = 0; k < n; k++) y[k] = x[k] - c;
    } else if (stream) {  // exp into a cached scratch row, then scaled into y
      thread_local std::vector<float> row;
      if ((int64_t)row.size() < n) row.resize(n);
      const double s = softmax_exp_sum_f32(x, row.data(), n, m);
      scale_stream_f32(row.data(), y, n, float(1 / s));
    } else {
      const float r = float(1 / softmax_exp_sum_f32(x, y, n, m));
      for (int64_t k = 0; k < n; k++) y[k] *= r;
    }
    return;
  }
  m = Extreme<T, true>().run(x, n);
  for (int64_t k = 0; k < n; k++) y[k] = std::exp(x[k] - m);
  const double s = Sum<T>().run(y, n);
  if (log) {
    const T c = m + T(std::log(s));
    for (int64_t k = 0; k < n; k++) y[k] = x[k] - c;
  } else {
    const T r = T(1 / s);
    for (int64_t k = 0; k < n; k++) y[k] *= r;
  }
}

}  // namespace

TensorPtr reduce(const char* op, ReduceOp kind, const TensorImpl& x, const Dims& dims, bool keepdim) {
  check_alive(op, x);
  if (is_reduced_float(x.dtype)) return via_float32(x, [&](const TensorImpl& xf) { return reduce(op, kind, xf, dims, keepdim); });
  Mask red = reduce_mask(op, x, dims);
  auto go = [&](const auto& f) { return reduce_with(op, f, x, red, keepdim); };
  if (kind == ReduceOp::logsumexp && !is_float(x.dtype)) {  // torch computes integer logsumexp in float32
    auto xf = to_dtype(x, DType::float32);
    return reduce(op, kind, *xf, dims, keepdim);
  }
  switch (kind) {
    case ReduceOp::sum: MYELIN_DISPATCH_ALL(x.dtype, op, return go(Sum<scalar_t>())); break;
    case ReduceOp::prod: MYELIN_DISPATCH_ALL(x.dtype, op, return go(Prod<scalar_t>())); break;
    case ReduceOp::mean: MYELIN_DISPATCH_FLOAT(x.dtype, op, return go(Mean<scalar_t>())); break;
    case ReduceOp::all: MYELIN_DISPATCH_ALL(x.dtype, op, return go(Logical<scalar_t, true>())); break;
    case ReduceOp::any: MYELIN_DISPATCH_ALL(x.dtype, op, return go(Logical<scalar_t, false>())); break;
    case ReduceOp::logsumexp: MYELIN_DISPATCH_FLOAT(x.dtype, op, return go(LogSumExp<scalar_t>())); break;
    case ReduceOp::norm1: MYELIN_DISPATCH_FLOAT(x.dtype, op, return go(Sum<scalar_t, AbsF>())); break;
    case ReduceOp::norm2: MYELIN_DISPATCH_FLOAT(x.dtype, op, return go(Norm2<scalar_t>())); break;
    case ReduceOp::amax: check_nonempty(op, x, red); MYELIN_DISPATCH_ALL(x.dtype, op, return go(Extreme<scalar_t, true>())); break;
    case ReduceOp::amin: check_nonempty(op, x, red); MYELIN_DISPATCH_ALL(x.dtype, op, return go(Extreme<scalar_t, false>())); break;
    case ReduceOp::norminf:
      MYELIN_DISPATCH_FLOAT(x.dtype, op, check_nonempty(op, x, red); return go(Extreme<scalar_t, true, AbsF>())); break;
  }
  fail(op, "unknown reduction");
}

TensorPtr var(const char* op, const TensorImpl& x, const Dims& dims, double correction, bool keepdim, bool take_sqrt) {
  check_alive(op, x);
  if (is_reduced_float(x.dtype))
    return via_float32(x, [&](const TensorImpl& xf) { return var(op, xf, dims, correction, keepdim, take_sqrt); });
  Mask red = reduce_mask(op, x, dims);
  MYELIN_DISPATCH_FLOAT(x.dtype, op, return reduce_with(op, Var<scalar_t>{correction, take_sqrt}, x, red, keepdim));
  fail(op, "unreachable");
}

std::pair<TensorPtr, TensorPtr> max_min_dim(bool is_max, const TensorImpl& x, int64_t dim, bool keepdim) {
  const char* op = is_max ? "max" : "min";
  check_alive(op, x);
  if (is_reduced_float(x.dtype)) return via_float32(x, [&](const TensorImpl& xf) { return max_min_dim(is_max, xf, dim, keepdim); });
  return arg_dispatch(is_max, op, x, reduce_mask(op, x, {dim}), keepdim);
}

TensorPtr arg_max_min(bool is_max, const TensorImpl& x, int64_t dim, bool has_dim, bool keepdim) {
  const char* op = is_max ? "argmax" : "argmin";
  check_alive(op, x);
  if (is_reduced_float(x.dtype)) return via_float32(x, [&](const TensorImpl& xf) { return arg_max_min(is_max, xf, dim, has_dim, keepdim); });
  if (has_dim) return arg_dispatch(is_max, op, x, reduce_mask(op, x, {dim}), keepdim).second;
  // Over the flattened tensor: indices are positions in row-major order, so walk a
  // contiguous copy as 1-d.
  if (x.numel() == 0) fail(op, "cannot take the " + std::string(op) + " of an empty tensor of shape " + dims_str(x.shape) + " without a dim");
  TensorPtr c = x.is_contiguous() ? nullptr : contiguous(x);
  const TensorImpl& src = c ? *c : x;
  auto flat = make_view(src, {src.numel()}, {1}, src.offset);
  auto r = arg_dispatch(is_max, op, *flat, Mask{true}, false).second;
  if (!keepdim) return r;
  return make_view(*r, Dims(x.ndim(), 1), Dims(x.ndim(), 1), 0);
}

TensorPtr cumsum(const TensorImpl& x, int64_t dim) {
  const char* op = "cumsum";
  check_alive(op, x);
  if (is_reduced_float(x.dtype)) return via_float32(x, [&](const TensorImpl& xf) { return cumsum(xf, dim); });
  const int64_t d = wrap(op, dim, x);
  auto y = empty(x.shape, is_float(x.dtype) ? x.dtype : DType::int64, x.device(), op);
  MYELIN_DISPATCH_ALL(x.dtype, op, {
    using O = sum_out_t<scalar_t>;
    for_each_line<scalar_t, O>(x, d, *y, [](const scalar_t* in, O* out, int64_t n) {
      wide_t<scalar_t> a = 0;  // double for float32, as torch's CPU kernel
      for (int64_t k = 0; k < n; k++) out[k] = O(a += in[k]);
    });
  });
  return y;
}

TensorPtr softmax(const TensorImpl& x, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_alive(op, x);
  if (is_reduced_float(x.dtype)) return via_float32(x, [&](const TensorImpl& xf) { return softmax(xf, dim, log); });
  const int64_t d = wrap(op, dim, x);
  MYELIN_DISPATCH_FLOAT(x.dtype, op, {
    auto y = empty(x.shape, x.dtype, x.device(), op);
    // Streaming stores only where out is y itself (a contiguous last dim) and y is past a
    // core's share of a server's last-level cache (2-4 MB a core): the next op could not find
    // it cached anyway. glibc's memcpy streams from 3/4 of that share on.
    const bool stream = !log && d == x.ndim() - 1 && y->numel() * (int64_t)sizeof(scalar_t) >= (8 << 20);
    for_each_line<scalar_t, scalar_t>(x, d, *y, [log, stream](const scalar_t* in, scalar_t* out, int64_t n) { softmax_row(in, out, n, log, stream); });
    return y;
  });
  fail(op, "unreachable");
}

}  // namespace myelin
