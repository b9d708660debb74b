// Creation (full, arange, linspace, eye) and random fills from the process generator.
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <type_traits>
#include "../core/iter.h"
#include "../core/ops.h"
#include "../core/parallel.h"
#include "../core/philox.h"
#include "../core/vec_math.h"

namespace myelin {

namespace {
struct Generator {
  std::atomic<uint64_t> seed{67280421310721ull};
  std::atomic<uint64_t> offset{0};
};
// One generator per JS thread: worker_threads seed and draw independently, as separate
// realms should (pool threads never draw; the caller reserves counters for them).
Generator& gen() {
  thread_local Generator g;
  return g;
}
// Reserves n counters; returns the first.
uint64_t take(uint64_t n) { return gen().offset.fetch_add(n); }

// Writes f(i) into every element of a contiguous-or-not tensor, in logical order.
template <typename T, typename F>
void fill_indexed(TensorImpl& t, const F& f) {
  Dims st = t.strides;
  StridedLoop<1> L(t.shape, {&st}, {t.bytes()}, {sizeof(T)});
  // logical index of the run start: recompute from the pointer only for contiguous
  // tensors; others go through a contiguous temporary (below)
  L.parallel_run(4096, [&](const std::array<char*, 1>& p, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    int64_t i0 = o - t.data<T>();
    for (int64_t i = 0; i < n; i++) o[i] = f(i0 + i);
  });
}

template <typename F>
void fill_random(const char* op, TensorImpl& t, const F& per_element) {
  check_alive(op, t);
  if (is_reduced_float(t.dtype)) {  // drawn in float32, then rounded (as torch's CPU half/bfloat16 fills)
    auto tmp = empty(t.shape, DType::float32, Device::cpu, op);
    fill_random(op, *tmp, per_element);
    copy_(t, *tmp);
    return;
  }
  if (!t.is_contiguous()) {
    auto tmp = contiguous(t);
    fill_random(op, *tmp, per_element);
    copy_(t, *tmp);
    return;
  }
  uint64_t seed = gen().seed, base = take((uint64_t)t.numel());
  MYELIN_DISPATCH_ALL(t.dtype, op, fill_indexed<scalar_t>(t, [&](int64_t i) {
    return static_cast<scalar_t>(per_element(philox(seed, base + (uint64_t)i)));
  }));
}

// Normal fills: Box-Muller on tiles of TILE Philox blocks, written as loops over the tile's
// lanes so GCC vectorizes the Philox rounds (32x32->64 multiplies) and libmvec's log/sin/cos
// (core/vec_math.h). Block j of tile k draws counter base + 4 * (k * TILE + j): a pure function
// of the element's index, so the values do not depend on the thread count. float32 makes two
// (u1, u2) pairs of 24-bit uniforms per block (as torch's float normal_), so four normals;
// float64 one pair of 53-bit uniforms, so two. Each pair gives R cos(theta) and R sin(theta).
// Element q * TILE + j of a tile is output q of block j, so every store is contiguous.
constexpr int64_t TILE = 64;
template <typename T> constexpr int64_t per_block() { return std::is_same<T, float>::value ? 4 : 2; }

// The four 32-bit words of Philox blocks counter + 4j, j < TILE, lane-major (vectorized).
void philox_tile(uint64_t seed, uint64_t counter, uint32_t (&w)[4][TILE]) {
#pragma omp simd
  for (int j = 0; j < TILE; j++) {
    Philox4 r = philox(seed, counter + 4 * (uint64_t)j);
    w[0][j] = r.v[0], w[1][j] = r.v[1], w[2][j] = r.v[2], w[3][j] = r.v[3];
  }
}

template <typename T>
void normal_tile(uint64_t seed, uint64_t counter, T mean, T std, T* out) {
  uint32_t w[4][TILE];
  philox_tile(seed, counter, w);
  for (int p = 0; p < per_block<T>() / 2; p++) {
    T* oc = out + (2 * p) * TILE;
    T* os = out + (2 * p + 1) * TILE;
#pragma omp simd
    for (int j = 0; j < TILE; j++) {
      T u1, u2;  // u1 in (0, 1], so the log stays finite; u2 in [0, 1)
      if constexpr (std::is_same<T, float>::value) {
        u1 = (float)((w[2 * p][j] >> 8) + 1) * (1.0f / 16777216.0f);
        u2 = (float)(w[2 * p + 1][j] >> 8) * (1.0f / 16777216.0f);
      } else {
        u1 = (double)((((uint64_t)w[0][j] << 21) ^ (w[1][j] >> 11)) + 1) * (1.0 / 9007199254740992.0);
        u2 = (double)(((uint64_t)w[2][j] << 21) ^ (w[3][j] >> 11)) * (1.0 / 9007199254740992.0);
      }
      T radius = std * std::sqrt((T)-2 * std::log(u1)), theta = (T)6.283185307179586 * u2;
      oc[j] = mean + radius * std::cos(theta);
      // NOTE: sin(theta) as cos(theta - pi/2): GCC fuses a sin and cos of one argument into
      // sincos, which has no vector variant, and the whole loop then stays scalar (5x slower)
      os[j] = mean + radius * std::cos(theta - (T)1.5707963267948966);
    }
  }
}

// Uniform float32 fills use all four words of a block, 24 bits each (as torch's float uniform_).
void uniform_tile_f32(uint64_t seed, uint64_t counter, float lo, float scale, float* out) {
  uint32_t w[4][TILE];
  philox_tile(seed, counter, w);
  for (int q = 0; q < 4; q++)
#pragma omp simd
    for (int j = 0; j < TILE; j++) out[q * TILE + j] = lo + (float)(w[q][j] >> 8) * scale;
}

// Fills a tensor of T tile by tile in parallel: tile k (per_tile elements) is
// tile(seed, base + k * 4 * TILE, out), a function of k alone, whichever thread runs it.
template <typename T, typename Tile>
void fill_tiles(const char* op, TensorImpl& t, int64_t per_tile, const Tile& tile) {
  check_alive(op, t);
  if (!t.is_contiguous()) {
    auto tmp = contiguous(t);
    fill_tiles<T>(op, *tmp, per_tile, tile);
    copy_(t, *tmp);
    return;
  }
  const int64_t n = t.numel(), tiles = (n + per_tile - 1) / per_tile;
  uint64_t seed = gen().seed, base = take((uint64_t)tiles * 4 * TILE);  // reserved whole, never reused
  T* p = t.data<T>();
  parallel_for(0, tiles, 16, [&](int64_t k0, int64_t k1) {
    alignas(64) T buf[4 * TILE];
    for (int64_t k = k0; k < k1; k++) {
      const int64_t at = k * per_tile, len = std::min<int64_t>(per_tile, n - at);
      const uint64_t counter = base + (uint64_t)k * 4 * TILE;
      if (len == per_tile) {
        tile(seed, counter, p + at);
      } else {  // the last, partial tile
        tile(seed, counter, buf);
        std::copy(buf, buf + len, p + at);
      }
    }
  });
}

template <typename T>
void fill_normal(TensorImpl& t, double mean, double std) {
  fill_tiles<T>("normal_", t, per_block<T>() * TILE,
                [&](uint64_t seed, uint64_t counter, T* out) { normal_tile<T>(seed, counter, (T)mean, (T)std, out); });
}
void fill_uniform_f32(TensorImpl& t, double lo, double hi) {
  const float scale = (float)(hi - lo) * (1.0f / 16777216.0f);
  fill_tiles<float>("uniform_", t, 4 * TILE,
                    [&](uint64_t seed, uint64_t counter, float* out) { uniform_tile_f32(seed, counter, (float)lo, scale, out); });
}
}  // namespace

void manual_seed(uint64_t seed) {
  gen().seed = seed;
  gen().offset = 0;
}
uint64_t initial_seed() { return gen().seed; }
RngState rng_state() { return {gen().seed.load(), gen().offset.load()}; }
void set_rng_state(const RngState& s) {
  gen().seed = s.seed;
  gen().offset = s.offset;
}

void check_fits(const char* op, double v, DType dt) {
  bool ok = true;
  const char* range = "";
  switch (dt) {  // the value itself must lie in range, as torch checks it (fractions then truncate)
    case DType::int32: ok = v >= -2147483648.0 && v <= 2147483647.0; range = "-2147483648 to 2147483647"; break;
    case DType::int64: ok = v >= -9223372036854775808.0 && v < 9223372036854775808.0; range = "-2^63 to 2^63 - 1"; break;
    case DType::float32: ok = !(std::fabs(v) > FLT_MAX) || std::isinf(v) || v != v; range = "up to 3.4028235e+38 in magnitude"; break;
    case DType::int8: ok = v >= -128.0 && v <= 127.0; range = "-128 to 127"; break;
    case DType::uint8: ok = v >= 0.0 && v <= 255.0; range = "0 to 255"; break;
    // float16/bfloat16: past their range a value rounds to inf, as torch.full gives
    default: break;
  }
  if (ok) return;
  char buf[40];
  for (int digits = 15; digits <= 17; digits++) {  // the shortest form that reads back as v
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  fail(op, std::string("value ") + buf + " cannot be converted to " + dtype_name(dt) + " without overflow (" + dtype_name(dt) +
               " holds " + range + (is_int(dt) ? ", and no NaN)" : ")"));
}

TensorPtr full(const Dims& shape, double v, DType dt) {
  check_fits("full", v, dt);
  auto t = empty(shape, dt, Device::cpu, "full");
  fill_(*t, v);
  return t;
}

TensorPtr arange(double start, double end, double step, DType dt) {
  const char* op = "arange";
  // float16/bfloat16 ranges are made in float32 and rounded (torch computes them in float)
  if (is_reduced_float(dt)) return to_dtype(*arange(start, end, step, DType::float32), dt);
  if (step == 0) fail(op, "step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step)) fail(op, "start, end and step must be finite");
  if ((step > 0 && end < start) || (step < 0 && end > start))
    fail(op, "upper bound and step sign are inconsistent (start " + std::to_string(start) + ", end " +
                 std::to_string(end) + ", step " + std::to_string(step) + ")");
  double n = std::ceil((end - start) / step);
  if (n > 9e15) fail(op, "too many elements");
  if (n > 0) { check_fits(op, start, dt); check_fits(op, start + (n - 1) * step, dt); }  // the values run monotonically between
  auto t = empty({(int64_t)n}, dt, Device::cpu, op);
  MYELIN_DISPATCH_NUMERIC(dt, op, fill_indexed<scalar_t>(*t, [&](int64_t i) { return static_cast<scalar_t>(start + i * step); }));
  return t;
}

TensorPtr linspace(double start, double end, int64_t steps, DType dt) {
  const char* op = "linspace";
  if (is_reduced_float(dt)) return to_dtype(*linspace(start, end, steps, DType::float32), dt);
  if (steps < 0) fail(op, "number of steps must be non-negative, got " + std::to_string(steps));
  if (steps > 0) check_fits(op, start, dt);
  if (steps > 1) check_fits(op, end, dt);
  auto t = empty({steps}, dt, Device::cpu, op);
  double step = steps > 1 ? (end - start) / (double)(steps - 1) : 0;
  int64_t half = steps / 2;
  // symmetric from both ends, as torch, so the last element is exactly `end`
  MYELIN_DISPATCH_NUMERIC(dt, op, fill_indexed<scalar_t>(*t, [&](int64_t i) {
    return static_cast<scalar_t>(steps == 1 ? start : i < half ? start + step * i : end - step * (steps - 1 - i));
  }));
  return t;
}

TensorPtr eye(int64_t n, int64_t m, DType dt) {
  if (is_reduced_float(dt)) return to_dtype(*eye(n, m, DType::float32), dt);
  if (n < 0 || m < 0) fail("eye", "sizes must be non-negative, got " + std::to_string(n) + ", " + std::to_string(m));
  auto t = full({n, m}, 0, dt);
  MYELIN_DISPATCH_ALL(dt, "eye", {
    scalar_t* p = t->data<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); i++) p[i * m + i] = scalar_t(1);
  });
  return t;
}

void uniform_(TensorImpl& t, double lo, double hi) {
  if (!is_float(t.dtype)) fail("uniform_", std::string("expected a floating-point tensor, got ") + dtype_name(t.dtype));
  if (!(lo <= hi)) fail("uniform_", "expected from <= to, got " + std::to_string(lo) + " > " + std::to_string(hi));
  check_writable("uniform_", t);
  if (t.dtype == DType::float32) return fill_uniform_f32(t, lo, hi);
  fill_random("uniform_", t, [&](const Philox4& r) { return lo + (hi - lo) * philox_uniform53(r); });
}

void normal_(TensorImpl& t, double mean, double std) {
  if (!is_float(t.dtype)) fail("normal_", std::string("expected a floating-point tensor, got ") + dtype_name(t.dtype));
  if (!(std >= 0)) fail("normal_", "std must be non-negative, got " + std::to_string(std));
  check_writable("normal_", t);
  if (t.dtype == DType::float32) return fill_normal<float>(t, mean, std);
  fill_normal<double>(t, mean, std);
}

TensorPtr randint(int64_t lo, int64_t hi, const Dims& shape, DType dt) {
  if (hi <= lo) fail("randint", "expected low < high, got " + std::to_string(lo) + " >= " + std::to_string(hi));
  if (dt == DType::bool_) fail("randint", "bool dtype not supported");
  if (dt == DType::int32 && (lo < INT32_MIN || hi - 1 > INT32_MAX))
    fail("randint", "low " + std::to_string(lo) + " and high " + std::to_string(hi) + " must lie in int32's range (high - 1 <= 2147483647, low >= -2147483648)");
  auto t = empty(shape, dt, Device::cpu, "randint");
  uint64_t range = (uint64_t)(hi - lo);
  fill_random("randint", *t, [&](const Philox4& r) {
    uint64_t u = ((uint64_t)r.v[0] << 32) | r.v[1];
    return (double)(lo + (int64_t)(u % range));
  });
  return t;
}

TensorPtr bernoulli(const TensorImpl& p) {
  check_alive("bernoulli", p);
  if (!is_float(p.dtype)) fail("bernoulli", std::string("expected floating-point probabilities, got ") + dtype_name(p.dtype));
  auto pc = to_dtype(p, DType::float64);
  const double* pp = pc->data<double>();
  for (int64_t i = 0, n = pc->numel(); i < n; i++)
    if (!(pp[i] >= 0 && pp[i] <= 1)) fail("bernoulli", "probabilities must be in [0, 1], got " + std::to_string(pp[i]));
  auto t = empty(p.shape, p.dtype, Device::cpu, "bernoulli");
  uint64_t seed = gen().seed, base = take((uint64_t)t->numel());
  MYELIN_DISPATCH_FLOAT(t->dtype, "bernoulli", fill_indexed<scalar_t>(*t, [&](int64_t i) {
    return static_cast<scalar_t>(philox_uniform53(philox(seed, base + (uint64_t)i)) < pp[i] ? 1 : 0);
  }));
  return t;
}

TensorPtr randperm(int64_t n, DType dt) {
  if (n < 0) fail("randperm", "n must be non-negative, got " + std::to_string(n));
  if (!is_int(dt) && !is_float(dt)) fail("randperm", "unsupported dtype");
  auto t = empty({n}, dt, Device::cpu, "randperm");  // checks n before the permutation's buffer is sized
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; i++) v[i] = i;
  uint64_t seed = gen().seed, base = take((uint64_t)n);
  for (int64_t i = n - 1; i > 0; i--) {
    Philox4 r = philox(seed, base + (uint64_t)i);
    uint64_t u = ((uint64_t)r.v[0] << 32) | r.v[1];
    std::swap(v[i], v[u % (uint64_t)(i + 1)]);
  }
  MYELIN_DISPATCH_NUMERIC(dt, "randperm", { scalar_t* p = t->data<scalar_t>(); for (int64_t i = 0; i < n; i++) p[i] = (scalar_t)v[i]; });
  return t;
}

// Inverted dropout whose mask is never stored. Elements go in tiles of 8 * TILE: element r of tile
// t is kept when 16-bit half h = (r / TILE) % 2 (low first) of 32-bit word q = r / (2 TILE) of Philox
// block (seed, offset + t TILE + r % TILE) is >= round(p * 2^16), and kept elements are scaled by
// 1 / (1 - p) (dropped ones are x * 0, so NaN and inf stay NaN, as torch). Lane-major like the normal fills: element (2q + h) TILE + j is word q, half h of block
// j, so the loops below read x and write out contiguously with no mask buffer. Eight elements per
// block halve the draw (16 bits resolve p to 2^-16: a keep rate within 7.7e-6 of 1 - p). The mask
// is a function of (seed, offset, i) alone, so the backward is this same op on the gradient with
// the same rng (ts/ops/dropout.ts reserves TILE counters per started tile).
template <typename T>
void dropout_tiles(const T* x, T* out, int64_t n, uint64_t seed, uint64_t offset, uint32_t thresh, T inv) {
  constexpr int64_t per_tile = 8 * TILE;
  const int64_t tiles = (n + per_tile - 1) / per_tile;
  // by value: a captured reference read in the loops could alias out, which blocks vectorizing them
  parallel_for(0, tiles, 8, [=](int64_t k0, int64_t k1) {
    alignas(64) uint32_t w[4][TILE];
    for (int64_t k = k0; k < k1; k++) {
      const uint64_t counter = offset + (uint64_t)k * TILE;
#pragma omp simd
      for (int j = 0; j < TILE; j++) {
        Philox4 r = philox(seed, counter + (uint64_t)j);
        w[0][j] = r.v[0], w[1][j] = r.v[1], w[2][j] = r.v[2], w[3][j] = r.v[3];
      }
      const int64_t at = k * per_tile, len = std::min<int64_t>(per_tile, n - at);
      const T* xs = x + at;
      T* os = out + at;
      for (int q = 0; q < 4; q++) {
        const uint32_t* wq = w[q];
        const int64_t lo = 2 * q * TILE, hi = lo + TILE;
        const int mlo = (int)std::max<int64_t>(0, std::min<int64_t>(TILE, len - lo)), mhi = (int)std::max<int64_t>(0, std::min<int64_t>(TILE, len - hi));
#pragma omp simd
        for (int j = 0; j < mlo; j++) os[lo + j] = xs[lo + j] * ((wq[j] & 0xFFFFu) >= thresh ? inv : T(0));
#pragma omp simd
        for (int j = 0; j < mhi; j++) os[hi + j] = xs[hi + j] * ((wq[j] >> 16) >= thresh ? inv : T(0));
      }
    }
  });
}

TensorPtr dropout_philox(const TensorImpl& x, double p, const TensorImpl& rng) {
  const char* op = "dropout_philox";
  check_alive(op, x);
  check_alive(op, rng);
  if (x.dtype != DType::float32 && x.dtype != DType::float64) fail(op, std::string("expected a float32 or float64 input, got ") + dtype_name(x.dtype));
  if (!(p >= 0 && p <= 1)) fail(op, "p must be in [0, 1], got " + std::to_string(p));
  if (rng.dtype != DType::int64 || rng.shape != Dims{2})
    fail(op, "rng must be an int64 tensor of shape [2] (seed, offset), got " + dims_str(rng.shape) + " " + dtype_name(rng.dtype));
  TensorPtr r = dense(rng), xd = dense(x);
  const uint64_t seed = (uint64_t)r->data<int64_t>()[0], offset = (uint64_t)r->data<int64_t>()[1];
  auto out = empty(x.shape, x.dtype, Device::cpu, op);
  const int64_t n = x.numel();
  const double th = std::round(p * 65536.0);
  MYELIN_DISPATCH_FLOAT(x.dtype, op, {
    if (th >= 65536.0) {  // p rounds to 1: everything dropped
      std::fill(out->data<scalar_t>(), out->data<scalar_t>() + n, scalar_t(0));
    } else {
      dropout_tiles<scalar_t>(xd->data<scalar_t>(), out->data<scalar_t>(), n, seed, offset, (uint32_t)th, (scalar_t)(1 / (1 - p)));
    }
  });
  return out;
}

}  // namespace myelin
