// oneDNN convolutions (float32 NCHW), used by conv.cpp when the build found libdnnl: the
// same JIT kernels PyTorch's CPU convolutions run on. Each returns false where oneDNN has
// no kernel for the case, and conv.cpp falls back to its im2col + GEMM path.
#pragma once
#include <cstdint>
#include "../core/tensor.h"

namespace myelin {

struct ConvShape {
  int64_t N, C, H, W, OC, kh, kw, OH, OW, sh, sw, ph, pw, dh, dw, groups;
};
// y = conv(x, w) + b (b may be null); x [N, C, H, W], w [OC, C / groups, kh, kw], y [N, OC, OH, OW]
bool dnnl_conv_forward(const ConvShape& s, const float* x, const float* w, const float* b, float* y);
// conv's gradients from dy [N, OC, OH, OW]: dx (with respect to its input; needs w), dw (with
// respect to its weight, summed over the batch; needs x) and db (dy summed over N, H, W; only
// with dw). Each output pointer may be null: that gradient is skipped. dy may be strided
// (dy_strides, in elements; null: contiguous): oneDNN's reorder into its blocked layout reads
// it in place, so a broadcast or transposed dy is never copied first.
bool dnnl_conv_backward(const ConvShape& s, const float* dy, const int64_t* dy_strides, const float* x, const float* w, float* dx,
                        float* dw, float* db);

// bfloat16 conv2d forward (x, w and b bfloat16, b may be null) in oneDNN's bf16 kernels, accumulating
// in float32 and rounding once. Null where the CPU lacks AVX512-BF16 or oneDNN has no kernel:
// conv.cpp then computes in float32.
TensorPtr conv2d_bf16_dnnl(const ConvShape& s, const TensorImpl& x, const TensorImpl& w, const TensorImpl* b);
// bfloat16 matmul of two 2-d operands (any strides) in oneDNN's bf16 kernels, accumulating in
// float32 and rounding once, as torch's CPU bf16 matmul. Null where the CPU lacks
// AVX512-BF16 or oneDNN refuses the layout: matmul.cpp then computes in float32.
TensorPtr matmul_bf16_dnnl(const TensorImpl& a, const TensorImpl& b);

}  // namespace myelin
