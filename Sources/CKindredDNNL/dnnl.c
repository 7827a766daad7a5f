#include "ckindred_dnnl.h"
#include <stdlib.h>

#if defined(KINDRED_HAVE_DNNL)
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>

/* oneDNN runs on OpenMP here; one thread per call (Kindred splits the batch across its own
   threads), so no OpenMP team is ever started and nothing spins between calls. */
extern void omp_set_num_threads(int);

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static void engine_init(void) {
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) engine = NULL;
}

/* A tensor as the caller holds it (plain) and as the primitive wants it; when they differ a
   reorder (with its own buffer) runs on the way in or out. */
typedef struct {
  dnnl_memory_t user;      /* plain layout, data handle set per call */
  dnnl_memory_t inner;     /* the primitive's layout: same object as `user` when the layouts agree */
  dnnl_primitive_t reorder; /* user → inner (inputs) or inner → user (outputs); NULL when equal */
} operand;

struct kd_conv {
  int pass;
  dnnl_stream_t stream;
  dnnl_primitive_t primitive;
  const char *impl;
  operand a, b, c;          /* forward: src, weights, dst; backward data: diff_dst, weights, diff_src;
                               backward weights: src, diff_dst, diff_weights */
  dnnl_memory_t bias;       /* forward bias or backward diff_bias (plain), NULL without a bias */
  dnnl_memory_t scratch;
  dnnl_primitive_desc_t pd;
};

static int operand_init(operand *op, const dnnl_memory_desc_t *plain, const dnnl_memory_desc_t *wanted, int is_output) {
  op->user = op->inner = NULL;
  op->reorder = NULL;
  if (dnnl_memory_create(&op->user, plain, engine, DNNL_MEMORY_NONE) != dnnl_success) return -1;
  if (dnnl_memory_desc_equal(plain, wanted)) { op->inner = op->user; return 0; }
  if (dnnl_memory_create(&op->inner, wanted, engine, DNNL_MEMORY_ALLOCATE) != dnnl_success) return -1;
  dnnl_primitive_desc_t rpd;
  const dnnl_memory_desc_t *from = is_output ? wanted : plain, *to = is_output ? plain : wanted;
  if (dnnl_reorder_primitive_desc_create(&rpd, from, engine, to, engine, NULL) != dnnl_success) return -1;
  dnnl_status_t s = dnnl_primitive_create(&op->reorder, rpd);
  dnnl_primitive_desc_destroy(rpd);
  return s == dnnl_success ? 0 : -1;
}

static void operand_free(operand *op) {
  if (op->reorder) dnnl_primitive_destroy(op->reorder);
  if (op->inner && op->inner != op->user) dnnl_memory_destroy(op->inner);
  if (op->user) dnnl_memory_destroy(op->user);
}

static int reorder(kd_conv *k, operand *op, int is_output) {
  if (!op->reorder) return 0;
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, is_output ? op->inner : op->user},
                             {DNNL_ARG_TO, is_output ? op->user : op->inner}};
  return dnnl_primitive_execute(op->reorder, k->stream, 2, args) == dnnl_success ? 0 : -1;
}

int kd_dnnl_available(void) { return 1; }

void kd_conv_destroy(kd_conv *k) {
  if (!k) return;
  operand_free(&k->a); operand_free(&k->b); operand_free(&k->c);
  if (k->bias) dnnl_memory_destroy(k->bias);
  if (k->scratch) dnnl_memory_destroy(k->scratch);
  if (k->primitive) dnnl_primitive_destroy(k->primitive);
  if (k->pd) dnnl_primitive_desc_destroy(k->pd);
  if (k->stream) dnnl_stream_destroy(k->stream);
  free(k);
}

kd_conv *kd_conv_create(int pass, const kd_conv_shape *s) {
  omp_set_num_threads(1);
  pthread_once(&engine_once, engine_init);
  if (!engine || s->groups < 1 || s->c % s->groups || s->o % s->groups) return NULL;
  kd_conv *k = calloc(1, sizeof *k);
  if (!k) return NULL;
  k->pass = pass;
  dnnl_memory_desc_t src_p, w_p, dst_p, b_p, src_any, w_any, dst_any;
  dnnl_dims_t src_d = {s->n, s->c, s->h, s->w}, dst_d = {s->n, s->o, s->oh, s->ow}, b_d = {s->o};
  dnnl_dims_t w_d = {s->groups, s->o / s->groups, s->c / s->groups, s->kh, s->kw};
  int wr = s->groups > 1 ? 5 : 4;
  dnnl_dim_t *w_dims = s->groups > 1 ? w_d : w_d + 1;
  dnnl_dims_t strides = {s->stride_h, s->stride_w}, dil = {s->dilation_h - 1, s->dilation_w - 1};
  dnnl_dims_t pad = {s->pad_h, s->pad_w};
  dnnl_primitive_attr_t attr = NULL;
  dnnl_convolution_desc_t fd, cd;
  dnnl_primitive_desc_t fpd = NULL;
  int ok = dnnl_memory_desc_init_by_tag(&src_p, 4, src_d, dnnl_f32, dnnl_nchw) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&dst_p, 4, dst_d, dnnl_f32, dnnl_nchw) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&w_p, wr, w_dims, dnnl_f32, s->groups > 1 ? dnnl_goihw : dnnl_oihw) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&b_p, 1, b_d, dnnl_f32, dnnl_x) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&src_any, 4, src_d, dnnl_f32, dnnl_format_tag_any) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&dst_any, 4, dst_d, dnnl_f32, dnnl_format_tag_any) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&w_any, wr, w_dims, dnnl_f32, dnnl_format_tag_any) == dnnl_success
        && dnnl_primitive_attr_create(&attr) == dnnl_success
        && dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success
        && dnnl_stream_create(&k->stream, engine, dnnl_stream_default_flags) == dnnl_success;
  const dnnl_memory_desc_t *bias_md = s->has_bias ? &b_p : NULL;
  ok = ok && dnnl_dilated_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &src_any, &w_any,
                                                        bias_md, &dst_any, strides, dil, pad, pad) == dnnl_success;
  if (ok && pass == KD_CONV_FORWARD) {
    ok = dnnl_primitive_desc_create(&k->pd, &fd, attr, engine, NULL) == dnnl_success
      && operand_init(&k->a, &src_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_src_md, 0), 0) == 0
      && operand_init(&k->b, &w_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_weights_md, 0), 0) == 0
      && operand_init(&k->c, &dst_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_dst_md, 0), 1) == 0;
  } else if (ok) {
    ok = dnnl_primitive_desc_create(&fpd, &fd, NULL, engine, NULL) == dnnl_success;
    if (ok && pass == KD_CONV_BACKWARD_DATA) {
      ok = dnnl_dilated_convolution_backward_data_desc_init(&cd, dnnl_convolution_direct, &src_any, &w_any, &dst_any,
                                                            strides, dil, pad, pad) == dnnl_success
        && dnnl_primitive_desc_create(&k->pd, &cd, attr, engine, fpd) == dnnl_success
        && operand_init(&k->a, &dst_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_diff_dst_md, 0), 0) == 0
        && operand_init(&k->b, &w_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_weights_md, 0), 0) == 0
        && operand_init(&k->c, &src_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_diff_src_md, 0), 1) == 0;
    } else if (ok && pass == KD_CONV_BACKWARD_WEIGHTS) {
      ok = dnnl_dilated_convolution_backward_weights_desc_init(&cd, dnnl_convolution_direct, &src_any, &w_any, bias_md,
                                                               &dst_any, strides, dil, pad, pad) == dnnl_success
        && dnnl_primitive_desc_create(&k->pd, &cd, attr, engine, fpd) == dnnl_success
        && operand_init(&k->a, &src_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_src_md, 0), 0) == 0
        && operand_init(&k->b, &dst_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_diff_dst_md, 0), 0) == 0
        && operand_init(&k->c, &w_p, dnnl_primitive_desc_query_md(k->pd, dnnl_query_diff_weights_md, 0), 1) == 0;
    } else {
      ok = 0;
    }
  }
  if (fpd) dnnl_primitive_desc_destroy(fpd);
  if (attr) dnnl_primitive_attr_destroy(attr);
  ok = ok && (!s->has_bias || dnnl_memory_create(&k->bias, &b_p, engine, DNNL_MEMORY_NONE) == dnnl_success)
          && dnnl_memory_create(&k->scratch, dnnl_primitive_desc_query_md(k->pd, dnnl_query_scratchpad_md, 0), engine,
                                DNNL_MEMORY_ALLOCATE) == dnnl_success
          && dnnl_primitive_create(&k->primitive, k->pd) == dnnl_success
          && dnnl_primitive_desc_query(k->pd, dnnl_query_impl_info_str, 0, &k->impl) == dnnl_success;
  if (!ok) { kd_conv_destroy(k); return NULL; }
  return k;
}

const char *kd_conv_implementation(const kd_conv *k) { return k && k->impl ? k->impl : "none"; }

/* Points the three operands at the caller's buffers and reorders the two inputs in. */
static int bind(kd_conv *k, int pass, const float *a, const float *b, float *c) {
  if (!k || k->pass != pass) return -1;
  omp_set_num_threads(1);
  dnnl_memory_set_data_handle(k->a.user, (void *)a);
  dnnl_memory_set_data_handle(k->b.user, (void *)b);
  dnnl_memory_set_data_handle(k->c.user, c);
  return reorder(k, &k->a, 0) || reorder(k, &k->b, 0) ? -1 : 0;
}

/* Points the bias (forward) or bias gradient (backward weights) at the caller's buffer; a pass
   created with a bias needs one. */
static int bind_bias(kd_conv *k, const float *bias) {
  if (!k->bias) return 0;
  if (!bias) return -1;
  dnnl_memory_set_data_handle(k->bias, (void *)bias);
  return 0;
}

/* Runs the primitive, reorders its output out, and waits. */
static int run(kd_conv *k, int nargs, dnnl_exec_arg_t *args) {
  if (dnnl_primitive_execute(k->primitive, k->stream, nargs, args) != dnnl_success || reorder(k, &k->c, 1)) return -1;
  return dnnl_stream_wait(k->stream) == dnnl_success ? 0 : -1;
}

int kd_conv_forward(kd_conv *k, const float *src, const float *w, const float *bias, float *dst) {
  if (bind(k, KD_CONV_FORWARD, src, w, dst)) return -1;
  dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, k->a.inner}, {DNNL_ARG_WEIGHTS, k->b.inner}, {DNNL_ARG_DST, k->c.inner},
                             {DNNL_ARG_SCRATCHPAD, k->scratch}, {DNNL_ARG_BIAS, k->bias}};
  if (bind_bias(k, bias)) return -1;
  return run(k, k->bias ? 5 : 4, args);
}

int kd_conv_backward_data(kd_conv *k, const float *diff_dst, const float *w, float *diff_src) {
  if (bind(k, KD_CONV_BACKWARD_DATA, diff_dst, w, diff_src)) return -1;
  dnnl_exec_arg_t args[4] = {{DNNL_ARG_DIFF_DST, k->a.inner}, {DNNL_ARG_WEIGHTS, k->b.inner},
                             {DNNL_ARG_DIFF_SRC, k->c.inner}, {DNNL_ARG_SCRATCHPAD, k->scratch}};
  return run(k, 4, args);
}

int kd_conv_backward_weights(kd_conv *k, const float *src, const float *diff_dst, float *diff_w, float *diff_bias) {
  if (bind(k, KD_CONV_BACKWARD_WEIGHTS, src, diff_dst, diff_w)) return -1;
  dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, k->a.inner}, {DNNL_ARG_DIFF_DST, k->b.inner},
                             {DNNL_ARG_DIFF_WEIGHTS, k->c.inner}, {DNNL_ARG_SCRATCHPAD, k->scratch},
                             {DNNL_ARG_DIFF_BIAS, k->bias}};
  if (bind_bias(k, diff_bias)) return -1;
  return run(k, k->bias ? 5 : 4, args);
}

int kd_dnnl_sgemm_nt(int m, int n, int k, const float *a, const float *b, float *c) {
  omp_set_num_threads(1);
  return dnnl_sgemm('N', 'T', m, n, k, 1.0f, a, k, b, k, 0.0f, c, n) == dnnl_success ? 0 : -1;
}

#else

int kd_dnnl_available(void) { return 0; }
kd_conv *kd_conv_create(int pass, const kd_conv_shape *shape) { (void)pass; (void)shape; return NULL; }
const char *kd_conv_implementation(const kd_conv *conv) { (void)conv; return "none"; }
int kd_conv_forward(kd_conv *k, const float *s, const float *w, const float *b, float *d) { (void)k; (void)s; (void)w; (void)b; (void)d; return -1; }
int kd_conv_backward_data(kd_conv *k, const float *g, const float *w, float *d) { (void)k; (void)g; (void)w; (void)d; return -1; }
int kd_conv_backward_weights(kd_conv *k, const float *s, const float *g, float *w, float *b) { (void)k; (void)s; (void)g; (void)w; (void)b; return -1; }
void kd_conv_destroy(kd_conv *k) { (void)k; }
int kd_dnnl_sgemm_nt(int m, int n, int k, const float *a, const float *b, float *c) { (void)m; (void)n; (void)k; (void)a; (void)b; (void)c; return -1; }

#endif
