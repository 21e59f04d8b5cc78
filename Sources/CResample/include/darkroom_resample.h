#ifndef DARKROOM_RESAMPLE_H
#define DARKROOM_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

/// Where each output pixel's (or row's) sixteen taps start in the input, and their weights in 1/16384ths.
typedef struct {
    const int32_t *starts;
    const int16_t *weights;
} darkroom_taps;

/// An 8-bit RGB image reduced by two 16-tap filters in fixed point, rows first: output row y is the sum of
/// rows.weights[y * 16 + k] / 16384 times input row rows.starts[y] + k, then output pixel x of that row the same sum
/// over columns; inputs outside the image take the value of its nearest edge (starts >= -16). `scratch` holds
/// 5 * input_width + 160 values.
void darkroom_reduce(const uint8_t *source, ptrdiff_t source_stride, int input_width, int input_height, darkroom_taps rows,
                     darkroom_taps columns, int output_width, int output_height, int16_t *scratch, uint8_t *target,
                     ptrdiff_t target_stride);

#endif
