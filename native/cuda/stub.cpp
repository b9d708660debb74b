// The CUDA backend's entry points when the addon is built without CUDA (node-gyp, or cmake
// without MYELIN_CUDA): no device, and the reason, so that `to('cuda')` and `{ device:
// 'cuda' }` fail with a named error instead of a missing symbol (candle's dummy backend).
// A MYELIN_CUDA build defines MYELIN_WITH_CUDA and leaves this file out.
#ifndef MYELIN_WITH_CUDA
#include "../core/tensor.h"

namespace myelin::cuda {

bool is_available() { return false; }
int device_count() { return 0; }
// NOTE: `npm run build:cuda` still stops at CMakeLists.txt's MYELIN_CUDA check: point users
// at it here once native/cuda lands.
std::string unavailable_reason() { return "built without CUDA; this version of myelin has no CUDA backend yet"; }
Allocator* allocator() { return nullptr; }

}  // namespace myelin::cuda
#endif
