#ifndef CKINDRED_DNNL_H
#define CKINDRED_DNNL_H

/// Direct float32 convolutions through oneDNN (Debian's libdnnl-dev), when Kindred was built with it.
///
/// One `kd_conv` is one pass (forward, backward data or backward weights) of one convolution
/// geometry and batch size, with everything it needs created up front: the oneDNN primitive (JIT
/// compiled for this CPU), reorders between PyTorch's plain layouts (NCHW input and output, OIHW or
/// GOIHW weights) and the blocked layouts the primitive prefers, their buffers, a stream and a
/// scratchpad. Every call runs single-threaded in the calling thread, so several objects can run at
/// once from different threads (the caller splits the batch). An object must not run in two
/// threads at once.

typedef struct kd_conv kd_conv;

/// Which pass a `kd_conv` runs.
enum { KD_CONV_FORWARD = 0, KD_CONV_BACKWARD_DATA = 1, KD_CONV_BACKWARD_WEIGHTS = 2 };

/// The geometry of a convolution `[n, c, h, w]` → `[n, o, oh, ow]` with weights `[o, c/groups, kh, kw]`
/// (PyTorch's layout), symmetric padding, dilation ≥ 1 (PyTorch's convention).
typedef struct {
  int n, c, h, w;
  int o, kh, kw;
  int oh, ow;
  int stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int groups;
  int has_bias;
} kd_conv_shape;

/// 1 when Kindred was built with oneDNN, else 0 (every `kd_conv_create` then returns NULL).
int kd_dnnl_available(void);

/// Row-major `c[m × n] = a[m × k] · b[n × k]ᵀ` by oneDNN's single-threaded sgemm (its JIT kernels;
/// faster than OpenBLAS for the exact search's short inner dimensions). Returns 0 on success, −1 on
/// failure or without oneDNN (the caller then uses BLAS).
int kd_dnnl_sgemm_nt(int m, int n, int k, const float *a, const float *b, float *c);

/// Creates one pass; NULL when oneDNN is missing or rejects the geometry (the caller falls back).
kd_conv *kd_conv_create(int pass, const kd_conv_shape *shape);

/// The name of the implementation oneDNN picked (e.g. "jit:avx512_core"), for benchmarks.
const char *kd_conv_implementation(const kd_conv *conv);

/// Forward: dst = conv(src, weights) + bias (bias may be NULL when the shape has none). 0 on success.
int kd_conv_forward(kd_conv *conv, const float *src, const float *weights, const float *bias, float *dst);

/// Backward data: diff_src = the input gradient given diff_dst. 0 on success.
int kd_conv_backward_data(kd_conv *conv, const float *diff_dst, const float *weights, float *diff_src);

/// Backward weights: diff_weights (and diff_bias, required when the shape has a bias) from src and
/// diff_dst, overwriting them. 0 on success.
int kd_conv_backward_weights(kd_conv *conv, const float *src, const float *diff_dst, float *diff_weights,
                             float *diff_bias);

void kd_conv_destroy(kd_conv *conv);

#endif
