// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"):
// counter-based, so element i of a random fill is a pure function of (seed, offset + i)
// and fills parallelize and repeat bit for bit on any thread count or device.
#pragma once
#include <cstdint>
#include "scalar_ops.h"

namespace myelin {

struct Philox4 { uint32_t v[4]; };

MYELIN_HD Philox4 philox(uint64_t seed, uint64_t counter) {
  uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; r++) {
    uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1;
    c3 = (uint32_t)p0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

MYELIN_HD double philox_uniform53(const Philox4& r) {  // [0, 1)
  return (double)(((uint64_t)r.v[0] << 21) ^ (r.v[1] >> 11)) * (1.0 / 9007199254740992.0);
}
MYELIN_HD float philox_uniform24(const Philox4& r) {  // [0, 1)
  return (float)(r.v[0] >> 8) * (1.0f / 16777216.0f);
}
MYELIN_HD double philox_normal(const Philox4& r) {  // Box-Muller
  double u1 = ((double)r.v[2] + 1.0) * (1.0 / 4294967296.0);  // (0, 1]
  double u2 = philox_uniform53(r);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace myelin
