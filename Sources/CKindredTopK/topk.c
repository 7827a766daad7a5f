// Candidate collection for the exact search's deep top-k (see ExactSearch / TopKBuffer): one row of
// raw scores in, the keys that beat the row's threshold out, packed with their gallery index.
// AVX-512 compresses the passing lanes of 16 items in registers; other CPUs take the scalar loop.
// Keys are computed exactly as the Swift side computes them (same operations, same order, no
// contraction into fused multiply-adds), so both agree bit for bit.
#include "ckindred_topk.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define KD_TOPK_X86 1
#include <immintrin.h>
#endif

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

static inline uint32_t ordered_bits(float x) {
    x = x + 0.0f;  // −0 → +0
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

static inline float key_at(int kind, const float *row, const float *gf, float qf, size_t j) {
    switch (kind) {
    case KD_TOPK_DOT:
        return -row[j];
    case KD_TOPK_COSINE:
        return -(row[j] * qf * gf[j]);
    default: {
        float s = row[j];
        float key = qf + gf[j] - (s + s);
        return key < 0 ? 0 : key;
    }
    }
}

size_t kd_topk_append_portable(int kind, const float *row, const float *gf, float qf, size_t n, uint32_t first_slot,
                               float threshold, uint64_t *out, size_t *count, size_t capacity, uint32_t *min_bits,
                               uint32_t *max_bits) {
    size_t c = *count, j = 0;
    uint32_t lo = *min_bits, hi = *max_bits;
    while (j < n && c + 16 <= capacity) {
        size_t end = j + 16 < n ? j + 16 : n;
        for (; j < end; j++) {
            float key = key_at(kind, row, gf, qf, j);
            uint32_t bits = ordered_bits(key);
            int pass = key < threshold;  // false for NaN
            out[c] = (uint64_t)bits << 32 | (uint32_t)(first_slot + (uint32_t)j);
            c += (size_t)pass;
            if (pass) {
                lo = bits < lo ? bits : lo;
                hi = bits > hi ? bits : hi;
            }
        }
    }
    *count = c;
    *min_bits = lo;
    *max_bits = hi;
    return j;
}

#ifdef KD_TOPK_X86
__attribute__((target("avx512f")))
static size_t append_avx512(int kind, const float *row, const float *gf, float qf, size_t n, uint32_t first_slot,
                            float threshold, uint64_t *out, size_t *count, size_t capacity, uint32_t *min_bits,
                            uint32_t *max_bits) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512 thr = _mm512_set1_ps(threshold);
    const __m512 qfv = _mm512_set1_ps(qf);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // Interleave (slot, key) pairs of the compressed lanes into 64-bit entries: slot low, key high.
    const __m512i first8 = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i last8 = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __m512i lo = _mm512_set1_epi32((int)*min_bits), hi = _mm512_set1_epi32((int)*max_bits);
    size_t c = *count, j = 0;
    while (j < n && c + 16 <= capacity) {
        __mmask16 valid = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
        __m512 s = _mm512_maskz_loadu_ps(valid, row + j);
        __m512 key;
        switch (kind) {
        case KD_TOPK_DOT:
            key = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(s), sign));
            break;
        case KD_TOPK_COSINE: {
            __m512 g = _mm512_maskz_loadu_ps(valid, gf + j);
            __m512 p = _mm512_mul_ps(_mm512_mul_ps(s, qfv), g);
            key = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(p), sign));
            break;
        }
        default: {
            __m512 g = _mm512_maskz_loadu_ps(valid, gf + j);
            __m512 k = _mm512_sub_ps(_mm512_add_ps(qfv, g), _mm512_add_ps(s, s));
            key = _mm512_mask_mov_ps(k, _mm512_cmp_ps_mask(k, zero, _CMP_LT_OQ), zero);  // NaN stays NaN
            break;
        }
        }
        __mmask16 pass = _mm512_mask_cmp_ps_mask(valid, key, thr, _CMP_LT_OQ);
        __m512i b = _mm512_castps_si512(_mm512_add_ps(key, zero));
        __m512i bits = _mm512_xor_si512(b, _mm512_or_si512(_mm512_srai_epi32(b, 31), sign));
        lo = _mm512_mask_min_epu32(lo, pass, lo, bits);
        hi = _mm512_mask_max_epu32(hi, pass, hi, bits);
        __m512i slots = _mm512_add_epi32(_mm512_set1_epi32((int)(first_slot + (uint32_t)j)), iota);
        __m512i k32 = _mm512_maskz_compress_epi32(pass, bits);
        __m512i s32 = _mm512_maskz_compress_epi32(pass, slots);
        _mm512_storeu_si512((void *)(out + c), _mm512_permutex2var_epi32(s32, first8, k32));
        _mm512_storeu_si512((void *)(out + c + 8), _mm512_permutex2var_epi32(s32, last8, k32));
        c += (size_t)__builtin_popcount((unsigned)pass);
        j += n - j >= 16 ? 16 : n - j;
    }
    *count = c;
    *min_bits = _mm512_reduce_min_epu32(lo);
    *max_bits = _mm512_reduce_max_epu32(hi);
    return j;
}
#endif

int kd_topk_vectorized(void) {
#ifdef KD_TOPK_X86
    __builtin_cpu_init();  // idempotent; the runtime normally ran it at load time
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    return 0;
#endif
}

size_t kd_topk_append(int kind, const float *row, const float *gallery_factor, float query_factor, size_t n,
                      uint32_t first_slot, float threshold, uint64_t *out, size_t *count, size_t capacity,
                      uint32_t *min_bits, uint32_t *max_bits) {
#ifdef KD_TOPK_X86
    if (kd_topk_vectorized())
        return append_avx512(kind, row, gallery_factor, query_factor, n, first_slot, threshold, out, count, capacity,
                             min_bits, max_bits);
#endif
    return kd_topk_append_portable(kind, row, gallery_factor, query_factor, n, first_slot, threshold, out, count, capacity,
                                   min_bits, max_bits);
}
