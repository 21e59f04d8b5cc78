#include "darkroom_resample.h"

/* Written in C for one measurement (issue 31's ingest bar): libvips 8.14's horizontal Lanczos pass has no vector code
   for 8-bit images and took 23 of the 27 ms of a 2000 -> 1080 resize, and each of its passes is a pipeline of its own
   with an image in between. Compilers turn these loops into packed 16-bit multiply-adds with no target-specific code,
   one row at a time. On x86-64 they are compiled twice, for AVX2 and for any x86-64, and the loader picks the one the
   processor runs: a 12-megapixel photo's five reductions took 14 ms against 25 with the baseline's SSE2 alone. */

#if defined(__x86_64__) && defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif
/* The passes are inlined into each clone, so each is compiled for that clone's target. */
#define IN_EACH_CLONE static inline __attribute__((always_inline))

enum { PAD = 16, TAPS = 16 };

static inline uint8_t clamped(int32_t sum) {
    sum >>= 14;
    return sum < 0 ? 0 : sum > 255 ? 255 : (uint8_t) sum;
}

/* Output row `y` of the vertical pass, every band of every pixel at once. */
IN_EACH_CLONE void reduce_rows(const uint8_t *source, ptrdiff_t stride, int height, int length, const int32_t start,
                               const int16_t *weight, uint8_t *line) {
    const uint8_t *rows[TAPS];
    for (int k = 0; k < TAPS; k++) {
        int row = start + k;
        rows[k] = source + (row < 0 ? 0 : row >= height ? height - 1 : row) * stride;
    }
    for (int x = 0; x < length; x++) {
        int32_t sum = 1 << 13;
        for (int k = 0; k < TAPS; k++) sum += (int32_t) rows[k][x] * weight[k];
        line[x] = clamped(sum);
    }
}

/* The horizontal pass over one row: each band on its own, padded with its edge values on both sides, so every
   sixteen taps read contiguous values. */
IN_EACH_CLONE void reduce_columns(const uint8_t *line, int input_width, darkroom_taps columns, int output_width,
                                  int16_t *planes, uint8_t *out) {
    const int plane_length = input_width + 3 * PAD;
    for (int band = 0; band < 3; band++) {
        int16_t *plane = planes + band * plane_length;
        for (int i = 0; i < PAD; i++) plane[i] = line[band];
        for (int x = 0; x < input_width; x++) plane[PAD + x] = line[x * 3 + band];
        for (int i = PAD + input_width; i < plane_length; i++) plane[i] = line[(input_width - 1) * 3 + band];
    }
    for (int x = 0; x < output_width; x++) {
        const int16_t *weight = columns.weights + x * TAPS;
        const int offset = PAD + columns.starts[x];
        for (int band = 0; band < 3; band++) {
            const int16_t *value = planes + band * plane_length + offset;
            int32_t sum = 1 << 13;
            for (int k = 0; k < TAPS; k++) sum += (int32_t) value[k] * weight[k];
            out[band] = clamped(sum);
        }
        out += 3;
    }
}

VECTOR_CLONES void darkroom_reduce(const uint8_t *source, ptrdiff_t source_stride, int input_width, int input_height,
                                   darkroom_taps rows, darkroom_taps columns, int output_width, int output_height,
                                   int16_t *scratch, uint8_t *target, ptrdiff_t target_stride) {
    uint8_t *line = (uint8_t *) scratch;
    int16_t *planes = scratch + (3 * input_width + 1) / 2;
    for (int y = 0; y < output_height; y++) {
        reduce_rows(source, source_stride, input_height, 3 * input_width, rows.starts[y], rows.weights + y * TAPS, line);
        reduce_columns(line, input_width, columns, output_width, planes, target + y * target_stride);
    }
}
