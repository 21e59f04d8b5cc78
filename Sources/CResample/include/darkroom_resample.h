#ifndef DARKROOM_RESAMPLE_H
#define DARKROOM_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

/// Each row of an 8-bit RGB image reduced horizontally by a 16-tap filter in fixed point: output pixel x is the sum
/// of weights[x * 16 + k] / 16384 times input pixel starts[x] + k (k < 16), input pixels outside the row taking the
/// value of its nearest edge (starts[x] >= -16). `planes` is scratch space of 3 * (input_width + 48) values.
void darkroom_reduce_rows(const uint8_t *source, ptrdiff_t source_stride, int input_width, int rows, const int32_t *starts,
                          const int16_t *weights, int output_width, int16_t *planes, uint8_t *target, ptrdiff_t target_stride);

#endif
