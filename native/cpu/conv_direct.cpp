// See conv_direct.h. Each sample's input is copied once into a zero-padded buffer, so the
// kernels below read every tap as one unaligned vector load with no bounds checks; the
// vectors run along the output width, and the taps of one position (C * kh * kw <= 32 of
// them) stay in registers while every output channel's weights (pre-broadcast) multiply them.
#include "conv_direct.h"
#include <algorithm>
#include <cstring>
#include <vector>
#include "../core/parallel.h"
#if defined(__x86_64__) && (defined(__FMA__) || defined(__AVX512F__))
#include <immintrin.h>
#endif

namespace myelin {
namespace {

#if defined(__AVX512F__)
constexpr int V = 16;
#else
constexpr int V = 8;
#endif
typedef float vf __attribute__((vector_size(V * sizeof(float))));
constexpr int kMaxTaps = 32;

// acc + a * b in one rounding (the build is ISO C++, where GCC does not contract a * b + c)
inline vf fmadd(vf a, vf b, vf acc) {
#if defined(__x86_64__) && defined(__AVX512F__)
  return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)acc);
#elif defined(__x86_64__) && defined(__FMA__)
  return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)acc);
#else
  return a * b + acc;
#endif
}
inline vf load(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);  // unaligned
  return v;
}
inline void store(float* p, vf v, int64_t n) { std::memcpy(p, &v, std::min<int64_t>(n, V) * sizeof(float)); }
inline vf splat(float f) { return vf{} + f; }
inline double hsum(vf v) {
  double s = 0;
  for (int k = 0; k < V; k++) s += v[k];
  return s;
}
inline int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

// Buffer geometry. Padded input xp [C][Hp][Wa]: row r is input row r - ph, column q input
// column q - pw, zero outside; wide enough that the last (partial) output vector reads in
// bounds. Padded dy [OC][R][DW]: dy[oh][ow] at row eh + oh, column ew + ow, zero around it
// (the input gradient reads up to a kernel extent outside dy) and in the vector tail.
struct Geo {
  int64_t T, eh, ew, OWr, Hp, Wa, R, DW;
  int64_t off[kMaxTaps];  // tap t = (c, i, j): its offset in xp from output position (0, 0)
};
Geo geo(const ConvShape& s) {
  Geo g;
  g.T = s.C * s.kh * s.kw;
  g.eh = (s.kh - 1) * s.dh, g.ew = (s.kw - 1) * s.dw;
  g.OWr = round_up(s.OW, V);
  g.Hp = (s.OH - 1) * s.sh + g.eh + 1;
  g.Wa = g.OWr + g.ew;
  g.R = s.OH + 2 * g.eh;
  g.DW = g.ew + std::max(g.OWr, round_up(s.W, V) + s.pw);
  for (int64_t c = 0, t = 0; c < s.C; c++)
    for (int64_t i = 0; i < s.kh; i++)
      for (int64_t j = 0; j < s.kw; j++) g.off[t++] = (c * g.Hp + i * s.dh) * g.Wa + j * s.dw;
  return g;
}

float* scratch(int slot, int64_t n) {
  thread_local std::vector<float> buf[2];
  if ((int64_t)buf[slot].size() < n) buf[slot].resize(n);
  return buf[slot].data();
}

void pad_input(const ConvShape& s, const Geo& g, const float* x, float* xp) {
  std::fill(xp, xp + s.C * g.Hp * g.Wa, 0.f);
  const int64_t lo = s.pw, hi = std::min(g.Wa, s.W + s.pw);
  if (hi <= lo) return;
  for (int64_t c = 0; c < s.C; c++)
    for (int64_t r = 0; r < g.Hp; r++) {
      const int64_t ih = r - s.ph;
      if (ih >= 0 && ih < s.H) std::memcpy(xp + (c * g.Hp + r) * g.Wa + lo, x + (c * s.H + ih) * s.W, (hi - lo) * sizeof(float));
    }
}

// One sample's dy (element strides dys) into the padded layout; only the border is zeroed.
void pad_dy(const ConvShape& s, const Geo& g, const float* dy, const int64_t* dys, float* dyp) {
  for (int64_t oc = 0; oc < s.OC; oc++) {
    float* p = dyp + oc * g.R * g.DW;
    std::fill(p, p + g.eh * g.DW, 0.f);
    std::fill(p + (g.eh + s.OH) * g.DW, p + g.R * g.DW, 0.f);
    for (int64_t oh = 0; oh < s.OH; oh++) {
      float* row = p + (g.eh + oh) * g.DW;
      const float* src = dy + oc * dys[1] + oh * dys[2];
      std::fill(row, row + g.ew, 0.f);
      if (dys[3] == 1) std::memcpy(row + g.ew, src, s.OW * sizeof(float));
      else for (int64_t ow = 0; ow < s.OW; ow++) row[g.ew + ow] = src[ow * dys[3]];
      std::fill(row + g.ew + s.OW, row + g.DW, 0.f);
    }
  }
}

// One sample's output planes y [OC][OH][OW]. TT: the tap count when known at compile time
// (the taps then live in registers), else 0.
template <int TT>
void forward_sample(const ConvShape& s, const Geo& g, const float* xp, const vf* wv, const vf* bv, float* y) {
  const int64_t T = TT ? TT : g.T;
  for (int64_t oh = 0; oh < s.OH; oh++)
    for (int64_t ow0 = 0; ow0 < s.OW; ow0 += V) {
      const float* base = xp + oh * s.sh * g.Wa + ow0;
      vf xv[TT ? TT : kMaxTaps];
      for (int64_t t = 0; t < T; t++) xv[t] = load(base + g.off[t]);
      for (int64_t oc = 0; oc < s.OC; oc++) {
        const vf* w = wv + oc * T;
        vf acc = bv[oc];
        for (int64_t t = 0; t < T; t++) acc = fmadd(w[t], xv[t], acc);
        store(y + (oc * s.OH + oh) * s.OW + ow0, acc, s.OW - ow0);
      }
    }
}

// One sample's weight (and bias) gradient, added into part [OC * T + OC] (dw, then db).
template <int TT>
void weight_grad_sample(const ConvShape& s, const Geo& g, const float* xp, const float* dyp, bool want_w, double* part) {
  const int64_t T = TT ? TT : g.T;
  for (int64_t oc = 0; oc < s.OC; oc++) {
    vf acc[TT ? TT : kMaxTaps] = {}, accb = {};
    for (int64_t oh = 0; oh < s.OH; oh++) {
      const float* d = dyp + (oc * g.R + g.eh + oh) * g.DW + g.ew;
      const float* base = xp + oh * s.sh * g.Wa;
      for (int64_t ow0 = 0; ow0 < g.OWr; ow0 += V) {  // dy is zero past OW
        const vf dv = load(d + ow0);
        accb += dv;
        if (want_w)
          for (int64_t t = 0; t < T; t++) acc[t] = fmadd(dv, load(base + g.off[t] + ow0), acc[t]);
      }
    }
    if (want_w)
      for (int64_t t = 0; t < T; t++) part[oc * T + t] += hsum(acc[t]);
    part[s.OC * T + oc] += hsum(accb);
  }
}

// One sample's input gradient (height and width stride 1): dx[c, ih, iw] = sum over oc, i, j
// of w[oc, c, i, j] * dy[oc, ih + ph - i * dh, iw + pw - j * dw], RB rows at a time so each
// broadcast weight serves RB vectors.
template <int RB>
void input_grad_rows(const ConvShape& s, const Geo& g, const float* dyp, const vf* wv, int64_t c, int64_t ih0, float* dx) {
  for (int64_t iw0 = 0; iw0 < s.W; iw0 += V) {
    vf acc[RB] = {};
    for (int64_t oc = 0; oc < s.OC; oc++)
      for (int64_t i = 0; i < s.kh; i++) {
        const float* p = dyp + (oc * g.R + ih0 + s.ph + g.eh - i * s.dh) * g.DW + iw0 + s.pw + g.ew;
        const vf* w = wv + ((oc * s.C + c) * s.kh + i) * s.kw;
        for (int64_t j = 0; j < s.kw; j++)
          for (int r = 0; r < RB; r++) acc[r] = fmadd(w[j], load(p + r * g.DW - j * s.dw), acc[r]);
      }
    for (int r = 0; r < RB; r++) store(dx + (c * s.H + ih0 + r) * s.W + iw0, acc[r], s.W - iw0);
  }
}

// Every weight as a vector of V copies, [OC][T] (dw's layout [OC, C, kh, kw]).
std::vector<vf> broadcast(const float* w, int64_t n) {
  std::vector<vf> v(n);
  for (int64_t k = 0; k < n; k++) v[k] = splat(w[k]);
  return v;
}

template <typename F> void with_taps(int64_t T, const F& f) {
  switch (T) {
    case 9: return f(std::integral_constant<int, 9>());
    case 25: return f(std::integral_constant<int, 25>());
    case 27: return f(std::integral_constant<int, 27>());
    default: return f(std::integral_constant<int, 0>());
  }
}

}  // namespace

bool conv_direct_ok(const ConvShape& s) {
  // C = 1 only: at 3 -> 16 3x3 on [64, 3, 32, 32] these ran 18.3 ms (min, 1 thread) against
  // oneDNN's 13.9, while 1 -> 32 3x3 ran 17.3 against 24.9 and 1 -> 6 5x5 4.5 against 6.2
  return s.groups == 1 && s.sw == 1 && s.C == 1 && s.C * s.kh * s.kw <= kMaxTaps && s.N > 0 && s.OC > 0 && s.OH > 0 && s.OW > 0;
}
bool conv_direct_dx_ok(const ConvShape& s) { return conv_direct_ok(s) && s.sh == 1; }

void conv_direct_forward(const ConvShape& s, const float* x, const float* w, const float* b, float* y) {
  const Geo g = geo(s);
  const std::vector<vf> wv = broadcast(w, s.OC * g.T);
  std::vector<vf> bv(s.OC);
  for (int64_t oc = 0; oc < s.OC; oc++) bv[oc] = splat(b ? b[oc] : 0.f);
  with_taps(g.T, [&](auto tt) {
    parallel_for(0, s.N, 1, [&](int64_t n0, int64_t n1) {
      float* xp = scratch(0, s.C * g.Hp * g.Wa);
      for (int64_t n = n0; n < n1; n++) {
        pad_input(s, g, x + n * s.C * s.H * s.W, xp);
        forward_sample<decltype(tt)::value>(s, g, xp, wv.data(), bv.data(), y + n * s.OC * s.OH * s.OW);
      }
    });
  });
}

void conv_direct_backward(const ConvShape& s, const float* dy, const int64_t* dys, const float* x, const float* w, float* dx,
                          float* dw, float* db) {
  const Geo g = geo(s);
  const std::vector<vf> wv = dx ? broadcast(w, s.OC * g.T) : std::vector<vf>();
  // The batch splits into a fixed number of chunks (not one per thread), each summing its
  // samples' dw and db into its own partial, added up in chunk order: the result does not
  // depend on the thread count or on which thread ran what.
  const int64_t chunks = std::min<int64_t>(s.N, 64), psize = s.OC * g.T + s.OC;
  std::vector<double> parts((dw || db) ? chunks * psize : 0, 0.0);
  with_taps(g.T, [&](auto tt) {
    constexpr int TT = decltype(tt)::value;
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      float* xp = scratch(0, s.C * g.Hp * g.Wa);
      float* dyp = scratch(1, s.OC * g.R * g.DW);
      for (int64_t ch = c0; ch < c1; ch++)
        for (int64_t n = ch * s.N / chunks; n < (ch + 1) * s.N / chunks; n++) {
          pad_dy(s, g, dy + n * dys[0], dys, dyp);
          if (dw || db) {
            if (dw) pad_input(s, g, x + n * s.C * s.H * s.W, xp);
            weight_grad_sample<TT>(s, g, xp, dyp, dw != nullptr, parts.data() + ch * psize);
          }
          if (dx) {
            float* dxn = dx + n * s.C * s.H * s.W;
            for (int64_t c = 0; c < s.C; c++) {
              int64_t ih = 0;
              for (; ih + 4 <= s.H; ih += 4) input_grad_rows<4>(s, g, dyp, wv.data(), c, ih, dxn);
              for (; ih < s.H; ih++) input_grad_rows<1>(s, g, dyp, wv.data(), c, ih, dxn);
            }
          }
        }
    });
  });
  if (!dw && !db) return;
  for (int64_t k = 0; k < psize; k++) {
    double a = 0;
    for (int64_t ch = 0; ch < chunks; ch++) a += parts[ch * psize + k];
    if (k < s.OC * g.T) { if (dw) dw[k] = float(a); }
    else if (db) db[k - s.OC * g.T] = float(a);
  }
}

}  // namespace myelin
