// Thread count shared by our OpenMP loops and the BLAS.
#include "parallel.h"
#include <thread>
#ifdef MYELIN_OPENBLAS
extern "C" void openblas_set_num_threads(int);
#endif

namespace myelin {

static int default_threads() {
#ifdef _OPENMP
  return omp_get_num_procs();
#else
  return (int)std::max(1u, std::thread::hardware_concurrency());
#endif
}

std::atomic<int>& num_threads() {
  static std::atomic<int> n{default_threads()};
  return n;
}

void set_num_threads(int n) {
  num_threads() = n;
#ifdef MYELIN_OPENBLAS
  openblas_set_num_threads(n);
#endif
}

}  // namespace myelin
