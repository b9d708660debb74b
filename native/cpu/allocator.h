// The CPU device's memory: a caching allocator (allocator.cpp explains the policy: size
// classes, a cache bounded by the peak of live bytes and MYELIN_CPU_CACHE_BYTES, huge pages
// for big blocks, per-thread lists for small ones) behind core's Allocator interface.
#pragma once
#include "../core/tensor.h"

namespace myelin::cpu {
// The one CPU allocator of the process (never destroyed: storages may outlive statics).
Allocator& allocator();
}  // namespace myelin::cpu
