// Scalar math for elementwise ops, written once for the CPU and CUDA kernel families.
// Each functor is built from the op's double parameters (most ignore them).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include "vec_math.h"

#ifdef __CUDACC__
#define MYELIN_HD __host__ __device__ __forceinline__
#else
#define MYELIN_HD inline
#endif

namespace myelin::ops {

template <typename T> MYELIN_HD T sigmoid_of(T x) { return T(1) / (T(1) + std::exp(-x)); }

// c ? a : b with both arms computed and no branch: GCC vectorizes a loop over this, where a
// branch whose arm computes a float op stays scalar (the op may trap, so GCC will not hoist
// it); the arms' expm1/exp/log1p then vectorize through libmvec (vec_math.h).
template <typename T> MYELIN_HD T pick(bool c, T a, T b) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    U ua, ub;
    std::memcpy(&ua, &a, sizeof a);
    std::memcpy(&ub, &b, sizeof b);
    const U m = U(0) - U(c), r = (ua & m) | (ub & ~m);
    T out;
    std::memcpy(&out, &r, sizeof out);
    return out;
  } else {
    return c ? a : b;
  }
}

#define MYELIN_UFUNC(Name, expr)                          \
  struct Name {                                           \
    explicit Name(const double* = nullptr) {}             \
    template <typename T> MYELIN_HD T operator()(T x) const { return expr; } \
  };

MYELIN_UFUNC(Neg, -x)
MYELIN_UFUNC(Abs, x < T(0) ? -x : x)
MYELIN_UFUNC(Sign, T((T(0) < x) - (x < T(0))))
MYELIN_UFUNC(Exp, std::exp(x))
MYELIN_UFUNC(Log, std::log(x))
MYELIN_UFUNC(Log1p, std::log1p(x))
MYELIN_UFUNC(Expm1, std::expm1(x))
MYELIN_UFUNC(Sqrt, std::sqrt(x))
MYELIN_UFUNC(Rsqrt, T(1) / std::sqrt(x))
MYELIN_UFUNC(Square, x * x)
MYELIN_UFUNC(Sin, std::sin(x))
MYELIN_UFUNC(Cos, std::cos(x))
MYELIN_UFUNC(Tanh, std::tanh(x))
MYELIN_UFUNC(Erf, std::erf(x))
MYELIN_UFUNC(Sigmoid, sigmoid_of(x))
MYELIN_UFUNC(Relu, x < T(0) ? T(0) : x)  // NaN stays NaN, as torch
MYELIN_UFUNC(Silu, x * sigmoid_of(x))
MYELIN_UFUNC(Selu, T(1.0507009873554804934193349852946) *
                       pick(x > T(0), x, T(1.6732632423543772848170429916717) * std::expm1(x)))
MYELIN_UFUNC(Gelu, T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440))))
MYELIN_UFUNC(GeluTanh, T(0.5) * x * (T(1) + std::tanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x))))
MYELIN_UFUNC(Floor, std::floor(x))
MYELIN_UFUNC(Ceil, std::ceil(x))
MYELIN_UFUNC(Round, std::nearbyint(x))  // half to even, as torch.round
MYELIN_UFUNC(Reciprocal, T(1) / x)
#undef MYELIN_UFUNC

// Predicates: any input type, bool output.
struct Isnan {
  explicit Isnan(const double* = nullptr) {}
  template <typename T> MYELIN_HD bool operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return x != x; else return false;
  }
};
struct Isfinite {
  explicit Isfinite(const double* = nullptr) {}
  template <typename T> MYELIN_HD bool operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::isfinite(x); else return true;
  }
};
struct LogicalNot {
  explicit LogicalNot(const double* = nullptr) {}
  template <typename T> MYELIN_HD bool operator()(T x) const { return !x; }
};

// Parameterized unary ops.
struct LeakyRelu {
  double slope;
  // For a slope in (0, 1], max(x, slope * x) is x > 0 ? x : slope * x to the bit (NaN, -0,
  // underflow and infinities included), and GCC vectorizes it. It leaves the branch form
  // scalar: the multiply would have to be hoisted out of the branch, and it may trap. GCC
  // lifts the test of `unit` out of the loop.
  bool unit;
  explicit LeakyRelu(const double* p) : slope(p[0]), unit(p[0] >= 1e-30 && p[0] <= 1) {}
  template <typename T> MYELIN_HD T operator()(T x) const {
    if (unit) {
      const T s = T(slope) * x;
      return x < s ? s : x;
    }
    return x > T(0) ? x : T(slope) * x;
  }
};
struct Elu {
  double alpha;
  explicit Elu(const double* p) : alpha(p[0]) {}
  template <typename T> MYELIN_HD T operator()(T x) const { return pick(x > T(0), x, T(alpha) * std::expm1(x)); }
};
struct Softplus {  // torch: x*beta > threshold gives x (linear region)
  double beta, threshold;
  explicit Softplus(const double* p) : beta(p[0]), threshold(p[1]) {}
  template <typename T> MYELIN_HD T operator()(T x) const {
    const T bx = x * T(beta);
    return pick(bx > T(threshold), x, std::log1p(std::exp(bx)) / T(beta));
  }
};
// Float selects below are written as selects between values already computed, with the
// comparisons made unconditionally: GCC vectorizes those, but not a branch whose arm computes
// or compares (it may not hoist a float operation that can trap), which kept clamp and
// maximum/minimum scalar (4-6x torch's time on 800k floats).
struct Clamp {  // NaN bounds mean "no bound"; NaN input stays NaN (torch)
  double lo, hi;
  explicit Clamp(const double* p) : lo(p[0]), hi(p[1]) {}
  template <typename T> MYELIN_HD T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      // a comparison with a NaN bound, or of a NaN x, is false: x passes through
      const T a = x < T(lo) ? T(lo) : x;
      return a > T(hi) ? T(hi) : a;
    } else {
      if (lo == lo && x < T(lo)) x = T(lo);
      if (hi == hi && x > T(hi)) x = T(hi);
      return x;
    }
  }
};

// Binary arithmetic (same type in and out).
struct Add { template <typename T> MYELIN_HD T operator()(T a, T b) const { return a + b; } };
struct Sub { template <typename T> MYELIN_HD T operator()(T a, T b) const { return a - b; } };
struct Mul { template <typename T> MYELIN_HD T operator()(T a, T b) const { return a * b; } };
struct Div {
  template <typename T> MYELIN_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {  // floor division, as torch's div(rounding_mode='floor')
      if (b == T(0)) return T(0);
      T q = a / b;
      return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
    } else {
      return a / b;
    }
  }
};
struct Pow {
  template <typename T> MYELIN_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      if (b < 0) return a == 1 ? T(1) : (a == -1 ? ((b & 1) ? T(-1) : T(1)) : T(0));
      T r = 1;
      while (b) { if (b & 1) r *= a; a *= a; b >>= 1; }
      return r;
    } else {
      return std::pow(a, b);
    }
  }
};
struct Maximum {  // NaN in either gives NaN (a NaN b falls through the comparison)
  template <typename T> MYELIN_HD T operator()(T a, T b) const {
    const T m = a > b ? a : b;
    if constexpr (std::is_floating_point_v<T>) return a != a ? a : m;
    return m;
  }
};
// silu's backward: grad_output * s * (1 + x (1 - s)), s = sigmoid(x) (kind D: ints arrive as float32)
struct SiluBackward {
  template <typename T> MYELIN_HD T operator()(T g, T x) const {
    if constexpr (std::is_integral_v<T>) {
      return T(0);  // never instantiated for a call: the D kind promotes integer inputs to float32
    } else {
      const T s = sigmoid_of(x);
      return g * s * (T(1) + x * (T(1) - s));
    }
  }
};
struct Minimum {
  template <typename T> MYELIN_HD T operator()(T a, T b) const {
    const T m = a < b ? a : b;
    if constexpr (std::is_floating_point_v<T>) return a != a ? a : m;
    return m;
  }
};

// Comparisons and logic: bool out.
struct Eq { template <typename T> MYELIN_HD bool operator()(T a, T b) const { return a == b; } };
struct Ne { template <typename T> MYELIN_HD bool operator()(T a, T b) const { return a != b; } };
struct Lt { template <typename T> MYELIN_HD bool operator()(T a, T b) const { return a < b; } };
struct Le { template <typename T> MYELIN_HD bool operator()(T a, T b) const { return a <= b; } };
struct Gt { template <typename T> MYELIN_HD bool operator()(T a, T b) const { return a > b; } };
struct Ge { template <typename T> MYELIN_HD bool operator()(T a, T b) const { return a >= b; } };
struct LogicalAnd { template <typename T> MYELIN_HD bool operator()(T a, T b) const { return bool(a) && bool(b); } };
struct LogicalOr { template <typename T> MYELIN_HD bool operator()(T a, T b) const { return bool(a) || bool(b); } };

}  // namespace myelin::ops
