// Direct float32 convolution kernels for one input channel (a network's first layer, e.g.
// MNIST's 1 -> 32 3x3): there an im2col GEMM has K = C * kh * kw of 9 and oneDNN pads the
// input channels to a block of 8/16, so both waste most of their work. conv.cpp calls these
// before its other paths when conv_direct_ok() says the shape fits.
#pragma once
#include <cstdint>
#include "conv_dnnl.h"  // ConvShape

namespace myelin {

// groups 1, width stride 1 (the vector runs along the output width), C = 1, kh * kw <= 32.
bool conv_direct_ok(const ConvShape& s);
// y = conv(x, w) + b (b may be null); x [N, C, H, W], w [OC, C, kh, kw], y [N, OC, OH, OW], all contiguous.
void conv_direct_forward(const ConvShape& s, const float* x, const float* w, const float* b, float* y);
// The input gradient also needs height stride 1.
bool conv_direct_dx_ok(const ConvShape& s);
// Gradients from dy [N, OC, OH, OW] with element strides dys (any, e.g. a broadcast dy of
// sum().backward()): dx (needs w; conv_direct_dx_ok), dw (needs x) and db; each may be null.
void conv_direct_backward(const ConvShape& s, const float* dy, const int64_t* dys, const float* x, const float* w, float* dx,
                          float* dw, float* db);

}  // namespace myelin
