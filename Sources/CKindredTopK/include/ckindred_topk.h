#ifndef CKINDRED_TOPK_H
#define CKINDRED_TOPK_H

#include <stddef.h>
#include <stdint.h>

/// How a raw inner product `s` with gallery item j becomes a key ("smaller is better").
enum {
    /// key = −s
    KD_TOPK_DOT = 0,
    /// key = −((s · qf) · gf[j])   (qf, gf: inverse norms)
    KD_TOPK_COSINE = 1,
    /// key = max((qf + gf[j]) − (s + s), 0), NaN kept   (qf, gf: squared norms)
    KD_TOPK_EUCLIDEAN = 2,
};

/// Appends to a candidate buffer every item of one score row whose key is strictly below `threshold`,
/// packed as `ordered_bits(key) << 32 | (first_slot + j)` (ordered_bits: an unsigned map that orders
/// like the float, −0 and +0 alike). Items go in 16 at a time while `*count + 16 <= capacity` (each
/// group writes 16 entries at `out + *count`, then advances `*count` by the number that passed).
///
/// - Parameters:
///   - kind: one of the `KD_TOPK_*` values.
///   - row: `n` raw inner products.
///   - gallery_factor: `n` per-item factors (ignored for `KD_TOPK_DOT`, may be NULL then).
///   - min_bits, max_bits: lowered / raised to the smallest / largest ordered bits appended.
/// - Returns: the number of items consumed, `n` or a multiple of 16 below it when the buffer is full
///   (the caller then compacts it and calls again for the rest).
size_t kd_topk_append(int kind, const float *row, const float *gallery_factor, float query_factor, size_t n,
                      uint32_t first_slot, float threshold, uint64_t *out, size_t *count, size_t capacity,
                      uint32_t *min_bits, uint32_t *max_bits);

/// `kd_topk_append` without AVX-512 (what other CPUs run; exposed so tests can compare the two).
size_t kd_topk_append_portable(int kind, const float *row, const float *gallery_factor, float query_factor, size_t n,
                               uint32_t first_slot, float threshold, uint64_t *out, size_t *count, size_t capacity,
                               uint32_t *min_bits, uint32_t *max_bits);

/// Whether `kd_topk_append` uses AVX-512 on this CPU.
int kd_topk_vectorized(void);

#endif
