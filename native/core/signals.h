// Defers asynchronous signals on the calling thread while a oneDNN call runs.
//
// oneDNN 2.x's JIT f32 GEMM kernels (what dnnl_sgemm, and some convolutions, run on) point
// rsp into a heap buffer while they work (oneDNN issue #4845, fixed in 3.12). A signal
// delivered then, such as the V8 profiler's SIGPROF or a child's SIGCHLD, pushes its frame
// onto the heap and corrupts it: `node --cpu-prof` aborted a float32 MLP loop within 3,000
// steps. Blocked signals stay pending and arrive when the guard ends. OpenMP's workers block
// them for good (core/parallel.cpp), and inherit the mask when a guarded call creates them.
// Faults (SIGSEGV, SIGBUS, ...) are never blocked.
#pragma once
#include <csignal>
#include <initializer_list>
#include <pthread.h>

namespace myelin {

// Every signal but the faults.
inline sigset_t async_signals() {
  sigset_t s;
  sigfillset(&s);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&s, sig);
  return s;
}

struct DeferSignals {
  sigset_t saved;
  DeferSignals() {
    const sigset_t s = async_signals();
    pthread_sigmask(SIG_BLOCK, &s, &saved);
  }
  ~DeferSignals() { pthread_sigmask(SIG_SETMASK, &saved, nullptr); }
  DeferSignals(const DeferSignals&) = delete;
  DeferSignals& operator=(const DeferSignals&) = delete;
};

}  // namespace myelin
