// Hot loops of @digitlab/backend-wasm's training kernels, compiled to WebAssembly SIMD
// (scripts/build-kernels.sh). The module imports the tfjs-backend-wasm module's own memory, so
// every pointer below is a byte offset into the tfjs heap: tensors are read and written in
// place, with no copies. The functions use no stack and no static data (the build checks this),
// so instantiating the module writes nothing into memory that tfjs owns.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// MaxPoolGrad over disjoint windows (stride = window, no top/left padding), NHWC:
//   dx[n, h, w, c] = dy[n, oh, ow, c] if (h, w) is the first maximum (row-major) of window
//   (oh, ow) for channel c, else 0.
// Taps outside the input (bottom/right 'same' padding) are skipped; input rows/columns that no
// window covers are left untouched (the caller zeroes dx first in that case).
EXPORT(max_pool_grad_disjoint)
void max_pool_grad_disjoint(float *dx, const float *x, const float *dy, int batch, int in_height,
                            int in_width, int channels, int filter_height, int filter_width,
                            int out_height, int out_width) {
  const int row_stride = in_width * channels;
  const int c4 = channels & ~3;
  for (int n = 0; n < batch; n++) {
    const int image = n * in_height * row_stride;
    for (int oh = 0; oh < out_height; oh++) {
      const int h0 = oh * filter_height;
      const int rows = filter_height < in_height - h0 ? filter_height : in_height - h0;
      for (int ow = 0; ow < out_width; ow++) {
        const int w0 = ow * filter_width;
        const int cols = filter_width < in_width - w0 ? filter_width : in_width - w0;
        const float *g = dy + ((n * out_height + oh) * out_width + ow) * channels;
        const int first = image + h0 * row_stride + w0 * channels;
        int c = 0;
        for (; c < c4; c += 4) {
          // Running maximum and the flat index of its tap, 4 channels at a time; strictly
          // greater, so the first maximum wins like the cpu backend.
          v128_t best = wasm_v128_load(x + first + c);
          v128_t best_tap = wasm_i32x4_splat(0);
          for (int h = 0; h < rows; h++) {
            for (int w = 0; w < cols; w++) {
              if (h == 0 && w == 0) continue;
              const v128_t value = wasm_v128_load(x + first + h * row_stride + w * channels + c);
              const v128_t greater = wasm_f32x4_gt(value, best);
              best = wasm_v128_bitselect(value, best, greater);
              best_tap = wasm_v128_bitselect(wasm_i32x4_splat(h * filter_width + w), best_tap, greater);
            }
          }
          const v128_t gradient = wasm_v128_load(g + c);
          const v128_t zero = wasm_f32x4_splat(0.0f);
          for (int h = 0; h < rows; h++) {
            for (int w = 0; w < cols; w++) {
              const v128_t is_winner = wasm_i32x4_eq(best_tap, wasm_i32x4_splat(h * filter_width + w));
              wasm_v128_store(dx + first + h * row_stride + w * channels + c, wasm_v128_bitselect(gradient, zero, is_winner));
            }
          }
        }
        for (; c < channels; c++) {
          float best = x[first + c];
          int best_tap = 0;
          for (int h = 0; h < rows; h++) {
            for (int w = 0; w < cols; w++) {
              const float value = x[first + h * row_stride + w * channels + c];
              if (value > best) {
                best = value;
                best_tap = h * filter_width + w;
              }
            }
          }
          for (int h = 0; h < rows; h++) {
            for (int w = 0; w < cols; w++) {
              dx[first + h * row_stride + w * channels + c] = (h * filter_width + w) == best_tap ? g[c] : 0.0f;
            }
          }
        }
      }
    }
  }
}

// Column sums of a row-major [rows, columns] matrix: out[j] = Σ_i x[i, j]; the Sum of a tensor
// over its leading axes (bias and batch-norm gradients: Σ over N, H, W of an NHWC tensor).
// Accumulates in double like the cpu backend (`scratch` holds `columns` doubles), so long sums
// (N·H·W = 43,264 terms in the seed CNN) keep float32 accuracy.
EXPORT(column_sums)
void column_sums(float *out, const float *x, double *scratch, int rows, int columns) {
  for (int j = 0; j < columns; j++) scratch[j] = 0.0;
  for (int i = 0; i < rows; i++) {
    const float *row = x + i * columns;
    int j = 0;
    for (; j + 4 <= columns; j += 4) {
      const v128_t values = wasm_v128_load(row + j);
      v128_t low = wasm_v128_load(scratch + j);
      v128_t high = wasm_v128_load(scratch + j + 2);
      low = wasm_f64x2_add(low, wasm_f64x2_promote_low_f32x4(values));
      high = wasm_f64x2_add(high, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(values, values, 2, 3, 0, 1)));
      wasm_v128_store(scratch + j, low);
      wasm_v128_store(scratch + j + 2, high);
    }
    for (; j < columns; j++) scratch[j] += row[j];
  }
  for (int j = 0; j < columns; j++) out[j] = (float)scratch[j];
}

// Batch normalisation with per-channel statistics (the last axis), x a row-major
// [rows, columns] matrix:
//   out[i, j] = (x[i, j] − mean[j]) · factor[j] + offset[j],
// where the caller folds factor[j] = scale[j] / sqrt(variance[j] + ε).
EXPORT(batch_norm_channels)
void batch_norm_channels(float *out, const float *x, const float *mean, const float *factor,
                         const float *offset, int rows, int columns) {
  const int c4 = columns & ~3;
  for (int i = 0; i < rows; i++) {
    const float *row = x + i * columns;
    float *target = out + i * columns;
    int j = 0;
    for (; j < c4; j += 4) {
      const v128_t centred = wasm_f32x4_sub(wasm_v128_load(row + j), wasm_v128_load(mean + j));
      wasm_v128_store(target + j, wasm_f32x4_add(wasm_f32x4_mul(centred, wasm_v128_load(factor + j)), wasm_v128_load(offset + j)));
    }
    for (; j < columns; j++) target[j] = (row[j] - mean[j]) * factor[j] + offset[j];
  }
}
