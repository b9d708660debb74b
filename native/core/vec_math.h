// Declares glibc's libmvec SIMD variants of libm functions (as glibc's own headers do
// under -ffast-math), so GCC vectorizes exp/log/tanh/... loops without fast-math's
// NaN assumptions. Needs -fno-math-errno and -lmvec; a no-op elsewhere.
#pragma once
#if defined(__GLIBC__) && defined(__x86_64__) && !defined(__CUDACC__) && defined(MYELIN_MVEC)
#define MYELIN_SIMD_DECL(fn) \
  __attribute__((simd("notinbranch"))) float fn##f(float) noexcept; \
  __attribute__((simd("notinbranch"))) double fn(double) noexcept;
extern "C" {
MYELIN_SIMD_DECL(exp)
MYELIN_SIMD_DECL(log)
MYELIN_SIMD_DECL(sin)
MYELIN_SIMD_DECL(cos)
#if __GLIBC_PREREQ(2, 35)
MYELIN_SIMD_DECL(log1p)
MYELIN_SIMD_DECL(expm1)
MYELIN_SIMD_DECL(tanh)
MYELIN_SIMD_DECL(erf)
#endif
}
#undef MYELIN_SIMD_DECL
#endif
