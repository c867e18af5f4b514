// Hot loops of @digitlab/backend-wasm's training kernels, compiled to WebAssembly SIMD
// (scripts/build-kernels.sh). The module imports the tfjs-backend-wasm module's own memory, so
// every pointer below is a byte offset into the tfjs heap: tensors are read and written in
// place, with no copies. The functions use no stack and no static data (the build checks this),
// so instantiating the module writes nothing into memory that tfjs owns.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// MADD(acc, a, b) = acc + a·b on f32x4, the multiply-accumulate of the convolution loops.
// Plain build: mul then add (two roundings; 128-bit wasm SIMD has no FMA). Relaxed build
// (-DDIGITLAB_RELAXED_MADD -mrelaxed-simd): one f32x4.relaxed_madd, a fused multiply-add on x64
// with FMA3 and ARM (mul + add elsewhere; either rounding is allowed by the relaxed-SIMD spec).
// clang 14 only knows the relaxed-SIMD *prototype*: its builtin emits opcode 0xfd 0xaf 0x01
// ("f32x4.fma", which it defines as op0 + op1·op2), which no engine accepts any more;
// scripts/build-kernels.sh rewrites each such instruction to the standard relaxed_madd
// (0xfd 0x85 0x02), which computes op0·op1 + op2. Hence the operand order below: the
// accumulator goes last. (The intrinsic is opaque to LLVM — no folding or reassociation — so the
// operands reach the instruction in this order; the kernel tests check the result.)
#ifdef DIGITLAB_RELAXED_MADD
#define MADD(acc, a, b) ((v128_t)__builtin_wasm_fma_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(acc)))
#else
#define MADD(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#endif

// Declares the 4 × 8 tile's accumulators (row r: a<r>0, a<r>1), zeroed.
#define TILE_4X8_ZERO v128_t a00 = wasm_f32x4_splat(0.0f), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00

// One step of the 4 × 8 register tile from 4 scalars (the filter gradient's taps where they are not
// consecutive floats): row r of the tile (accumulators a<r>0, a<r>1, declared by the caller) +=
// broadcast(*p<r>) · [v0 v1].
#define TILE_4X8_STEP(p0, p1, p2, p3, v0, v1)                                  \
  do {                                                                         \
    v128_t t_ = wasm_v128_load32_splat(p0);                                    \
    a00 = MADD(a00, t_, (v0));                                                 \
    a01 = MADD(a01, t_, (v1));                                                 \
    t_ = wasm_v128_load32_splat(p1);                                           \
    a10 = MADD(a10, t_, (v0));                                                 \
    a11 = MADD(a11, t_, (v1));                                                 \
    t_ = wasm_v128_load32_splat(p2);                                           \
    a20 = MADD(a20, t_, (v0));                                                 \
    a21 = MADD(a21, t_, (v1));                                                 \
    t_ = wasm_v128_load32_splat(p3);                                           \
    a30 = MADD(a30, t_, (v0));                                                 \
    a31 = MADD(a31, t_, (v1));                                                 \
  } while (0)

// Stores the tile's first `count` rows at target, target + stride, ... (8 floats each).
#define TILE_4X8_STORE(target, stride, count)                                  \
  do {                                                                         \
    float *t_ = (target);                                                      \
    wasm_v128_store(t_, a00), wasm_v128_store(t_ + 4, a01);                    \
    if ((count) > 1) wasm_v128_store(t_ + (stride), a10), wasm_v128_store(t_ + (stride) + 4, a11); \
    if ((count) > 2) wasm_v128_store(t_ + 2 * (stride), a20), wasm_v128_store(t_ + 2 * (stride) + 4, a21); \
    if ((count) > 3) wasm_v128_store(t_ + 3 * (stride), a30), wasm_v128_store(t_ + 3 * (stride) + 4, a31); \
  } while (0)

// The fused kernels' epilogue (bias and relu) on 4 output channels of one pixel, bit for bit what
// an add and f32x4.max(·, 0) give, in three single-instruction steps (V8 turns f32x4.max into ~8
// instructions to order ±0 and NaN; pmax is one): v + bias (+ −0, the identity,
// where there is no bias); pmax(·, floor) = (· < floor ? floor : ·), floor 0 for relu (NaN passes)
// and −∞ otherwise (a no-op); + sign: +0 for relu, which turns −0 into +0 as max(−0, 0) does, else
// −0 (the identity).
typedef struct {
  v128_t floor, sign;
} relu_constants;

static inline relu_constants epilogue_relu(int relu) {
  const relu_constants with = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
  const relu_constants without = {wasm_f32x4_splat(-__builtin_inff()), wasm_f32x4_splat(-0.0f)};
  return relu ? with : without;
}

static inline v128_t epilogue_bias(const float *bias) {
  return bias ? wasm_v128_load(bias) : wasm_f32x4_splat(-0.0f);
}

// That epilogue with a residual added after the bias (`residual`: 4 floats of the same pixel and
// channels, 0: none), ((v + bias) + residual) then relu: bit for bit a bias-only convolution, an
// Add and a Relu (a ResNet block's last convolution, its shortcut and its ReLU in one pass).
static inline v128_t epilogue4_residual(v128_t v, v128_t bias, const float *residual, relu_constants r) {
  v = wasm_f32x4_add(v, bias);
  if (residual) v = wasm_f32x4_add(v, wasm_v128_load(residual));
  return wasm_f32x4_add(wasm_f32x4_pmax(v, r.floor), r.sign);
}

// Without a residual: FusedConv2D's bias and relu.
static inline v128_t epilogue4(v128_t v, v128_t bias, relu_constants r) {
  return epilogue4_residual(v, bias, 0, r);
}

// The same on one float (the kernels' channel tails): + *bias where `bias` is set, then relu with
// NaN passing and −0 to +0.
static inline float epilogue1(float v, const float *bias, int relu) {
  if (bias) v += *bias;
  return relu && !(v > 0.0f) ? (v != v ? v : 0.0f) : v;
}

// epilogue4 on the 4 × 8 tile's accumulators, output channels bias[0..7] (bias 0: none).
#define TILE_4X8_EPILOGUE(bias, relu)                                          \
  do {                                                                         \
    if ((bias) || (relu)) {                                                    \
      const relu_constants r_ = epilogue_relu(relu);                           \
      const float *p_ = (bias);                                                \
      v128_t b_ = epilogue_bias(p_);                                           \
      a00 = epilogue4(a00, b_, r_), a10 = epilogue4(a10, b_, r_);              \
      a20 = epilogue4(a20, b_, r_), a30 = epilogue4(a30, b_, r_);              \
      b_ = epilogue_bias(p_ ? p_ + 4 : p_);                                    \
      a01 = epilogue4(a01, b_, r_), a11 = epilogue4(a11, b_, r_);              \
      a21 = epilogue4(a21, b_, r_), a31 = epilogue4(a31, b_, r_);              \
    }                                                                          \
  } while (0)

// One step of the 4 × 8 tile from a vector holding the 4 rows' values: row r += broadcast(lane r
// of v) · [b0 b1] (lane broadcasts by shuffles; 12 live vectors with the accumulators).
#define TILE_4X8_VECTOR(v, b0, b1)                                             \
  do {                                                                         \
    const v128_t v_ = (v), b0_ = (b0), b1_ = (b1);                             \
    v128_t t_ = wasm_i32x4_shuffle(v_, v_, 0, 0, 0, 0);                        \
    a00 = MADD(a00, t_, b0_);                                                  \
    a01 = MADD(a01, t_, b1_);                                                  \
    t_ = wasm_i32x4_shuffle(v_, v_, 1, 1, 1, 1);                               \
    a10 = MADD(a10, t_, b0_);                                                  \
    a11 = MADD(a11, t_, b1_);                                                  \
    t_ = wasm_i32x4_shuffle(v_, v_, 2, 2, 2, 2);                               \
    a20 = MADD(a20, t_, b0_);                                                  \
    a21 = MADD(a21, t_, b1_);                                                  \
    t_ = wasm_i32x4_shuffle(v_, v_, 3, 3, 3, 3);                               \
    a30 = MADD(a30, t_, b0_);                                                  \
    a31 = MADD(a31, t_, b1_);                                                  \
  } while (0)

// The 4 × 8 tile over a packed panel (row r's value at step k at panel[4k + r]): row r +=
// Σ_k panel[4k + r] · b[k·b_stride .. + 7]: per k 4 broadcast loads of the rows' values from one
// pointer, 2 loads of b and 8 multiply-adds, 11 live vectors. The broadcasts are load-port work
// (vbroadcastss on x64) where one vector load and 4 lane shuffles (TILE_4X8_VECTOR) put 4
// shuffles beside the 8 multiply-adds on the vector pipes: bench/raw-kernels.mjs, both orders,
// the direct forward 12-17% faster (ResNet 28×28×16 34.6 → 40.4 GFLOP/s, 4×4×128 40.8 → 47.4,
// one thread, AMD EPYC) and its input gradient 5-18%. The filter gradients' sweeps, which load
// their taps from strided rows, measured no better this way and keep TILE_4X8_VECTOR. From 4
// row pointers (each its own address computation per k; clang 14 does not fold constant
// offsets into wasm loads) and with 20 live vectors (V8 spills) an earlier tile ran at 20-23
// GFLOP/s.
#define TILE_4X8_PANEL(panel, b, b_stride, depth)                              \
  do {                                                                         \
    const float *pa_ = (panel), *pb_ = (b);                                    \
    for (int k_ = 0; k_ < (depth); k_++, pa_ += 4, pb_ += (b_stride)) {        \
      const v128_t b0_ = wasm_v128_load(pb_), b1_ = wasm_v128_load(pb_ + 4); \
      TILE_4X8_STEP(pa_, pa_ + 1, pa_ + 2, pa_ + 3, b0_, b1_);                \
    }                                                                          \
  } while (0)

// Stores the transpose of the 4 × 4 block whose rows are v0..v3: its row j (lane j of each v) at
// t + j·stride.
static void store_transposed(float *t, int stride, v128_t v0, v128_t v1, v128_t v2, v128_t v3) {
  const v128_t low01 = wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5), low23 = wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5);
  const v128_t high01 = wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7), high23 = wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7);
  wasm_v128_store(t, wasm_i32x4_shuffle(low01, low23, 0, 1, 4, 5));
  wasm_v128_store(t + stride, wasm_i32x4_shuffle(low01, low23, 2, 3, 6, 7));
  wasm_v128_store(t + 2 * stride, wasm_i32x4_shuffle(high01, high23, 0, 1, 4, 5));
  wasm_v128_store(t + 3 * stride, wasm_i32x4_shuffle(high01, high23, 2, 3, 6, 7));
}

// Packs 4 rows into a panel for TILE_4X8_PANEL: panel[4k + r] = row r's k-th value, where each row
// is `parts` runs of `run` consecutive floats, run p starting at p·part_stride (a convolution's
// filter_height tap rows of one pixel; one run for a plain matrix row). 4 × 4 blocks transposed
// (store_transposed).
static void pack_panel(float *panel, const float *r0, const float *r1, const float *r2, const float *r3,
                       int parts, int run, int part_stride) {
  for (int part = 0, o = 0; part < parts; part++, o += part_stride) {
    int j = o;
    for (; j + 4 <= o + run; j += 4, panel += 16) {
      store_transposed(panel, 4, wasm_v128_load(r0 + j), wasm_v128_load(r1 + j), wasm_v128_load(r2 + j), wasm_v128_load(r3 + j));
    }
    for (; j < o + run; j++, panel += 4) panel[0] = r0[j], panel[1] = r1[j], panel[2] = r2[j], panel[3] = r3[j];
  }
}

// Runs its body for every window (n, oh, ow) of a pooling with disjoint windows (stride = window, no
// top/left padding) in the scope of the two kernels below: `window` is the window's index in
// [N, OH, OW], `origin` the offset of its first tap in x[N, H, W, C], `rows` × `cols` its taps inside x.
#define FOR_EACH_DISJOINT_WINDOW(...)                                          \
  for (int n = 0, window = 0; n < batch; n++)                                  \
    for (int oh = 0; oh < out_height; oh++) {                                  \
      const int h0 = oh * filter_height;                                       \
      const int rows = filter_height < in_height - h0 ? filter_height : in_height - h0; \
      for (int ow = 0; ow < out_width; ow++, window++) {                       \
        const int w0 = ow * filter_width;                                      \
        const int cols = filter_width < in_width - w0 ? filter_width : in_width - w0; \
        const int origin = ((n * in_height + h0) * in_width + w0) * channels;  \
        __VA_ARGS__                                                            \
      }                                                                        \
    }

// MaxPool over disjoint windows (stride = window, no top/left padding), NHWC:
//   out[n, oh, ow, c] = the first maximum, in row-major window order, of the window's taps inside x
// (a later tap wins only when strictly greater, so NaN never replaces a number: f32x4.pmax, one
// maxps on x64), the value whose position max_pool_grad_disjoint routes the gradient to. Taps
// outside the input (bottom/right 'same' padding) are skipped. 2 × 2 windows unrolled.
EXPORT(max_pool_disjoint)
void max_pool_disjoint(float *out, const float *x, int batch, int in_height, int in_width, int channels,
                       int filter_height, int filter_width, int out_height, int out_width) {
  const int row_stride = in_width * channels;
  const int c4 = channels & ~3;
  FOR_EACH_DISJOINT_WINDOW(
        const float *first = x + origin;
        float *target = out + window * channels;
        int c = 0;
        if (rows == 2 && cols == 2) {
          for (; c < c4; c += 4) {
            v128_t best = wasm_f32x4_pmax(wasm_v128_load(first + c), wasm_v128_load(first + channels + c));
            best = wasm_f32x4_pmax(best, wasm_v128_load(first + row_stride + c));
            wasm_v128_store(target + c, wasm_f32x4_pmax(best, wasm_v128_load(first + row_stride + channels + c)));
          }
        }
        for (; c < c4; c += 4) {
          v128_t best = wasm_v128_load(first + c);
          for (int h = 0; h < rows; h++)
            for (int w = 0; w < cols; w++) best = wasm_f32x4_pmax(best, wasm_v128_load(first + h * row_stride + w * channels + c));
          wasm_v128_store(target + c, best);
        }
        for (; c < channels; c++) {
          float best = first[c];
          for (int h = 0; h < rows; h++)
            for (int w = 0; w < cols; w++) {
              const float value = first[h * row_stride + w * channels + c];
              if (value > best) best = value;
            }
          target[c] = best;
        }
  )
}

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
  FOR_EACH_DISJOINT_WINDOW(
        const float *g = dy + window * channels;
        const int first = origin;
        int c = 0;
        if (rows == 2 && cols == 2) {
          // The zoo's 2 × 2 windows, unrolled: taps a b / d e in row-major order, each later tap
          // winning only when strictly greater than the maximum so far (NaN never wins).
          const float *x0 = x + first, *x1 = x0 + row_stride;
          float *t0 = dx + first, *t1 = t0 + row_stride;
          for (; c < c4; c += 4) {
            const v128_t a = wasm_v128_load(x0 + c), b = wasm_v128_load(x0 + channels + c);
            const v128_t d = wasm_v128_load(x1 + c), e = wasm_v128_load(x1 + channels + c);
            const v128_t gb = wasm_f32x4_gt(b, a);
            const v128_t m = wasm_v128_bitselect(b, a, gb);
            const v128_t gd = wasm_f32x4_gt(d, m);
            const v128_t ge = wasm_f32x4_gt(e, wasm_v128_bitselect(d, m, gd));
            const v128_t gradient = wasm_v128_load(g + c);
            const v128_t later = wasm_v128_or(gd, ge); // d or e beat a and b
            wasm_v128_store(t1 + channels + c, wasm_v128_and(gradient, ge));
            wasm_v128_store(t1 + c, wasm_v128_and(gradient, wasm_v128_andnot(gd, ge)));
            wasm_v128_store(t0 + channels + c, wasm_v128_and(gradient, wasm_v128_andnot(gb, later)));
            wasm_v128_store(t0 + c, wasm_v128_andnot(gradient, wasm_v128_or(gb, later)));
          }
        }
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
  )
}

// Relu's gradient in one pass: dx[i] = dy[i] · step(x[i]), step(x) = 1 for x > 0, 0 otherwise and
// NaN for NaN, as tfjs-core's mul(dy, step(x)) computes it in two kernels and a temporary (so the
// result is the same to the bit: dy·1, dy·0 = ±0 or NaN for infinite dy, NaN through).
EXPORT(relu_gradient)
void relu_gradient(float *dx, const float *dy, const float *x, int size) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= size; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    const v128_t step = wasm_v128_bitselect(v, wasm_v128_and(one, wasm_f32x4_gt(v, zero)), wasm_f32x4_ne(v, v));
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step));
  }
  for (; i < size; i++) dx[i] = dy[i] * (x[i] != x[i] ? x[i] : x[i] > 0.0f ? 1.0f : 0.0f);
}

// ReLU out of place, out[i] = max(x[i], 0), as tfjs's cpu backend computes it: NaN through
// (f32x4.max returns NaN when either operand is one, as Math.max does) and max(−0, 0) = +0.
EXPORT(relu)
void relu(float *out, const float *x, int size) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= size; i += 4) wasm_v128_store(out + i, wasm_f32x4_max(wasm_v128_load(x + i), zero));
  for (; i < size; i++) out[i] = x[i] > 0.0f || x[i] != x[i] ? x[i] : 0.0f;
}

// Adds a block's float32 partial sums (4 columns) into double accumulators.
static inline void add_block_sums(double *target, v128_t sum) {
  wasm_v128_store(target, wasm_f64x2_add(wasm_v128_load(target), wasm_f64x2_promote_low_f32x4(sum)));
  wasm_v128_store(target + 2, wasm_f64x2_add(wasm_v128_load(target + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(sum, sum, 2, 3, 0, 1))));
}

// Column sums of a row-major [rows, columns] matrix: out[j] = Σ_i x[i, j]; the Sum of a tensor
// over its leading axes (bias and batch-norm gradients: Σ over N, H, W of an NHWC tensor).
// Blocks of COLUMN_SUM_BLOCK rows are summed in float32 vectors (L1-resident: the block's rows are
// re-read per 4 columns) and the block sums added in double (`scratch`: `columns` doubles), so long
// sums (N·H·W = 43,264 terms in the seed CNN) keep float32 accuracy: a block adds at most 15
// roundings of its own partial sums. Adding every element in double took ~10 instructions per 4
// floats; this takes 2.
#define COLUMN_SUM_BLOCK 16
EXPORT(column_sums)
void column_sums(float *out, const float *x, double *scratch, int rows, int columns) {
  for (int j = 0; j < columns; j++) scratch[j] = 0.0;
  for (int i0 = 0; i0 < rows; i0 += COLUMN_SUM_BLOCK) {
    const int i1 = rows - i0 < COLUMN_SUM_BLOCK ? rows : i0 + COLUMN_SUM_BLOCK;
    int j = 0;
    for (; j + 4 <= columns; j += 4) {
      const float *p = x + i0 * columns + j;
      v128_t sum = wasm_v128_load(p);
      for (int i = i0 + 1; i < i1; i++) sum = wasm_f32x4_add(sum, wasm_v128_load(p += columns));
      add_block_sums(scratch + j, sum);
    }
    for (; j < columns; j++) {
      for (int i = i0; i < i1; i++) scratch[j] += x[i * columns + j];
    }
  }
  for (int j = 0; j < columns; j++) out[j] = (float)scratch[j];
}

// The biased batch variance's numerator per channel, x a row-major [rows, columns] matrix:
//   sums[j] = Σ_i (x[i, j] − mean[j])²   (`columns` doubles),
// the second pass of a batch-norm layer's statistics (the first is column_sums): one read of x where
// tfjs's moments writes x − μ, then its square, then reads that back. Blocks as in column_sums.
EXPORT(centred_square_sums)
void centred_square_sums(double *sums, const float *x, const float *mean, int rows, int columns) {
  for (int j = 0; j < columns; j++) sums[j] = 0.0;
  for (int i0 = 0; i0 < rows; i0 += COLUMN_SUM_BLOCK) {
    const int i1 = rows - i0 < COLUMN_SUM_BLOCK ? rows : i0 + COLUMN_SUM_BLOCK;
    int j = 0;
    for (; j + 4 <= columns; j += 4) {
      const v128_t mu = wasm_v128_load(mean + j);
      const float *p = x + i0 * columns + j;
      v128_t sum = wasm_f32x4_splat(0.0f);
      for (int i = i0; i < i1; i++, p += columns) {
        const v128_t d = wasm_f32x4_sub(wasm_v128_load(p), mu);
        sum = wasm_f32x4_add(sum, wasm_f32x4_mul(d, d));
      }
      add_block_sums(sums + j, sum);
    }
    for (; j < columns; j++) {
      for (int i = i0; i < i1; i++) {
        const float d = x[i * columns + j] - mean[j];
        sums[j] += d * d;
      }
    }
  }
}

// The two reductions of a batch-norm layer's gradient, in one read of dy and x:
//   sums[j] = Σ_i dy[i, j],   sums[columns + j] = Σ_i dy[i, j] · (x[i, j] − mean[j])   (2 · columns doubles).
EXPORT(batch_norm_gradient_sums)
void batch_norm_gradient_sums(double *sums, const float *dy, const float *x, const float *mean, int rows, int columns) {
  double *products = sums + columns;
  for (int j = 0; j < 2 * columns; j++) sums[j] = 0.0;
  for (int i0 = 0; i0 < rows; i0 += COLUMN_SUM_BLOCK) {
    const int i1 = rows - i0 < COLUMN_SUM_BLOCK ? rows : i0 + COLUMN_SUM_BLOCK;
    int j = 0;
    for (; j + 4 <= columns; j += 4) {
      const v128_t mu = wasm_v128_load(mean + j);
      const int start = i0 * columns + j;
      const float *p = x + start, *g = dy + start;
      v128_t sum = wasm_f32x4_splat(0.0f), product = sum;
      for (int i = i0; i < i1; i++, p += columns, g += columns) {
        const v128_t gradient = wasm_v128_load(g);
        sum = wasm_f32x4_add(sum, gradient);
        product = wasm_f32x4_add(product, wasm_f32x4_mul(gradient, wasm_f32x4_sub(wasm_v128_load(p), mu)));
      }
      add_block_sums(sums + j, sum);
      add_block_sums(products + j, product);
    }
    for (; j < columns; j++) {
      for (int i = i0; i < i1; i++) {
        const float gradient = dy[i * columns + j];
        sums[j] += gradient;
        products[j] += gradient * (x[i * columns + j] - mean[j]);
      }
    }
  }
}

// A batch-norm layer's input gradient once its per-channel sums are folded into a, b, c
// (coefficients = [a | b | c], 3 · columns floats):
//   dx[i, j] = dy[i, j] · a[j] + (x[i, j] − mean[j]) · b[j] + c[j].
// x − μ is taken before scaling: a layer whose mean is large against its spread would otherwise
// lose digits to x·b − μ·b.
EXPORT(batch_norm_input_gradient)
void batch_norm_input_gradient(float *dx, const float *dy, const float *x, const float *mean, const float *coefficients,
                               int rows, int columns) {
  const float *a = coefficients, *b = coefficients + columns, *c = coefficients + 2 * columns;
  const int c4 = columns & ~3;
  for (int i = 0; i < rows; i++) {
    const int start = i * columns;
    int j = 0;
    for (; j < c4; j += 4) {
      const v128_t centred = wasm_f32x4_sub(wasm_v128_load(x + start + j), wasm_v128_load(mean + j));
      const v128_t value = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(dy + start + j), wasm_v128_load(a + j)),
                                          wasm_f32x4_mul(centred, wasm_v128_load(b + j)));
      wasm_v128_store(dx + start + j, wasm_f32x4_add(value, wasm_v128_load(c + j)));
    }
    for (; j < columns; j++) dx[start + j] = dy[start + j] * a[j] + (x[start + j] - mean[j]) * b[j] + c[j];
  }
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

// n floats from source to target, 4 at a time (unaligned v128 loads and stores; the tail one by
// one): the rows of pad_images and crop_images, which clang -Os leaves scalar when written as a loop.
static void copy_floats(float *target, const float *source, int n) {
  int j = 0;
  for (; j + 4 <= n; j += 4) wasm_v128_store(target + j, wasm_v128_load(source + j));
  for (; j < n; j++) target[j] = source[j];
}

// n zeros at target, 4 at a time.
static void zero_floats(float *target, int n) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  int j = 0;
  for (; j + 4 <= n; j += 4) wasm_v128_store(target + j, zero);
  for (; j < n; j++) target[j] = 0.0f;
}

// Copies images x[N, H, W, C] into a zero-padded xp[N, Hp, Wp, C]:
//   xp[n, h, w, c] = x[n, h − pad_top, w − pad_left, c] where that is inside x, else 0.
// Rows/columns of x past Hp − pad_top / Wp − pad_left (taps a strided 'valid' convolution never
// reads) are dropped. Lets conv2d_backprop_filter read every tap without a bounds test.
EXPORT(pad_images)
void pad_images(float *xp, const float *x, int batch, int height, int width, int channels, int pad_top,
                int pad_left, int padded_height, int padded_width) {
  const int row = width * channels;
  const int padded_row = padded_width * channels;
  const int left = pad_left * channels;
  const int copied = (width < padded_width - pad_left ? width : padded_width - pad_left) * channels;
  for (int n = 0; n < batch; n++) {
    for (int hp = 0; hp < padded_height; hp++) {
      float *target = xp + (n * padded_height + hp) * padded_row;
      const int h = hp - pad_top;
      if (h >= 0 && h < height) {
        zero_floats(target, left);
        copy_floats(target + left, x + (n * height + h) * row, copied);
        zero_floats(target + left + copied, padded_row - left - copied);
      } else {
        zero_floats(target, padded_row);
      }
    }
  }
}

// off(k) of reduction row k = (kh, kw, c) (see conv2d_backprop_filter); rows past the end reuse
// the last one, so a partial tile reads valid memory.
static int tap_offset(int k, int depth, int channels, int filter_width, int padded_width) {
  const int kk = k < depth ? k : depth - 1;
  const int tap = kk / channels; // kh·KW + kw
  return ((tap / filter_width) * padded_width + tap % filter_width) * channels + kk % channels;
}

// Conv2DBackpropFilter, direct (no im2col), over zero-padded images xp[N, Hp, Wp, C] (NHWC) and
// the output gradient dy[N, OH, OW, CO]; dw is HWIO, read as a row-major [K, CO] matrix with
// k = (kh, kw, c):
//   dW[k, co] = Σ_{n, oh, ow} xp[origin(n, oh, ow) + off(k)] · dy[n, oh, ow, co],
//   origin(n, oh, ow) = ((n·Hp + oh·sh)·Wp + ow·sw)·C,   off(kh, kw, c) = (kh·Wp + kw)·C + c.
// Register tile: 4 k × 8 co (8 f32x4 accumulators; x taps broadcast, dy rows loaded as vectors),
// kept within the 16 xmm registers V8 maps wasm SIMD to. Per block of images (whose x and dy
// stay in L2: ≤ 64 Ki floats together), each tile loads its accumulators from dw, sweeps all
// pixels of the block and stores them back (small images: one image alone is too few pixels to
// pay for the accumulator loads and stores).
// The k tail reuses the last k's offset for the missing rows and does not store them; the co
// tail runs 4-wide, then scalar.
EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(float *dw, const float *xp, const float *dy, int batch, int padded_height,
                            int padded_width, int channels, int filter_height, int filter_width,
                            int out_height, int out_width, int out_channels, int stride_height,
                            int stride_width) {
  const int depth = filter_height * filter_width * channels;
  const int pixels = out_height * out_width;
  const int row_step = stride_height * padded_width * channels;
  const int column_step = stride_width * channels;
  const int co8 = out_channels & ~7;
  for (int i = 0; i < depth * out_channels; i++) dw[i] = 0.0f;
  const int image_size = padded_height * padded_width * channels;
  int block = 65536 / (image_size + pixels * out_channels);
  if (block < 1) block = 1;
  for (int n0 = 0; n0 < batch; n0 += block) {
    const int images = batch - n0 < block ? batch - n0 : block;
    const float *first_image = xp + n0 * image_size;
    const float *gradient = dy + n0 * pixels * out_channels;
    for (int k = 0; k < depth; k += 4) {
      const int o0 = tap_offset(k, depth, channels, filter_width, padded_width);
      const int o1 = tap_offset(k + 1, depth, channels, filter_width, padded_width);
      const int o2 = tap_offset(k + 2, depth, channels, filter_width, padded_width);
      const int o3 = tap_offset(k + 3, depth, channels, filter_width, padded_width);
      const int rows = depth - k < 4 ? depth - k : 4;
      float *w0 = dw + k * out_channels;
      float *w1 = w0 + out_channels;
      float *w2 = w1 + out_channels;
      float *w3 = w2 + out_channels;
      int co = 0;
      for (; co < co8; co += 8) {
        v128_t a00 = wasm_v128_load(w0 + co), a01 = wasm_v128_load(w0 + co + 4);
        v128_t a10 = rows > 1 ? wasm_v128_load(w1 + co) : wasm_f32x4_splat(0.0f), a11 = rows > 1 ? wasm_v128_load(w1 + co + 4) : wasm_f32x4_splat(0.0f);
        v128_t a20 = rows > 2 ? wasm_v128_load(w2 + co) : wasm_f32x4_splat(0.0f), a21 = rows > 2 ? wasm_v128_load(w2 + co + 4) : wasm_f32x4_splat(0.0f);
        v128_t a30 = rows > 3 ? wasm_v128_load(w3 + co) : wasm_f32x4_splat(0.0f), a31 = rows > 3 ? wasm_v128_load(w3 + co + 4) : wasm_f32x4_splat(0.0f);
        const float *g = gradient + co;
        // The pixel sweep; when the 4 taps are consecutive floats (C % 4 = 0, k a multiple of 4)
        // one vector load holds them (TILE_4X8_VECTOR) instead of 4 broadcast loads from 4
        // computed addresses.
#define DW_SWEEP(step)                                                         \
        for (const float *image = first_image; image < first_image + images * image_size; image += image_size) \
          for (int oh = 0; oh < out_height; oh++) {                            \
            const float *p = image + oh * row_step + o0;                       \
            for (int ow = 0; ow < out_width; ow++, p += column_step, g += out_channels) { \
              const v128_t g0 = wasm_v128_load(g), g1 = wasm_v128_load(g + 4);  \
              step;                                                            \
            }                                                                  \
          }
        if (o1 == o0 + 1 && o2 == o0 + 2 && o3 == o0 + 3) {
          DW_SWEEP(TILE_4X8_VECTOR(wasm_v128_load(p), g0, g1))
        } else {
          DW_SWEEP(TILE_4X8_STEP(p, p + (o1 - o0), p + (o2 - o0), p + (o3 - o0), g0, g1))
        }
#undef DW_SWEEP
        wasm_v128_store(w0 + co, a00), wasm_v128_store(w0 + co + 4, a01);
        if (rows > 1) wasm_v128_store(w1 + co, a10), wasm_v128_store(w1 + co + 4, a11);
        if (rows > 2) wasm_v128_store(w2 + co, a20), wasm_v128_store(w2 + co + 4, a21);
        if (rows > 3) wasm_v128_store(w3 + co, a30), wasm_v128_store(w3 + co + 4, a31);
      }
      for (; co < out_channels; co += 4) {
        // 4-wide tail; a last partial group of 1-3 channels goes through scalars.
        const int lanes = out_channels - co < 4 ? out_channels - co : 4;
        for (int j = 0; j < rows; j++) {
          float *wj = w0 + j * out_channels;
          const int oj = j == 0 ? o0 : j == 1 ? o1 : j == 2 ? o2 : o3;
          if (lanes == 4) {
            v128_t a = wasm_v128_load(wj + co);
            const float *g = gradient + co;
            for (const float *image = first_image; image < first_image + images * image_size; image += image_size)
            for (int oh = 0; oh < out_height; oh++) {
              const float *origin = image + oh * row_step + oj;
              for (int ow = 0; ow < out_width; ow++, origin += column_step, g += out_channels)
                a = MADD(a, wasm_v128_load32_splat(origin), wasm_v128_load(g));
            }
            wasm_v128_store(wj + co, a);
          } else {
            for (int l = 0; l < lanes; l++) {
              float a = wj[co + l];
              const float *g = gradient + co + l;
              for (const float *image = first_image; image < first_image + images * image_size; image += image_size)
              for (int oh = 0; oh < out_height; oh++) {
                const float *origin = image + oh * row_step + oj;
                for (int ow = 0; ow < out_width; ow++, origin += column_step, g += out_channels) a += *origin * *g;
              }
              wj[co + l] = a;
            }
          }
        }
      }
    }
  }
}

// col2im for Conv2DBackpropInput: scatters the GEMM product cols[M, K] (M = N·OH·OW output
// pixels, K = KH·KW·C taps, cols = dy · Wᵀ) back onto the input gradient dx[N, H, W, C]:
//   dx[n, oh·sh + kh − pad_top, ow·sw + kw − pad_left, c] += cols[(n, oh, ow), (kh, kw, c)],
// dropping taps that fall into the padding. dx is zeroed first.
EXPORT(col2im)
void col2im(float *dx, const float *cols, int batch, int height, int width, int channels, int filter_height,
            int filter_width, int out_height, int out_width, int stride_height, int stride_width, int pad_top,
            int pad_left) {
  const int row = width * channels;
  const int c4 = channels & ~3;
  for (int i = 0; i < batch * height * row; i++) dx[i] = 0.0f;
  for (int n = 0; n < batch; n++) {
    float *image = dx + n * height * row;
    for (int oh = 0; oh < out_height; oh++) {
      for (int ow = 0; ow < out_width; ow++) {
        for (int kh = 0; kh < filter_height; kh++) {
          const int h = oh * stride_height + kh - pad_top;
          for (int kw = 0; kw < filter_width; kw++, cols += channels) {
            const int w = ow * stride_width + kw - pad_left;
            if (h < 0 || h >= height || w < 0 || w >= width) continue;
            float *target = image + h * row + w * channels;
            int c = 0;
            for (; c < c4; c += 4) wasm_v128_store(target + c, wasm_f32x4_add(wasm_v128_load(target + c), wasm_v128_load(cols + c)));
            for (; c < channels; c++) target[c] += cols[c];
          }
        }
      }
    }
  }
}

// wt[CO, K8] = W[K, CO]ᵀ with columns K..K8−1 zero (K8 = K rounded up to 8), so that
// conv2d_backprop_input reads whole 8-wide column tiles.
EXPORT(transpose_filter)
void transpose_filter(float *wt, const float *w, int depth, int out_channels, int padded_depth) {
  for (int co = 0; co < out_channels; co++)
    for (int k = 0; k < padded_depth; k++) wt[co * padded_depth + k] = k < depth ? w[k * out_channels + co] : 0.0f;
}

// t[j, i] = m[i, j] for an R × K matrix m (a filter tap's [C, CO] into [CO, C]: the channel swap of
// the input gradient's filters), 4 × 4 blocks through registers (store_transposed) so that both
// sides move whole vectors; the rows and columns past the last multiple of 4 one float at a time.
EXPORT(transpose_matrix)
void transpose_matrix(float *t, const float *m, int rows, int columns) {
  const int rows4 = rows & ~3, columns4 = columns & ~3;
  for (int i = 0; i < rows4; i += 4) {
    const float *r = m + i * columns;
    for (int j = 0; j < columns4; j += 4) {
      store_transposed(t + j * rows + i, rows, wasm_v128_load(r + j), wasm_v128_load(r + columns + j), wasm_v128_load(r + 2 * columns + j),
                       wasm_v128_load(r + 3 * columns + j));
    }
  }
  for (int i = 0; i < rows; i++) {
    for (int j = i < rows4 ? columns4 : 0; j < columns; j++) t[j * rows + i] = m[i * columns + j];
  }
}

// Crops the padded input gradient dxp[N, Hp, Wp, C] into dx[N, H, W, C]:
//   dx[n, h, w, c] = dxp[n, h + pad_top, w + pad_left, c], 0 where that is past Hp / Wp.
EXPORT(crop_images)
void crop_images(float *dx, const float *dxp, int batch, int height, int width, int channels, int pad_top,
                 int pad_left, int padded_height, int padded_width) {
  const int row = width * channels;
  const int padded_row = padded_width * channels;
  const int copied = (width < padded_width - pad_left ? width : padded_width - pad_left) * channels;
  for (int n = 0; n < batch; n++) {
    for (int h = 0; h < height; h++) {
      float *target = dx + (n * height + h) * row;
      const int hp = h + pad_top;
      int j = 0;
      if (hp < padded_height) {
        copy_floats(target, dxp + (n * padded_height + hp) * padded_row + pad_left * channels, copied);
        j = copied;
      }
      zero_floats(target + j, row - j);
    }
  }
}

// Writes one phase of a strided layer's input gradient into dx[N, H, W, C]:
//   dx[n, row0 + i·row_step, col0 + j·col_step, c] = phase[n, i, j, c]
// for phase[N, PH, PW, C] (PH, PW: the rows and columns of dx with those offsets). The strided
// input gradient computed as stride_h · stride_w stride-1 convolutions, one per phase.
EXPORT(scatter_phase)
void scatter_phase(float *dx, const float *phase, int batch, int height, int width, int channels, int phase_height,
                   int phase_width, int row0, int col0, int row_step, int col_step) {
  const int c4 = channels & ~3;
  for (int n = 0; n < batch; n++) {
    for (int i = 0; i < phase_height; i++) {
      float *target = dx + ((n * height + row0 + i * row_step) * width + col0) * channels;
      const float *source = phase + (n * phase_height + i) * phase_width * channels;
      for (int j = 0; j < phase_width; j++, target += col_step * channels, source += channels) {
        int c = 0;
        for (; c < c4; c += 4) wasm_v128_store(target + c, wasm_v128_load(source + c));
        for (; c < channels; c++) target[c] = source[c];
      }
    }
  }
}

// Conv2D (forward), direct: the GEMM of im2col without its buffer, over zero-padded images
// xp[N, Hp, Wp, C] (origin/off as in conv2d_backprop_filter) and the HWIO filter read as a
// row-major [K, CO] matrix with k = (kh, kw, c):
//   out[n, oh, ow, co] = Σ_k xp[origin(n, oh, ow) + off(k)] · w[k, co].
// For one kh the taps (kw, c) are KW·C consecutive floats of xp, so 4 output pixels' K taps are
// KH runs each, packed into `panel` (4·K floats, the caller's scratch) once and swept by every
// block of 8 co (TILE_4X8_PANEL over w packed after the panel into contiguous K × 8 slices).
// A last quad of fewer than 4 pixels repeats its last pixel (valid reads) and stores only its own;
// co past the last multiple of 8 goes through scalars. `bias` (0: none) and `relu`: FusedConv2D's
// epilogue on each stored value (epilogue4).
void pack_columns(float *bp, const float *b, int depth, int columns, int transposed); // below, with matmul

static const float *pixel_origin(const float *image, int m, int out_width, int stride_height, int stride_width,
                                 int padded_width, int channels) {
  return image + ((m / out_width) * stride_height * padded_width + (m % out_width) * stride_width) * channels;
}

EXPORT(conv2d_forward)
void conv2d_forward(float *out, const float *xp, const float *w, float *panel, int batch, int padded_height,
                    int padded_width, int channels, int filter_height, int filter_width, int out_height,
                    int out_width, int out_channels, int stride_height, int stride_width, const float *bias, int relu) {
  const int pixels = out_height * out_width;
  const int image_size = padded_height * padded_width * channels;
  const int tap_row = padded_width * channels;
  const int span = filter_width * channels;
  const int depth = filter_height * span;
  const int co8 = out_channels & ~7;
  // w's 8-column blocks packed after the pixel panel (pack_columns): each tile streams one contiguous
  // K × 8 slice instead of rows CO floats apart (5 × 5 stride-2 layers: 5-10% in a scratch harness).
  float *wp = panel + 4 * depth;
  pack_columns(wp, w, depth, out_channels, 0);
  // One input channel at stride 1 (every first layer of the zoo): a quad of 4 consecutive output
  // pixels of one row reads each tap from 4 consecutive floats of xp, so xp itself serves as the
  // panel and nothing is packed; a row's last quad overlaps the previous one (the same sums again).
  const int direct = channels == 1 && stride_width == 1 && out_width >= 4;
  for (int n = 0; n < batch; n++) {
    const float *image = xp + n * image_size;
    float *target = out + n * pixels * out_channels;
    for (int oh = 0; direct && oh < out_height; oh++) {
      for (int ow0 = 0; ow0 < out_width; ow0 += 4) {
        const int ow = ow0 + 4 <= out_width ? ow0 : out_width - 4;
        const float *origin = image + oh * stride_height * padded_width + ow;
        for (int co = 0; co < co8; co += 8) {
          TILE_4X8_ZERO;
          const float *wk = wp + co * depth;
          for (int kh = 0; kh < filter_height; kh++) {
            const float *taps = origin + kh * padded_width;
            for (int kw = 0; kw < filter_width; kw++, wk += 8) TILE_4X8_VECTOR(wasm_v128_load(taps + kw), wasm_v128_load(wk), wasm_v128_load(wk + 4));
          }
          TILE_4X8_EPILOGUE(bias ? bias + co : 0, relu);
          TILE_4X8_STORE(target + (oh * out_width + ow) * out_channels + co, out_channels, 4);
        }
      }
    }
    for (int m = 0; m < pixels && co8 > 0 && !direct; m += 4) {
      const int count = pixels - m < 4 ? pixels - m : 4;
      const float *x0 = pixel_origin(image, m, out_width, stride_height, stride_width, padded_width, channels);
      const float *x1 = pixel_origin(image, count > 1 ? m + 1 : m, out_width, stride_height, stride_width, padded_width, channels);
      const float *x2 = pixel_origin(image, count > 2 ? m + 2 : m, out_width, stride_height, stride_width, padded_width, channels);
      const float *x3 = pixel_origin(image, count > 3 ? m + 3 : m, out_width, stride_height, stride_width, padded_width, channels);
      pack_panel(panel, x0, x1, x2, x3, filter_height, span, tap_row);
      for (int co = 0; co < co8; co += 8) {
        TILE_4X8_ZERO;
        TILE_4X8_PANEL(panel, wp + co * depth, 8, depth);
        TILE_4X8_EPILOGUE(bias ? bias + co : 0, relu);
        TILE_4X8_STORE(target + m * out_channels + co, out_channels, count);
      }
    }
    for (int m = 0; m < pixels && co8 < out_channels; m++) {
      const float *x = pixel_origin(image, m, out_width, stride_height, stride_width, padded_width, channels);
      for (int co = co8; co < out_channels; co++) {
        float sum = 0.0f;
        const float *row = w + co;
        for (int kh = 0; kh < filter_height; kh++) {
          const int o = kh * tap_row;
          for (int j = o; j < o + span; j++, row += out_channels) sum += x[j] * *row;
        }
        target[m * out_channels + co] = epilogue1(sum, bias ? bias + co : 0, relu);
      }
    }
  }
}

// Winograd F(2×2, 3×3) for 3 × 3 stride-1 convolutions (Lavin & Gray 2015): each 2 × 2 block of
// output pixels ("tile") comes from the 4 × 4 input window d at its top-left corner as
//   Y = Aᵀ [ Σ_c (G g_{c,co} Gᵀ) ⊙ (Bᵀ d_c B) ] A,
// 16 products per tile, input channel and output channel where the direct convolution needs 36:
// the GEMM stage is 16 GEMMs (one per position p = 4i + j of the 4 × 4 transformed tile) of
// [tiles, C] · [C, CO], run by TILE_4X8_PANEL over 4 tiles at a time. The transforms are adds and
// subtractions (G has halves: exact in float), vectorised over 4 channels.
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].

// u[p, c, co] = (G g Gᵀ)[p] with g[kh, kw] = w[kh, kw, c, co] (HWIO), 4 co at a time (CO % 4 = 0),
// for `channels` consecutive input channels; `tap` floats from one tap (or position) to the next, the
// filter's C·CO (a split call's pieces each take some of the C rows).
EXPORT(winograd_filter)
void winograd_filter(float *u, const float *w, int channels, int out_channels, int tap) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int c = 0; c < channels; c++) {
    for (int co = 0; co < out_channels; co += 4) {
      const float *g = w + c * out_channels + co;
      float *target = u + c * out_channels + co;
      // Rows of G·g: r0 = g0, r1 = ½(g0 + g1 + g2), r2 = ½(g0 − g1 + g2), r3 = g2 (row i of g: taps 3i..3i+2).
#define WF_COLUMN(k, r0, r1, r2, r3)                                           \
      const v128_t r0 = wasm_v128_load(g + (k) * tap), r3 = wasm_v128_load(g + ((k) + 6) * tap); \
      const v128_t m##k = wasm_v128_load(g + ((k) + 3) * tap);                 \
      const v128_t r1 = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(r0, r3), m##k)); \
      const v128_t r2 = wasm_f32x4_mul(half, wasm_f32x4_sub(wasm_f32x4_add(r0, r3), m##k))
      WF_COLUMN(0, a0, a1, a2, a3);
      WF_COLUMN(1, b0, b1, b2, b3);
      WF_COLUMN(2, c0, c1, c2, c3);
#undef WF_COLUMN
      // Then (G g)·Gᵀ along each row i: columns a (kw 0), b (kw 1), c (kw 2).
#define WF_ROW(i, a, b, c)                                                     \
      wasm_v128_store(target + (4 * (i)) * tap, a);                            \
      wasm_v128_store(target + (4 * (i) + 1) * tap, wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(a, c), b))); \
      wasm_v128_store(target + (4 * (i) + 2) * tap, wasm_f32x4_mul(half, wasm_f32x4_sub(wasm_f32x4_add(a, c), b))); \
      wasm_v128_store(target + (4 * (i) + 3) * tap, c)
      WF_ROW(0, a0, b0, c0);
      WF_ROW(1, a1, b1, c1);
      WF_ROW(2, a2, b2, c2);
      WF_ROW(3, a3, b3, c3);
#undef WF_ROW
    }
  }
}

// Winograd F(4×4, 3×3) (Lavin & Gray 2015; interpolation points 0, ±1, ±2, ∞): each 4 × 4 block of
// output pixels ("tile") comes from the 6 × 6 input window d at its top-left corner as
//   Y = Aᵀ [ Σ_c (G g_{c,co} Gᵀ) ⊙ (Bᵀ d_c B) ] A,
// 36 products per tile, input and output channel where the direct convolution needs 144 and
// F(2×2, 3×3) 64 (2.25 products per output pixel instead of 4), for larger transforms whose
// constants are not all powers of two. The matrices:
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
// Each function below applies one of them, or its transpose for the gradients, along one axis of a
// tile, 4 channels a vector; a 2-D transform is one down the columns, then one along the rows.
#define W4_INLINE static inline __attribute__((always_inline))
#define W4_SCALE(k, x) wasm_f32x4_mul(wasm_f32x4_splat(k), (x))

// r = Bᵀ d (6 → 6): the input's transform.
W4_INLINE void w4_input(v128_t r[6], const v128_t d[6]) {
  const v128_t d13 = wasm_f32x4_sub(d[1], d[3]), d42 = wasm_f32x4_sub(d[4], d[2]);
  r[0] = wasm_f32x4_add(wasm_f32x4_sub(W4_SCALE(4.0f, d[0]), W4_SCALE(5.0f, d[2])), d[4]);
  r[1] = wasm_f32x4_sub(wasm_f32x4_add(d[3], d[4]), W4_SCALE(4.0f, wasm_f32x4_add(d[1], d[2])));
  r[2] = wasm_f32x4_add(W4_SCALE(4.0f, wasm_f32x4_sub(d[1], d[2])), wasm_f32x4_sub(d[4], d[3]));
  r[3] = wasm_f32x4_sub(d42, W4_SCALE(2.0f, d13));
  r[4] = wasm_f32x4_add(d42, W4_SCALE(2.0f, d13));
  r[5] = wasm_f32x4_add(wasm_f32x4_sub(W4_SCALE(4.0f, d[1]), W4_SCALE(5.0f, d[3])), d[5]);
}

// o = Aᵀ m (6 → 4): the products' transform into output pixels.
W4_INLINE void w4_output(v128_t o[4], const v128_t m[6]) {
  const v128_t s1 = wasm_f32x4_add(m[1], m[2]), d1 = wasm_f32x4_sub(m[1], m[2]);
  const v128_t s2 = wasm_f32x4_add(m[3], m[4]), d2 = wasm_f32x4_sub(m[3], m[4]);
  o[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], s1), s2);
  o[1] = wasm_f32x4_add(d1, W4_SCALE(2.0f, d2));
  o[2] = wasm_f32x4_add(s1, W4_SCALE(4.0f, s2));
  o[3] = wasm_f32x4_add(wasm_f32x4_add(d1, W4_SCALE(8.0f, d2)), m[5]);
}

// u = G g (3 → 6): the filter's transform.
W4_INLINE void w4_filter(v128_t u[6], const v128_t g[3]) {
  const v128_t outer = wasm_f32x4_add(g[0], g[2]);
  const v128_t quarter = W4_SCALE(0.25f, g[0]), sixth = W4_SCALE(1.0f / 6.0f, g[2]);
  const v128_t a = wasm_f32x4_add(W4_SCALE(1.0f / 24.0f, g[0]), sixth), b = W4_SCALE(1.0f / 12.0f, g[1]);
  u[0] = quarter;
  u[1] = W4_SCALE(-1.0f / 6.0f, wasm_f32x4_add(outer, g[1]));
  u[2] = W4_SCALE(-1.0f / 6.0f, wasm_f32x4_sub(outer, g[1]));
  u[3] = wasm_f32x4_add(a, b);
  u[4] = wasm_f32x4_sub(a, b);
  u[5] = g[2];
}

// e = A y (4 → 6, Aᵀ's transpose): an output gradient's transform, for both gradients.
W4_INLINE void w4_gradient(v128_t e[6], const v128_t y[4]) {
  const v128_t even = wasm_f32x4_add(y[0], y[2]), odd = wasm_f32x4_add(y[1], y[3]);
  const v128_t even4 = wasm_f32x4_add(y[0], W4_SCALE(4.0f, y[2])), odd8 = wasm_f32x4_add(W4_SCALE(2.0f, y[1]), W4_SCALE(8.0f, y[3]));
  e[0] = y[0];
  e[1] = wasm_f32x4_add(even, odd);
  e[2] = wasm_f32x4_sub(even, odd);
  e[3] = wasm_f32x4_add(even4, odd8);
  e[4] = wasm_f32x4_sub(even4, odd8);
  e[5] = y[3];
}

// w = Gᵀ u (6 → 3): the filter gradient from the transformed one.
W4_INLINE void w4_filter_gradient(v128_t w[3], const v128_t u[6]) {
  const v128_t s12 = wasm_f32x4_add(u[1], u[2]), s34 = wasm_f32x4_add(u[3], u[4]);
  w[0] = wasm_f32x4_add(wasm_f32x4_sub(W4_SCALE(0.25f, u[0]), W4_SCALE(1.0f / 6.0f, s12)), W4_SCALE(1.0f / 24.0f, s34));
  w[1] = wasm_f32x4_add(W4_SCALE(1.0f / 6.0f, wasm_f32x4_sub(u[2], u[1])), W4_SCALE(1.0f / 12.0f, wasm_f32x4_sub(u[3], u[4])));
  w[2] = wasm_f32x4_add(W4_SCALE(1.0f / 6.0f, wasm_f32x4_sub(s34, s12)), u[5]);
}

// x = B v (6 → 6, Bᵀ's transpose): the input gradient of a window from its transformed one.
W4_INLINE void w4_input_gradient(v128_t x[6], const v128_t v[6]) {
  const v128_t s12 = wasm_f32x4_add(v[1], v[2]), s34 = wasm_f32x4_add(v[3], v[4]);
  x[0] = W4_SCALE(4.0f, v[0]);
  x[1] = wasm_f32x4_add(wasm_f32x4_add(W4_SCALE(4.0f, wasm_f32x4_sub(v[2], v[1])), W4_SCALE(2.0f, wasm_f32x4_sub(v[4], v[3]))), W4_SCALE(4.0f, v[5]));
  x[2] = wasm_f32x4_sub(wasm_f32x4_sub(W4_SCALE(-5.0f, v[0]), W4_SCALE(4.0f, s12)), s34);
  x[3] = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_sub(v[1], v[2]), W4_SCALE(2.0f, wasm_f32x4_sub(v[3], v[4]))), W4_SCALE(5.0f, v[5]));
  x[4] = wasm_f32x4_add(wasm_f32x4_add(v[0], s12), s34);
  x[5] = v[5];
}

// u[p, co / 8, c, co % 8] = (G g Gᵀ)[p], p = 6i + j, with g[kh, kw] = w[kh, kw, c, co] (HWIO): the
// F(4×4, 3×3) filter transform, 4 co at a time (CO % 8 = 0), for `channels` consecutive input
// channels of the filter's tap / CO (a split call's pieces each take some of them, u advanced 8
// floats a channel), positions `tap` floats apart. Each 8-co block of a position is one contiguous
// C × 8 slice, as the GEMMs read it (winograd4_products, b_stride 8): read from [C, CO] rows, 8 of
// CO floats a row, resnet-mini's inference took ~6% longer.
EXPORT(winograd4_filter)
void winograd4_filter(float *u, const float *w, int channels, int out_channels, int tap) {
  const int block = 8 * (tap / out_channels);
  for (int c = 0; c < channels; c++) {
    for (int co = 0; co < out_channels; co += 4) {
      const float *g = w + c * out_channels + co;
      float *target = u + (co >> 3) * block + 8 * c + (co & 7);
      v128_t columns[3][6];
#pragma clang loop unroll(full)
      for (int kw = 0; kw < 3; kw++) {
        const v128_t taps[3] = {wasm_v128_load(g + kw * tap), wasm_v128_load(g + (3 + kw) * tap), wasm_v128_load(g + (6 + kw) * tap)};
        w4_filter(columns[kw], taps);
      }
#pragma clang loop unroll(full)
      for (int i = 0; i < 6; i++) {
        const v128_t row[3] = {columns[0][i], columns[1][i], columns[2][i]};
        v128_t transformed[6];
        w4_filter(transformed, row);
#pragma clang loop unroll(full)
        for (int j = 0; j < 6; j++) wasm_v128_store(target + (6 * i + j) * tap, transformed[j]);
      }
    }
  }
}

// out[N, OH, OW, CO] = xp ⊛ w for a 3 × 3 filter at stride 1, from u = winograd_filter(w) and
// zero-padded images xp[N, Hp, Wp, C] with Hp ≥ 2·⌈OH/2⌉ + 2, Wp ≥ 2·⌈OW/2⌉ + 2 (every tile's
// window in range; tiles past an odd OH/OW compute a row/column that is not stored).
// C % 4 = 0, CO % 8 = 0. Tiles go in groups of `quads` quads of 4, so that each 8-co column block
// of u (C × 8 floats per position) serves all of a group's quads from L1 rather than coming from L2
// once per quad. `panel` (the caller's scratch, winogradPanelFloats): per quad, 16 panels of its 4
// tiles' transformed input (panel p: [c][tile], TILE_4X8_PANEL's layout); then per quad the
// 16 × 4 × 8 products of one block of 8 co. Tiles are numbered across the batch, so 4 consecutive
// ones may span two images; a last quad of fewer than 4 repeats its last tile and stores only its own.
static const float *winograd_window(const float *xp, int tile, int tiles_per_image, int tiles_wide, int padded_height,
                                    int padded_width, int channels) {
  const int n = tile / tiles_per_image, t = tile % tiles_per_image;
  return xp + ((n * padded_height + 2 * (t / tiles_wide)) * padded_width + 2 * (t % tiles_wide)) * channels;
}

// Tile r (0-3) of the quad starting at tile `first` of a group ending at tile `last`: a partial last
// quad repeats its last tile (valid reads; its products are not stored).
static int quad_tile(int first, int r, int last) {
  return first + r < last ? first + r : last;
}

// Which of a tile's second row (bit 0) and second column (bit 1) lie inside a height × width output.
static int winograd_edges(int tile, int tiles_per_image, int tiles_wide, int height, int width) {
  const int t = tile % tiles_per_image;
  return (2 * (t / tiles_wide) + 1 < height) | (2 * (t % tiles_wide) + 1 < width) << 1;
}

// Moves 4 tiles' transforms of 4 channels from `temp` ([p][tile][channel], 16 floats a position,
// as winograd_input_tile / winograd_gradient_tile write them) into a quad's 16
// TILE_4X8_PANEL panels at `panel` (position p at p·panel_size, [channel][tile]): a 4 × 4 transpose
// per position, 4 whole-vector stores where 16 single-lane stores per tile were.
static void winograd_quad_to_panels(float *panel, const float *temp, int panel_size) {
  for (int p = 0; p < 16; p++, temp += 16, panel += panel_size) {
    store_transposed(panel, 4, wasm_v128_load(temp), wasm_v128_load(temp + 4), wasm_v128_load(temp + 8), wasm_v128_load(temp + 12));
  }
}

// Bᵀ d B of the 4 × 4 window at d (rows `row` floats apart, pixels `channels`), 4 channels: rows
// first, s_i = (d_i0 − d_i2, d_i1 + d_i2, d_i2 − d_i1, d_i1 − d_i3), then the same down each column
// j; position p = 4i + j goes to target + p·stride.
static void winograd_input_tile(float *target, int stride, const float *d, int row, int channels) {
#define WI_ROW(i, s0, s1, s2, s3)                                              \
  const v128_t s0##x = wasm_v128_load(d + (i) * row), s1##x = wasm_v128_load(d + (i) * row + channels); \
  const v128_t s2##x = wasm_v128_load(d + (i) * row + 2 * channels), s3##x = wasm_v128_load(d + (i) * row + 3 * channels); \
  const v128_t s0 = wasm_f32x4_sub(s0##x, s2##x), s1 = wasm_f32x4_add(s1##x, s2##x); \
  const v128_t s2 = wasm_f32x4_sub(s2##x, s1##x), s3 = wasm_f32x4_sub(s1##x, s3##x)
  WI_ROW(0, e00, e01, e02, e03);
  WI_ROW(1, e10, e11, e12, e13);
  WI_ROW(2, e20, e21, e22, e23);
  WI_ROW(3, e30, e31, e32, e33);
#undef WI_ROW
#define WI_COLUMN(j, a, b, c, e)                                               \
  wasm_v128_store(target + (j) * stride, wasm_f32x4_sub(a, c));           \
  wasm_v128_store(target + (4 + (j)) * stride, wasm_f32x4_add(b, c));     \
  wasm_v128_store(target + (8 + (j)) * stride, wasm_f32x4_sub(c, b));     \
  wasm_v128_store(target + (12 + (j)) * stride, wasm_f32x4_sub(b, e))
  WI_COLUMN(0, e00, e10, e20, e30);
  WI_COLUMN(1, e01, e11, e21, e31);
  WI_COLUMN(2, e02, e12, e22, e32);
  WI_COLUMN(3, e03, e13, e23, e33);
#undef WI_COLUMN
}

// A dY Aᵀ of the 2 × 2 output gradient at g (rows `dy_row` floats apart, pixels `channels`; the
// second row / column read as 0 where the tile passes the output), 4 channels: (y_0, y_0 + y_1,
// y_0 − y_1, −y_1) down the 2 rows, then along them; position p to target + p·stride.
static void winograd_gradient_tile(float *target, int stride, const float *g, int dy_row, int channels,
                                   int second_row, int second_column) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const v128_t y00 = wasm_v128_load(g), y01 = second_column ? wasm_v128_load(g + channels) : zero;
  const v128_t y10 = second_row ? wasm_v128_load(g + dy_row) : zero;
  const v128_t y11 = second_row && second_column ? wasm_v128_load(g + dy_row + channels) : zero;
#define WE_ROW(i, z0, z1)                                                      \
  do {                                                                         \
    const v128_t a_ = (z0), b_ = (z1);                                         \
    wasm_v128_store(target + 4 * (i) * stride, a_);                        \
    wasm_v128_store(target + (4 * (i) + 1) * stride, wasm_f32x4_add(a_, b_)); \
    wasm_v128_store(target + (4 * (i) + 2) * stride, wasm_f32x4_sub(a_, b_)); \
    wasm_v128_store(target + (4 * (i) + 3) * stride, wasm_f32x4_neg(b_));  \
  } while (0)
  WE_ROW(0, y00, y01);
  WE_ROW(1, wasm_f32x4_add(y00, y10), wasm_f32x4_add(y01, y11));
  WE_ROW(2, wasm_f32x4_sub(y00, y10), wasm_f32x4_sub(y01, y11));
  WE_ROW(3, wasm_f32x4_neg(y10), wasm_f32x4_neg(y11));
#undef WE_ROW
}

// The GEMM stage of a group of quads of tiles: products[q][p] (4 tiles × 8 floats, 32 apart) =
// panel[q][p] (TILE_4X8_PANEL, `depth` steps) · the 8 columns at b + p·b_size (rows b_stride apart).
static void winograd_products(float *products, const float *panel, int panel_size, int group_quads, const float *b,
                              int b_size, int b_stride, int depth) {
  for (int p = 0; p < 16; p++) {
    for (int q = 0; q < group_quads; q++) {
      TILE_4X8_ZERO;
      TILE_4X8_PANEL(panel + (q * 16 + p) * panel_size, b + p * b_size, b_stride, depth);
      TILE_4X8_STORE(products + (q * 16 + p) * 32, 8, 4);
    }
  }
}

// `bias` (0: none) and `relu`: FusedConv2D's epilogue on each stored pixel (epilogue4), as in conv2d_forward.
EXPORT(winograd_conv3x3)
void winograd_conv3x3(float *out, const float *xp, const float *u, float *panel, int batch, int padded_height,
                      int padded_width, int channels, int out_height, int out_width, int out_channels, int quads,
                      const float *bias, int relu) {
  const int tiles_high = (out_height + 1) / 2, tiles_wide = (out_width + 1) / 2;
  const int tiles_per_image = tiles_high * tiles_wide, tiles = batch * tiles_per_image;
  const int row = padded_width * channels, panel_size = 4 * channels, fused = bias || relu;
  const relu_constants rc = epilogue_relu(relu);
  float *products = panel + 16 * quads * panel_size;
  for (int g0 = 0; g0 < tiles; g0 += 4 * quads) {
    const int group = tiles - g0 < 4 * quads ? tiles - g0 : 4 * quads, group_quads = (group + 3) / 4;
    // Bᵀ d B for each tile, 4 channels at a time, a quad's 4 tiles into `products` (free until the
    // GEMMs), then lane l for tile r into the quad's panel p at [4(c + l) + r].
    for (int q = 0; q < group_quads; q++) {
      const int first = g0 + 4 * q, last = g0 + group - 1;
#define WC_PLACE(r) const float *d##r = winograd_window(xp, quad_tile(first, r, last), tiles_per_image, tiles_wide, padded_height, padded_width, channels)
      WC_PLACE(0);
      WC_PLACE(1);
      WC_PLACE(2);
      WC_PLACE(3);
#undef WC_PLACE
      for (int c = 0; c < channels; c += 4) {
        winograd_input_tile(products, 16, d0 + c, row, channels);
        winograd_input_tile(products + 4, 16, d1 + c, row, channels);
        winograd_input_tile(products + 8, 16, d2 + c, row, channels);
        winograd_input_tile(products + 12, 16, d3 + c, row, channels);
        winograd_quad_to_panels(panel + q * 16 * panel_size + 4 * c, products, panel_size);
      }
    }
    for (int co = 0; co < out_channels; co += 8) {
      winograd_products(products, panel, panel_size, group_quads, u + co, channels * out_channels, out_channels, channels);
      // Aᵀ M A per tile and 4 co: rows q_0j = m_0j + m_1j + m_2j, q_1j = m_1j − m_2j − m_3j, then the
      // same along j; stores the pixels inside the output.
      for (int i = 0; i < group; i++) {
        const int tile = g0 + i, n = tile / tiles_per_image, t = tile % tiles_per_image;
        const int oh = 2 * (t / tiles_wide), ow = 2 * (t % tiles_wide);
        float *target = out + ((n * out_height + oh) * out_width + ow) * out_channels + co;
        const int second_row = oh + 1 < out_height, second_column = ow + 1 < out_width;
        for (int half = 0; half < 8; half += 4) {
          const float *m = products + (i >> 2) * 512 + (i & 3) * 8 + half;
#define WO_COLUMN(j, q0, q1)                                                   \
          const v128_t q0##a = wasm_v128_load(m + (j) * 32), q0##b = wasm_v128_load(m + (4 + (j)) * 32); \
          const v128_t q0##c = wasm_v128_load(m + (8 + (j)) * 32), q0##d = wasm_v128_load(m + (12 + (j)) * 32); \
          const v128_t q0 = wasm_f32x4_add(wasm_f32x4_add(q0##a, q0##b), q0##c); \
          const v128_t q1 = wasm_f32x4_sub(wasm_f32x4_sub(q0##b, q0##c), q0##d)
          WO_COLUMN(0, f0, g0);
          WO_COLUMN(1, f1, g1);
          WO_COLUMN(2, f2, g2);
          WO_COLUMN(3, f3, g3);
#undef WO_COLUMN
          const v128_t b = epilogue_bias(bias ? bias + co + half : 0);
#define WC_EPILOGUE(v) (fused ? epilogue4((v), b, rc) : (v))
          wasm_v128_store(target + half, WC_EPILOGUE(wasm_f32x4_add(wasm_f32x4_add(f0, f1), f2)));
          if (second_column) wasm_v128_store(target + out_channels + half, WC_EPILOGUE(wasm_f32x4_sub(wasm_f32x4_sub(f1, f2), f3)));
          if (second_row) {
            float *below = target + out_width * out_channels + half;
            wasm_v128_store(below, WC_EPILOGUE(wasm_f32x4_add(wasm_f32x4_add(g0, g1), g2)));
            if (second_column) wasm_v128_store(below + out_channels, WC_EPILOGUE(wasm_f32x4_sub(wasm_f32x4_sub(g1, g2), g3)));
          }
#undef WC_EPILOGUE
        }
      }
    }
  }
}

// Bᵀ along one axis of a 6 × 6 block of 4-channel vectors: line l's vectors d_k (source +
// l·line_in + k·step_in) give r = Bᵀ d at target + l·line_out + i·step_out. Along the rows, then
// down the columns of the result: Bᵀ d B. The lines run in a loop (one copy of the transform: the
// module stays under its size limit), each line's 6 vectors in registers.
__attribute__((noinline)) static void w4_input_lines(float *target, int line_out, int step_out, const float *source,
                                                     int line_in, int step_in) {
  for (int l = 0; l < 6; l++, source += line_in, target += line_out) {
    v128_t d[6], r[6];
#pragma clang loop unroll(full)
    for (int k = 0; k < 6; k++) d[k] = wasm_v128_load(source + k * step_in);
    w4_input(r, d);
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) wasm_v128_store(target + i * step_out, r[i]);
  }
}

// Aᵀ along one axis of `lines` lines of 6 vectors (laid out as in w4_input_lines): o = Aᵀ m, output
// r of line l stored where bit 4l + r of `stores` is set (the output pixels inside OH × OW), as 0
// where that bit of `zeros` is also set, through epilogue4_residual(·, bias, the same place of
// `residual` (laid out as target; 0: none), relu).
__attribute__((noinline)) static void w4_output_lines(float *target, int line_out, int step_out, const float *source,
                                                      int line_in, int step_in, int lines, int stores, int zeros,
                                                      const float *bias, int relu, const float *residual) {
  const int fused = bias || relu || residual;
  const v128_t b = epilogue_bias(bias);
  const relu_constants rc = epilogue_relu(relu);
  for (int l = 0; l < lines; l++, source += line_in, target += line_out, stores >>= 4, zeros >>= 4) {
    v128_t m[6], o[4];
#pragma clang loop unroll(full)
    for (int k = 0; k < 6; k++) m[k] = wasm_v128_load(source + k * step_in);
    w4_output(o, m);
#pragma clang loop unroll(full)
    for (int r = 0; r < 4; r++) {
      const v128_t v = zeros >> r & 1 ? wasm_f32x4_splat(0.0f) : o[r];
      const float *shortcut = residual ? residual + l * line_out + r * step_out : 0;
      if (stores >> r & 1) wasm_v128_store(target + r * step_out, fused ? epilogue4_residual(v, b, shortcut, rc) : v);
    }
  }
}

// Aᵀ M A of one tile's 6 × 6 products for 8 co (position p's two vectors at m + 32p and + 4) into
// its pixels at `target` (rows pixel_row floats apart, pixels out_channels), `outputs` as
// winograd4_outputs gives it: Aᵀ down each column, in place into rows 0-3 of m (12 lines: 6
// columns × 2 halves), then along those rows into the pixels through epilogue4_residual. A whole tile with
// no blank window (outputs 0xffff, every tile but the edges and a digit's blank border) stores its
// 16 pixels unmasked, one call a tile and co block: with two w4_output_lines calls per half, the
// output transform took ~0.6-0.8x the time of the GEMMs on resnet-mini's 28 × 28 × 16 forward.
__attribute__((noinline)) static void w4_output_tile(float *target, int pixel_row, int out_channels, float *m, int outputs,
                                                     const float *bias, int relu, const float *residual) {
  for (int line = 0; line < 12; line++) {
    float *column = m + (line >> 1) * 32 + (line & 1) * 4;
    v128_t v[6], o[4];
#pragma clang loop unroll(full)
    for (int k = 0; k < 6; k++) v[k] = wasm_v128_load(column + 6 * 32 * k);
    w4_output(o, v);
#pragma clang loop unroll(full)
    for (int r = 0; r < 4; r++) wasm_v128_store(column + 6 * 32 * r, o[r]);
  }
  if (outputs != 0xffff) {
    for (int half = 0; half < 8; half += 4) {
      w4_output_lines(target + half, pixel_row, out_channels, m + half, 6 * 32, 32, 4, outputs & 0xffff, outputs >> 16, bias ? bias + half : 0, relu,
                      residual ? residual + half : 0);
    }
    return;
  }
  const int fused = bias || relu || residual;
  const relu_constants rc = epilogue_relu(relu);
  for (int line = 0; line < 8; line++) {
    const int r = line >> 1, half = (line & 1) * 4;
    const float *row = m + 6 * 32 * r + half;
    const v128_t b = epilogue_bias(bias ? bias + half : 0);
    float *pixels = target + r * pixel_row + half;
    const float *shortcut = residual ? residual + r * pixel_row + half : 0;
    v128_t v[6], o[4];
#pragma clang loop unroll(full)
    for (int j = 0; j < 6; j++) v[j] = wasm_v128_load(row + 32 * j);
    w4_output(o, v);
#pragma clang loop unroll(full)
    for (int c = 0; c < 4; c++) {
      wasm_v128_store(pixels + c * out_channels, fused ? epilogue4_residual(o[c], b, shortcut ? shortcut + c * out_channels : 0, rc) : o[c]);
    }
  }
}

// Whether the pixel at `pixel` is ±0 in all `channels` channels (most pixels stop at their first 4).
static int pixel_is_zero(const float *pixel, int channels) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  int c = 0;
  while (c < channels && !wasm_v128_any_true(wasm_f32x4_ne(wasm_v128_load(pixel + c), zero))) c += 4;
  return c >= channels;
}

// Which rows and columns of the 6 × 6 window from row h0, column w0 of an in_height × in_width image
// lie inside it: bit i for row h0 + i, bit 8 + j for column w0 + j (0x3f3f: the whole window).
static int window_inside(int h0, int w0, int in_height, int in_width) {
  int inside = 0;
  for (int k = 0; k < 6; k++) inside |= (h0 + k >= 0 && h0 + k < in_height) << k | (w0 + k >= 0 && w0 + k < in_width) << (8 + k);
  return inside;
}

// Whether pixel (i, j) of a 6 × 6 window at d (rows `row` floats apart) is ±0 in all `channels`
// channels; a pixel outside the image (`inside`: bit i for window row i inside it, bit 8 + j for
// column j) is the zero padding, and is not read.
static int window_pixel_is_zero(const float *d, int row, int channels, int inside, int i, int j) {
  return !(inside >> i & 1) || !(inside >> (8 + j) & 1) || pixel_is_zero(d + i * row + j * channels, channels);
}

// The output pixels of the 4 × 4 tile whose 6 × 6 window is at d (rows `row` floats apart, `inside`
// as for window_pixel_is_zero) as w4_output_lines takes them: bit 4r + c for output (r, c) inside
// its `rows` × `columns`, and the same bit 16 places up where that output's 3 × 3 window is ±0 in
// all `channels` channels. The window of every output inside (r < rows, c < columns) holds one of
// the pixels at rows min(2, rows), min(3, rows) and columns min(2, columns), min(3, columns) of the
// 6 × 6 (its central 2 × 2 for a whole tile; for an edge tile, pixels of the image rather than the
// padding past it), so where none of those is zero no output is, and the other pixels go unread
// (one load each in the common case: this check took ~6% of a resnet-mini inference when it read
// all 36). Its loops stay scalar: clang vectorised the 16-output one into ~600 bytes.
__attribute__((noinline)) static int winograd4_outputs(const float *d, int row, int channels, int inside, int rows, int columns) {
  const int stores = ((1 << columns) - 1) * (0x1111 & ((1 << (4 * rows)) - 1));
  const int r0 = rows < 2 ? rows : 2, r1 = rows < 3 ? rows : 3, c0 = columns < 2 ? columns : 2, c1 = columns < 3 ? columns : 3;
  if (!window_pixel_is_zero(d, row, channels, inside, r0, c0) && !window_pixel_is_zero(d, row, channels, inside, r0, c1) &&
      !window_pixel_is_zero(d, row, channels, inside, r1, c0) && !window_pixel_is_zero(d, row, channels, inside, r1, c1)) {
    return stores;
  }
  unsigned long long pixels = 0; // bit 6i + j: pixel (i, j) of the window is all zero
#pragma clang loop unroll(disable) vectorize(disable)
  for (int p = 0; p < 36; p++) {
    if (window_pixel_is_zero(d, row, channels, inside, p / 6, p % 6)) pixels |= 1ull << p;
  }
  int outputs = stores;
#pragma clang loop unroll(disable) vectorize(disable)
  for (int z = 0; z < 16; z++) {
    const int r = z / 4, c = z % 4; // the 3 × 3 window from (r, c): bits 0-2, 6-8, 12-14 above it
    if (r < rows && c < columns && (pixels >> (6 * r + c) & 0x71c7) == 0x71c7) outputs |= 0x10000 << z;
  }
  return outputs;
}

// w4_input_lines' first pass (along the rows of a 6 × 6 window at d, into `target` at 24-float lines
// of 4-float steps) for a window that reaches past the image (`inside` as for
// window_pixel_is_zero): the padding's pixels read as zeros, its rows' transforms stored as zeros.
__attribute__((noinline)) static void w4_input_rows_with_padding(float *target, const float *d, int row, int channels, int inside) {
  for (int l = 0; l < 6; l++, d += row, target += 24) {
    v128_t v[6], r[6];
    if (inside >> l & 1) {
#pragma clang loop unroll(full)
      for (int k = 0; k < 6; k++) v[k] = inside >> (8 + k) & 1 ? wasm_v128_load(d + k * channels) : wasm_f32x4_splat(0.0f);
      w4_input(r, v);
    } else {
#pragma clang loop unroll(full)
      for (int k = 0; k < 6; k++) r[k] = wasm_f32x4_splat(0.0f);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) wasm_v128_store(target + 4 * i, r[i]);
  }
}

// winograd_products for 36 positions: products[q][p] (4 tiles × 8 floats, 32 apart) = panel[q][p]
// (TILE_4X8_PANEL, `depth` steps) · the 8 columns at b + p·b_size (rows b_stride apart). The sum
// over `depth` runs in blocks of W4_DEPTH_BLOCK steps, each block's sum added to the stored ones:
// the transformed input is up to ~100x the input and Aᵀ M A cancels most of it, so one long
// float32 sum left ~10x the direct convolution's rounding error at C = 128 (float64 reference).
// Max-norm relative error against a float64 direct sum (14 × 14 × 32 to 4 × 4 × 512 layers,
// bench/winograd-forward-error.mjs): blocks of 16 steps 2.1-3.8e-6, 32 steps 2.7-4.3e-6, 64 steps
// 3.5-6.1e-6; 32 has half the block ends of 16 (each block's sum loaded, added and stored again),
// ~5% of a resnet-mini inference.
#define W4_DEPTH_BLOCK 32
static void winograd4_products(float *products, const float *panel, int panel_size, int group_quads, const float *b,
                               int b_size, int b_stride, int depth) {
  for (int p = 0; p < 36; p++) {
    for (int q = 0; q < group_quads; q++) {
      float *target = products + (q * 36 + p) * 32;
      const float *pa = panel + (q * 36 + p) * panel_size, *pb = b + p * b_size;
      for (int k0 = 0; k0 < depth; k0 += W4_DEPTH_BLOCK, pa += 4 * W4_DEPTH_BLOCK, pb += W4_DEPTH_BLOCK * b_stride) {
        TILE_4X8_ZERO;
        TILE_4X8_PANEL(pa, pb, b_stride, depth - k0 < W4_DEPTH_BLOCK ? depth - k0 : W4_DEPTH_BLOCK);
        if (k0 > 0) {
          a00 = wasm_f32x4_add(a00, wasm_v128_load(target)), a01 = wasm_f32x4_add(a01, wasm_v128_load(target + 4));
          a10 = wasm_f32x4_add(a10, wasm_v128_load(target + 8)), a11 = wasm_f32x4_add(a11, wasm_v128_load(target + 12));
          a20 = wasm_f32x4_add(a20, wasm_v128_load(target + 16)), a21 = wasm_f32x4_add(a21, wasm_v128_load(target + 20));
          a30 = wasm_f32x4_add(a30, wasm_v128_load(target + 24)), a31 = wasm_f32x4_add(a31, wasm_v128_load(target + 28));
        }
        TILE_4X8_STORE(target, 8, 4);
      }
    }
  }
}

// out[N, OH, OW, CO] = x ⊛ w for a 3 × 3 filter at stride 1 by Winograd F(4×4, 3×3), from
// u = winograd4_filter(w) ([36, CO / 8, C, 8]) and images x[N, H, W, C] zero-padded by pad_top rows
// and pad_left columns (and as far as the tiles reach past them: the rows and columns of tiles past
// OH/OW are computed and not stored). The padding is not made: a tile whose 6 × 6 window reaches
// past the image reads it through w4_input_rows_with_padding (resnet-mini's 28 × 28 × 16 forward
// spent ~10% of its time in a padded copy of x). C % 4 = 0, CO % 8 = 0. winograd_conv3x3's structure with 36
// positions p = 6i + j where it has 16: tiles numbered across the batch, in groups of `quads` quads
// of 4 so that each 8-co column block of u serves a whole group; per quad, 36 TILE_4X8_PANEL panels
// of its 4 tiles' Bᵀ d B ([c][tile]); per block of 8 co, the 36 GEMMs [4 tiles, C] · [C, 8], then
// Aᵀ M A per tile. Unlike F(2×2)'s, these transforms mix the whole 6 × 6 window into each output,
// so an output whose own 3 × 3 window is all zeros (a digit's blank border: the direct sum gives
// exactly 0, and a ReLU after a zero bias passes no gradient there) would come out as rounding
// noise (±1e-6 relative); those pixels are stored as exact zeros instead (winograd4_outputs). A
// NaN or infinity in a window reaches every output of its tile (the direct sum: the outputs whose
// windows hold it). `panel` (the caller's scratch, winograd4PanelFloats): the quads' 36 panels of
// 4·C floats, then per quad the 36 × 4 × 8 products of one co block, then 144 floats for the
// transforms' half-transformed 6 × 6 (or 4 × 6) block of one tile, then per tile of the group its
// window and output pointers, which outputs it stores and which of its window's rows and columns
// are inside x (16 bytes).
// `bias` (0: none), `residual` (0: none; else out's shape) and `relu`: the epilogue on each stored
// pixel, relu((v + bias) + residual) (epilogue4_residual), exact zeros included.
EXPORT(winograd4_conv3x3)
void winograd4_conv3x3(float *out, const float *x, const float *u, float *panel, int batch, int in_height, int in_width,
                       int channels, int out_height, int out_width, int out_channels, int pad_top, int pad_left, int quads,
                       const float *bias, int relu, const float *residual) {
  const int tiles_high = (out_height + 3) / 4, tiles_wide = (out_width + 3) / 4;
  const int tiles_per_image = tiles_high * tiles_wide, tiles = batch * tiles_per_image;
  const int row = in_width * channels, panel_size = 4 * channels, pixel_row = out_width * out_channels;
  float *products = panel + 36 * quads * panel_size, *half_done = products + 36 * 32 * quads;
  // Per tile of a group: its window's corner in x (it may lie in the padding), its first output
  // pixel, its winograd4_outputs, and its window's rows (bits 0-5) and columns (bits 8-13) inside x.
  const float **windows = (const float **)(half_done + 144);
  float **targets = (float **)(windows + 4 * quads);
  int *outputs = (int *)(targets + 4 * quads), *inside = outputs + 4 * quads;
  for (int g0 = 0; g0 < tiles; g0 += 4 * quads) {
    const int group = tiles - g0 < 4 * quads ? tiles - g0 : 4 * quads, group_quads = (group + 3) / 4;
    for (int i = 0; i < group; i++) {
      const int n = (g0 + i) / tiles_per_image, t = (g0 + i) % tiles_per_image;
      const int oh = 4 * (t / tiles_wide), ow = 4 * (t % tiles_wide);
      const int rows = out_height - oh < 4 ? out_height - oh : 4, columns = out_width - ow < 4 ? out_width - ow : 4;
      const int h0 = oh - pad_top, w0 = ow - pad_left, in = window_inside(h0, w0, in_height, in_width);
      windows[i] = x + ((n * in_height + h0) * in_width + w0) * channels;
      targets[i] = out + ((n * out_height + oh) * out_width + ow) * out_channels;
      outputs[i] = winograd4_outputs(windows[i], row, channels, in, rows, columns);
      inside[i] = in;
    }
    // Bᵀ d B per tile, 4 channels at a time: along the window's rows into `half_done`, then down its
    // columns into `products` (free until the GEMMs) at [p][tile][channel]; then each position's
    // 4 × 4 block transposed into the quad's panel p, lane l of tile r at [4(c + l) + r].
    for (int q = 0; q < group_quads; q++) {
      float *quad_panel = panel + q * 36 * panel_size;
      for (int c = 0; c < channels; c += 4) {
        for (int r = 0; r < 4; r++) {
          const int i = quad_tile(4 * q, r, group - 1);
          if (inside[i] == 0x3f3f) w4_input_lines(half_done, 24, 4, windows[i] + c, row, channels);
          else w4_input_rows_with_padding(half_done, windows[i] + c, row, channels, inside[i]);
          w4_input_lines(products + 4 * r, 16, 96, half_done, 4, 24);
        }
        for (int p = 0; p < 36; p++) {
          const float *t = products + 16 * p;
          store_transposed(quad_panel + p * panel_size + 4 * c, 4, wasm_v128_load(t), wasm_v128_load(t + 4), wasm_v128_load(t + 8), wasm_v128_load(t + 12));
        }
      }
    }
    for (int co = 0; co < out_channels; co += 8) {
      winograd4_products(products, panel, panel_size, group_quads, u + co * channels, channels * out_channels, 8, channels);
      for (int i = 0; i < group; i++) {
        w4_output_tile(targets[i] + co, pixel_row, out_channels, products + (i >> 2) * 36 * 32 + (i & 3) * 8, outputs[i],
                       bias ? bias + co : 0, relu, residual ? residual + (targets[i] - out) + co : 0);
      }
    }
  }
}

// The GEMM stage of the Winograd filter gradients, one block of `count` tiles (of `block` places):
// du[p, c, co] += Σ_t v[p, t, c] · e[p, t, co] for each of the `positions` transformed positions
// (v: [p][block][C], e: [p][block][CO]), 4 c × 8 co a register tile, V's 4 channels one vector.
// Each block's sum starts from 0 and is then added to dU, or stored there for the first block
// (`accumulate` 0: dU needs no zeroing pass): a two-level sum over the tiles, whose rounding grows
// with √block + √(tiles / block) rather than √tiles, which F(4×4)'s large transformed values need
// at batch 64 (bench/winograd-filter-gradient-error.mjs).
static void winograd_gradient_products(float *du, const float *v, const float *e, int positions, int block, int count,
                                       int channels, int out_channels, int accumulate) {
  for (int p = 0; p < positions; p++) {
    const float *vp = v + p * block * channels, *ep = e + p * block * out_channels;
    for (int c = 0; c < channels; c += 4) {
      for (int co = 0; co < out_channels; co += 8) {
        float *w0 = du + (p * channels + c) * out_channels + co;
        TILE_4X8_ZERO;
        const float *pa = vp + c, *pb = ep + co;
        for (int t = 0; t < count; t++, pa += channels, pb += out_channels) {
          TILE_4X8_VECTOR(wasm_v128_load(pa), wasm_v128_load(pb), wasm_v128_load(pb + 4));
        }
        if (accumulate) {
#define WD_ADD(r, a0, a1)                                                      \
          a0 = wasm_f32x4_add(wasm_v128_load(w0 + (r) * out_channels), a0);    \
          a1 = wasm_f32x4_add(wasm_v128_load(w0 + (r) * out_channels + 4), a1)
          WD_ADD(0, a00, a01);
          WD_ADD(1, a10, a11);
          WD_ADD(2, a20, a21);
          WD_ADD(3, a30, a31);
#undef WD_ADD
        }
        TILE_4X8_STORE(w0, out_channels, 4);
      }
    }
  }
}

// The filter gradient of winograd_conv3x3's convolution by the same transforms (Y = Aᵀ[U ⊙ V]A per
// tile, so ∂L/∂U = Σ_tiles V ⊙ (A·dY·Aᵀ) and ∂L/∂g = Gᵀ·∂L/∂U·G):
//   dU[p, c, co] = Σ_t V[p, t, c] · E[p, t, co],   V = Bᵀ d_t B,   E = A dY_t Aᵀ (dY_t: the tile's
//   2 × 2 output gradient, 0 outside the output),   dw[kh, kw, c, co] = (Gᵀ dU[·, c, co] G)[kh, kw].
// 16 GEMMs reducing over tiles (winograd_gradient_products), in blocks of `block` tiles whose V and
// E stay in L1. xp, C % 4 = 0 and CO % 8 = 0 as for winograd_conv3x3.
// `scratch`: winogradFilterGradientScratchFloats floats (dU, then V and E of one block).
EXPORT(winograd_filter_gradient)
void winograd_filter_gradient(float *dw, const float *xp, const float *dy, float *scratch, int batch, int padded_height,
                              int padded_width, int channels, int out_height, int out_width, int out_channels, int block) {
  const int tiles_wide = (out_width + 1) / 2, tiles_per_image = (out_height + 1) / 2 * tiles_wide;
  const int tiles = batch * tiles_per_image, row = padded_width * channels, dy_row = out_width * out_channels;
  const int transformed = channels * out_channels;
  float *du = scratch, *v = du + 16 * transformed, *e = v + 16 * block * channels;
  const v128_t half = wasm_f32x4_splat(0.5f);
  if (tiles == 0) for (int i = 0; i < 16 * transformed; i++) du[i] = 0.0f; // no tiles: dw = 0 (else the first block stores)
  for (int t0 = 0; t0 < tiles; t0 += block) {
    const int count = tiles - t0 < block ? tiles - t0 : block;
    for (int r = 0; r < count; r++) {
      const int tile = t0 + r, n = tile / tiles_per_image, t = tile % tiles_per_image;
      const int oh = 2 * (t / tiles_wide), ow = 2 * (t % tiles_wide);
      const float *d = xp + ((n * padded_height + oh) * padded_width + ow) * channels;
      float *target = v + r * channels;
      for (int c = 0; c < channels; c += 4, d += 4, target += 4) winograd_input_tile(target, block * channels, d, row, channels);
      const float *g = dy + ((n * out_height + oh) * out_width + ow) * out_channels;
      const int second_row = oh + 1 < out_height, second_column = ow + 1 < out_width;
      float *q = e + r * out_channels;
      for (int co = 0; co < out_channels; co += 4, g += 4, q += 4) {
        winograd_gradient_tile(q, block * out_channels, g, dy_row, out_channels, second_row, second_column);
      }
    }
    winograd_gradient_products(du, v, e, 16, block, count, channels, out_channels, t0 > 0);
  }
  // dw = Gᵀ dU G, 4 co at a time: Gᵀ's rows (u_0 + ½(u_1 + u_2), ½(u_1 − u_2), ½(u_1 + u_2) + u_3)
  // down each column j, then along each row kh.
  for (int c = 0; c < channels; c++) {
    for (int co = 0; co < out_channels; co += 4) {
      const float *u = du + c * out_channels + co;
      float *target = dw + c * out_channels + co;
#define WG_COLUMN(j, h0, h1, h2)                                               \
      const v128_t h0##a = wasm_v128_load(u + (j) * transformed), h0##b = wasm_v128_load(u + (4 + (j)) * transformed); \
      const v128_t h0##c = wasm_v128_load(u + (8 + (j)) * transformed), h0##d = wasm_v128_load(u + (12 + (j)) * transformed); \
      const v128_t h0##s = wasm_f32x4_mul(half, wasm_f32x4_add(h0##b, h0##c)); \
      const v128_t h0 = wasm_f32x4_add(h0##a, h0##s), h2 = wasm_f32x4_add(h0##s, h0##d); \
      const v128_t h1 = wasm_f32x4_mul(half, wasm_f32x4_sub(h0##b, h0##c))
      WG_COLUMN(0, k00, k10, k20);
      WG_COLUMN(1, k01, k11, k21);
      WG_COLUMN(2, k02, k12, k22);
      WG_COLUMN(3, k03, k13, k23);
#undef WG_COLUMN
#define WG_ROW(kh, h0, h1, h2, h3)                                             \
      do {                                                                     \
        const v128_t s_ = wasm_f32x4_mul(half, wasm_f32x4_add(h1, h2));        \
        wasm_v128_store(target + (3 * (kh)) * transformed, wasm_f32x4_add(h0, s_)); \
        wasm_v128_store(target + (3 * (kh) + 1) * transformed, wasm_f32x4_mul(half, wasm_f32x4_sub(h1, h2))); \
        wasm_v128_store(target + (3 * (kh) + 2) * transformed, wasm_f32x4_add(s_, h3)); \
      } while (0)
      WG_ROW(0, k00, k01, k02, k03);
      WG_ROW(1, k10, k11, k12, k13);
      WG_ROW(2, k20, k21, k22, k23);
#undef WG_ROW
    }
  }
}

// A y down each column j of the 4 × 4 output gradient at g (rows `dy_row` floats apart, pixels
// `channels`; rows from `rows` and columns from `columns` on read as 0 where the tile passes the
// output), 4 channels: the 6 results of column j at target + j·line_out + i·step_out. A whole tile
// (every tile of a 28 × 28 output) loads unmasked: with a mask test per load this pass of the
// filter gradient's transform took more than its GEMMs on resnet-mini's 28 × 28 × 16 layers.
__attribute__((noinline)) static void w4_gradient_columns(float *target, int line_out, int step_out, const float *g, int dy_row,
                                                          int channels, int rows, int columns) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const int whole = rows >= 4 && columns >= 4;
  for (int j = 0; j < 4; j++, g += channels, target += line_out) {
    v128_t y[4], e[6];
    if (whole) {
#pragma clang loop unroll(full)
      for (int k = 0; k < 4; k++) y[k] = wasm_v128_load(g + k * dy_row);
    } else {
#pragma clang loop unroll(full)
      for (int k = 0; k < 4; k++) y[k] = j < columns && k < rows ? wasm_v128_load(g + k * dy_row) : zero;
    }
    w4_gradient(e, y);
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) wasm_v128_store(target + i * step_out, e[i]);
  }
}

// A y along each of the 6 rows of 4 vectors left by w4_gradient_columns (row i at source + i·line_in,
// its vectors step_in apart), into target + i·line_out + j·step_out (j = 0-5); source may be target.
__attribute__((noinline)) static void w4_gradient_rows(float *target, int line_out, int step_out, const float *source, int line_in,
                                                       int step_in) {
  for (int i = 0; i < 6; i++, source += line_in, target += line_out) {
    v128_t y[4], e[6];
#pragma clang loop unroll(full)
    for (int j = 0; j < 4; j++) y[j] = wasm_v128_load(source + j * step_in);
    w4_gradient(e, y);
#pragma clang loop unroll(full)
    for (int j = 0; j < 6; j++) wasm_v128_store(target + j * step_out, e[j]);
  }
}

// Bᵀ d B of the 6 × 6 window at d (rows `row` floats apart, pixels `channels`), 4 channels, position
// p = 6i + j to target + p·stride: w4_input along each row of d into `temp` (36 vectors, in L1),
// then down each column of temp into the target, so each strided target line is written once
// (w4_input_lines both times, as the forward). A window that reaches past the image (`inside` as
// for window_pixel_is_zero, 0x3f3f: all of it inside) has its rows' pass done by
// w4_input_rows_with_padding.
static void winograd4_input_tile(float *target, int stride, float *temp, const float *d, int row, int channels, int inside) {
  if (inside == 0x3f3f) w4_input_lines(temp, 24, 4, d, row, channels);
  else w4_input_rows_with_padding(temp, d, row, channels, inside);
  w4_input_lines(target, stride, 6 * stride, temp, 4, 24);
}

// A dY Aᵀ of the 4 × 4 output gradient at g (rows `dy_row` floats apart, pixels `channels`; rows from
// `rows` and columns from `columns` on read as 0 where the tile passes the output), 4 channels,
// position p = 6i + j to target + p·stride: w4_gradient down each column of g into `temp` (24
// vectors, [i][j]), then along each row of temp into the target (w4_gradient_columns, then
// w4_gradient_rows).
static void winograd4_gradient_tile(float *target, int stride, float *temp, const float *g, int dy_row, int channels,
                                    int rows, int columns) {
  w4_gradient_columns(temp, 4, 16, g, dy_row, channels, rows, columns);
  w4_gradient_rows(target, 6 * stride, stride, temp, 16, 4);
}

// The filter gradient by Winograd F(4×4, 3×3), as winograd_filter_gradient with 4 × 4 tiles:
//   dU[p, c, co] = Σ_t V[p, t, c] · E[p, t, co],   V = Bᵀ d_t B (the tile's 6 × 6 window of xp),
//   E = A dY_t Aᵀ (dY_t: the tile's 4 × 4 output gradient, 0 outside the output),
//   dw[kh, kw, c, co] = (Gᵀ dU[·, c, co] G)[kh, kw],   p = 6i + j.
// 36 GEMMs reducing over tiles (winograd_gradient_products), in blocks of `block` tiles: one
// position's V and E of a block stay in L1 through its GEMM. x: the images, read as zero-padded by
// pad_top rows and pad_left columns (and past the image as far as the tiles reach) without a
// padded copy, as in winograd4_conv3x3; C % 4 = 0, CO % 8 = 0. `scratch`:
// winograd4FilterGradientScratchFloats floats (dU, then V and E of one block, then 144 floats for a
// tile's transform in progress).
EXPORT(winograd4_filter_gradient)
void winograd4_filter_gradient(float *dw, const float *x, const float *dy, float *scratch, int batch, int in_height,
                               int in_width, int channels, int out_height, int out_width, int out_channels, int pad_top,
                               int pad_left, int block) {
  const int tiles_wide = (out_width + 3) / 4, tiles_per_image = (out_height + 3) / 4 * tiles_wide;
  const int tiles = batch * tiles_per_image, row = in_width * channels, dy_row = out_width * out_channels;
  const int transformed = channels * out_channels;
  float *du = scratch, *v = du + 36 * transformed, *e = v + 36 * block * channels, *temp = e + 36 * block * out_channels;
  if (tiles == 0) for (int i = 0; i < 36 * transformed; i++) du[i] = 0.0f; // no tiles: dw = 0 (else the first block stores)
  for (int t0 = 0; t0 < tiles; t0 += block) {
    const int count = tiles - t0 < block ? tiles - t0 : block;
    for (int r = 0; r < count; r++) {
      const int tile = t0 + r, n = tile / tiles_per_image, t = tile % tiles_per_image;
      const int oh = 4 * (t / tiles_wide), ow = 4 * (t % tiles_wide);
      const int inside = window_inside(oh - pad_top, ow - pad_left, in_height, in_width);
      const float *d = x + ((n * in_height + oh - pad_top) * in_width + ow - pad_left) * channels;
      float *target = v + r * channels;
      for (int c = 0; c < channels; c += 4, d += 4, target += 4) winograd4_input_tile(target, block * channels, temp, d, row, channels, inside);
      const float *g = dy + ((n * out_height + oh) * out_width + ow) * out_channels;
      const int rows = out_height - oh, columns = out_width - ow;
      float *q = e + r * out_channels;
      for (int co = 0; co < out_channels; co += 4, g += 4, q += 4) {
        winograd4_gradient_tile(q, block * out_channels, temp, g, dy_row, out_channels, rows, columns);
      }
    }
    winograd_gradient_products(du, v, e, 36, block, count, channels, out_channels, t0 > 0);
  }
  // dw = Gᵀ dU G, 4 co at a time: w4_filter_gradient down each column j of dU (lines 0-5: 6 → 3 rows
  // kh, into dU's first 3 rows in place), then along each row kh (lines 6-8: 6 → 3 columns kw) into dw.
  for (int c = 0; c < channels; c++) {
    for (int co = 0; co < out_channels; co += 4) {
      float *u = du + c * out_channels + co;
      for (int line = 0; line < 9; line++) {
        const int down = line < 6;
        const float *source = down ? u + line * transformed : u + 6 * (line - 6) * transformed;
        float *out = down ? u + line * transformed : dw + (3 * (line - 6) * channels + c) * out_channels + co;
        const int step = down ? 6 * transformed : transformed, out_step = down ? 6 * transformed : transformed;
        v128_t values[6], taps[3];
#pragma clang loop unroll(full)
        for (int k = 0; k < 6; k++) values[k] = wasm_v128_load(source + k * step);
        w4_filter_gradient(taps, values);
#pragma clang loop unroll(full)
        for (int k = 0; k < 3; k++) wasm_v128_store(out + k * out_step, taps[k]);
      }
    }
  }
}

// The input gradient of winograd_conv3x3's convolution (stride 1, any padding) as its adjoint, on
// dy's own 2 × 2 tiles: with E = A dY_t Aᵀ (as in winograd_filter_gradient),
//   dV[p, t, c] = Σ_co E[p, t, co] · ut[p, co, c],   dx[window of t] += B dV_t Bᵀ,
// the 4 × 4 window of tile t starting at (2·th − pad_top, 2·tw − pad_left), its parts outside dx
// dropped. Windows of neighbouring tiles overlap by 2 rows / columns and add up in tile order.
// Unlike the full convolution of a zero-padded dy, no tile lies in padding: seed conv2's
// 13 × 13 ← 11 × 11 input gradient runs 36 tiles an image instead of 49.
//   B = [1 0 0 0; 0 1 −1 1; −1 1 1 0; 0 0 0 −1].
// ut[16, CO, C] = winograd_filter of the filter with its channel axes swapped (HWOI);
// C % 8 = 0, CO % 4 = 0. `panel`: winogradInputGradientPanelFloats (per quad, 16 panels of its 4
// tiles' E, [co][tile]; per quad the 16 × 4 × 8 products of one block of 8 c).
EXPORT(winograd_input_gradient)
void winograd_input_gradient(float *dx, const float *dy, const float *ut, float *panel, int batch, int in_height,
                             int in_width, int channels, int out_height, int out_width, int out_channels, int pad_top,
                             int pad_left, int quads) {
  const int tiles_wide = (out_width + 1) / 2, tiles_per_image = (out_height + 1) / 2 * tiles_wide;
  const int tiles = batch * tiles_per_image, dy_row = out_width * out_channels, dx_row = in_width * channels;
  const int panel_size = 4 * out_channels;
  float *products = panel + 16 * quads * panel_size;
  for (int i = 0; i < batch * in_height * dx_row; i++) dx[i] = 0.0f;
  for (int g0 = 0; g0 < tiles; g0 += 4 * quads) {
    const int group = tiles - g0 < 4 * quads ? tiles - g0 : 4 * quads, group_quads = (group + 3) / 4;
    // A dY Aᵀ per tile, a quad's 4 tiles at a time through `products` as in winograd_conv3x3 (the
    // tiles' places and edges found once per quad, not per 4 channels).
    for (int q = 0; q < group_quads; q++) {
      const int first = g0 + 4 * q, last = g0 + group - 1;
#define WG_PLACE(r)                                                            \
      const int t##r = quad_tile(first, r, last);                              \
      const float *y##r = winograd_window(dy, t##r, tiles_per_image, tiles_wide, out_height, out_width, out_channels); \
      const int e##r = winograd_edges(t##r, tiles_per_image, tiles_wide, out_height, out_width)
      WG_PLACE(0);
      WG_PLACE(1);
      WG_PLACE(2);
      WG_PLACE(3);
#undef WG_PLACE
      for (int co = 0; co < out_channels; co += 4) {
        winograd_gradient_tile(products, 16, y0 + co, dy_row, out_channels, e0 & 1, e0 >> 1);
        winograd_gradient_tile(products + 4, 16, y1 + co, dy_row, out_channels, e1 & 1, e1 >> 1);
        winograd_gradient_tile(products + 8, 16, y2 + co, dy_row, out_channels, e2 & 1, e2 >> 1);
        winograd_gradient_tile(products + 12, 16, y3 + co, dy_row, out_channels, e3 & 1, e3 >> 1);
        winograd_quad_to_panels(panel + q * 16 * panel_size + 4 * co, products, panel_size);
      }
    }
    for (int c = 0; c < channels; c += 8) {
      winograd_products(products, panel, panel_size, group_quads, ut + c, out_channels * channels, channels, out_channels);
      // B dV Bᵀ per tile and 4 c: rows (v0, v1 − v2 + v3, v1 + v2 − v0, −v3) down each column j,
      // then the same along each row; added into the window's pixels inside dx.
      for (int i = 0; i < group; i++) {
        const int tile = g0 + i, n = tile / tiles_per_image, t = tile % tiles_per_image;
        const int h0 = 2 * (t / tiles_wide) - pad_top, w0 = 2 * (t % tiles_wide) - pad_left;
        const int window = ((n * in_height + h0) * in_width + w0) * channels + c; // may be < 0: only in-range offsets are dereferenced
        for (int half = 0; half < 8; half += 4) {
          const float *m = products + (i >> 2) * 512 + (i & 3) * 8 + half;
#define WX_COLUMN(j, r0, r1, r2, r3)                                           \
          const v128_t r0##a = wasm_v128_load(m + (j) * 32), r0##b = wasm_v128_load(m + (4 + (j)) * 32); \
          const v128_t r0##c = wasm_v128_load(m + (8 + (j)) * 32), r0##d = wasm_v128_load(m + (12 + (j)) * 32); \
          const v128_t r0 = r0##a, r3 = wasm_f32x4_neg(r0##d);                 \
          const v128_t r1 = wasm_f32x4_add(wasm_f32x4_sub(r0##b, r0##c), r0##d); \
          const v128_t r2 = wasm_f32x4_sub(wasm_f32x4_add(r0##b, r0##c), r0##a)
          WX_COLUMN(0, k00, k10, k20, k30);
          WX_COLUMN(1, k01, k11, k21, k31);
          WX_COLUMN(2, k02, k12, k22, k32);
          WX_COLUMN(3, k03, k13, k23, k33);
#undef WX_COLUMN
#define WX_ADD(r, s, v)                                                        \
          if (h0 + (r) >= 0 && h0 + (r) < in_height && w0 + (s) >= 0 && w0 + (s) < in_width) { \
            float *o_ = dx + window + (r) * dx_row + (s) * channels + half;    \
            wasm_v128_store(o_, wasm_f32x4_add(wasm_v128_load(o_), (v)));      \
          }
#define WX_OUT_ROW(r, a, b, c, d)                                              \
          do {                                                                 \
            WX_ADD(r, 0, a)                                                    \
            WX_ADD(r, 1, wasm_f32x4_add(wasm_f32x4_sub(b, c), d))              \
            WX_ADD(r, 2, wasm_f32x4_sub(wasm_f32x4_add(b, c), a))              \
            WX_ADD(r, 3, wasm_f32x4_neg(d))                                    \
          } while (0)
          WX_OUT_ROW(0, k00, k01, k02, k03);
          WX_OUT_ROW(1, k10, k11, k12, k13);
          WX_OUT_ROW(2, k20, k21, k22, k23);
          WX_OUT_ROW(3, k30, k31, k32, k33);
#undef WX_OUT_ROW
#undef WX_ADD
        }
      }
    }
  }
}

// Helpers of the F(4×4) kernels kept out of line: inlined into their 4-way unrolled call sites they
// made the module ~1.8 KB larger, for calls that each run a whole 6 × 6 transform or GEMM stage.
#define W4_OUTLINE __attribute__((noinline)) static

// Moves 4 tiles' F(4×4) transforms of 4 channels from `temp` ([p][tile][channel], 16 floats a
// position) into a quad's 36 TILE_4X8_PANEL panels at `panel` (position p at p·panel_size,
// [channel][tile]), as winograd_quad_to_panels does for F(2×2)'s 16.
W4_OUTLINE void winograd4_quad_to_panels(float *panel, const float *temp, int panel_size) {
  for (int p = 0; p < 36; p++, temp += 16, panel += panel_size) {
    store_transposed(panel, 4, wasm_v128_load(temp), wasm_v128_load(temp + 4), wasm_v128_load(temp + 8), wasm_v128_load(temp + 12));
  }
}

// E = A dY Aᵀ of the 4 × 4 output gradient at g (rows `dy_row` floats apart, pixels `channels`), of
// which the first `rows` rows and `columns` columns lie inside the output (the rest read as 0), 4
// channels: w4_gradient down each column j into positions 6i + j of target (j < 4 as scratch), then
// along each row i in place; position p = 6i + j at target + p·stride. The filter gradient's
// winograd4_gradient_tile computes the same through a scratch of its own, for its widely strided
// target; here the target is the quad's 16-float-strided scratch, which serves as its own.
W4_OUTLINE void winograd4_gradient_tile_in_place(float *target, int stride, const float *g, int dy_row, int channels, int rows,
                                        int columns) {
  w4_gradient_columns(target, stride, 6 * stride, g, dy_row, channels, rows, columns);
  w4_gradient_rows(target, 6 * stride, stride, target, 6 * stride, stride);
}

// dx[6 × 6 window at (h0, w0)] += B dV Bᵀ for 4 channels of one tile, dV[p] at m + p·32 (the
// products' layout): w4_input_gradient down each column j in place, then along each row r, added
// into the window's pixels inside dx (`window`: the float offset of pixel (h0, w0) from dx, which
// may lie outside it; only in-range offsets are dereferenced).
static void winograd4_add_window(float *dx, int window, float *m, int h0, int w0, int in_height, int in_width, int dx_row,
                                 int channels) {
  for (int j = 0; j < 6; j++) {
    v128_t v[6], x[6];
#pragma clang loop unroll(full)
    for (int k = 0; k < 6; k++) v[k] = wasm_v128_load(m + (6 * k + j) * 32);
    w4_input_gradient(x, v);
#pragma clang loop unroll(full)
    for (int r = 0; r < 6; r++) wasm_v128_store(m + (6 * r + j) * 32, x[r]);
  }
  for (int r = 0; r < 6; r++) {
    if (h0 + r < 0 || h0 + r >= in_height) continue;
    v128_t v[6], x[6];
#pragma clang loop unroll(full)
    for (int j = 0; j < 6; j++) v[j] = wasm_v128_load(m + (6 * r + j) * 32);
    w4_input_gradient(x, v);
#pragma clang loop unroll(full)
    for (int s = 0; s < 6; s++) {
      if (w0 + s >= 0 && w0 + s < in_width) {
        float *o = dx + window + r * dx_row + s * channels;
        wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), x[s]));
      }
    }
  }
}

// The input gradient of the F(4×4, 3×3) convolution (stride 1, any padding) as its adjoint, on dy's
// own 4 × 4 tiles, as winograd_input_gradient on 2 × 2 ones: with E = A dY_t Aᵀ (dY_t: the tile's
// output gradient, 0 past OH / OW),
//   dV[p, t, c] = Σ_co E[p, t, co] · ut[p, co, c],   dx[window of t] += B dV_t Bᵀ,
// the 6 × 6 window of tile t starting at (4·th − pad_top, 4·tw − pad_left), its parts outside dx
// dropped. Windows of neighbouring tiles overlap by 2 rows / columns and add up in tile order
// (tiles are numbered across the batch; a pooled call is cut into whole images, whose windows
// never meet). 36 GEMMs of [tiles, CO] · [CO, C] per group of quads (TILE_4X8_PANEL, 8 c a block),
// 2.25 products per dy pixel, input and output channel where F(2×2) takes 4.
// ut[36, C / 8, CO, 8] = winograd4_filter of the filter with its channel axes swapped (HWOI);
// C % 8 = 0, CO % 4 = 0. `panel`: winograd4InputGradientPanelFloats (per quad, 36 panels of its 4
// tiles' E, [co][tile]; then per quad the 36 × 4 × 8 products of one block of 8 c). A last quad of
// fewer than 4 tiles repeats its last tile and adds only its own.
EXPORT(winograd4_input_gradient)
void winograd4_input_gradient(float *dx, const float *dy, const float *ut, float *panel, int batch, int in_height,
                              int in_width, int channels, int out_height, int out_width, int out_channels, int pad_top,
                              int pad_left, int quads) {
  const int tiles_wide = (out_width + 3) / 4, tiles_per_image = (out_height + 3) / 4 * tiles_wide;
  const int tiles = batch * tiles_per_image, dy_row = out_width * out_channels, dx_row = in_width * channels;
  const int panel_size = 4 * out_channels;
  float *products = panel + 36 * quads * panel_size;
  zero_floats(dx, batch * in_height * dx_row);
  for (int g0 = 0; g0 < tiles; g0 += 4 * quads) {
    const int group = tiles - g0 < 4 * quads ? tiles - g0 : 4 * quads, group_quads = (group + 3) / 4;
    // E per tile, a quad's 4 tiles of 4 co at a time into `products` (free until the GEMMs), then
    // into the quad's 36 panels.
    for (int q = 0; q < group_quads; q++) {
      const int first = g0 + 4 * q, last = g0 + group - 1;
      const float *y[4];
      int rows[4], columns[4];
#pragma clang loop unroll(full)
      for (int r = 0; r < 4; r++) {
        const int tile = quad_tile(first, r, last), t = tile % tiles_per_image;
        const int oh = 4 * (t / tiles_wide), ow = 4 * (t % tiles_wide);
        y[r] = dy + ((tile / tiles_per_image * out_height + oh) * out_width + ow) * out_channels;
        rows[r] = out_height - oh < 4 ? out_height - oh : 4;
        columns[r] = out_width - ow < 4 ? out_width - ow : 4;
      }
      for (int co = 0; co < out_channels; co += 4) {
#pragma clang loop unroll(full)
        for (int r = 0; r < 4; r++) winograd4_gradient_tile_in_place(products + 4 * r, 16, y[r] + co, dy_row, out_channels, rows[r], columns[r]);
        winograd4_quad_to_panels(panel + q * 36 * panel_size + 4 * co, products, panel_size);
      }
    }
    for (int c = 0; c < channels; c += 8) {
      winograd4_products(products, panel, panel_size, group_quads, ut + c * out_channels, out_channels * channels, 8, out_channels);
      for (int i = 0; i < group; i++) {
        const int tile = g0 + i, n = tile / tiles_per_image, t = tile % tiles_per_image;
        const int h0 = 4 * (t / tiles_wide) - pad_top, w0 = 4 * (t % tiles_wide) - pad_left;
        const int window = ((n * in_height + h0) * in_width + w0) * channels + c;
        float *m = products + (i >> 2) * 36 * 32 + (i & 3) * 8; // quad i / 4, tile i % 4
        winograd4_add_window(dx, window, m, h0, w0, in_height, in_width, dx_row, channels);
        winograd4_add_window(dx, window + 4, m + 4, h0, w0, in_height, in_width, dx_row, channels);
      }
    }
  }
}

// Conv2DBackpropInput, direct: the GEMM dcol = dy · Wᵀ fused with its col2im scatter, into a
// zero-padded input gradient dxp[N, Hp, Wp, C] (Hp = (OH − 1)·sh + KH, so no tap is out of range):
//   dxp[origin(m) + off(k)] += Σ_co dy[m, co] · wt[co, k],
// with origin/off as in conv2d_backprop_filter and wt from transpose_filter. Register tile: 4
// output pixels × 8 k (8 f32x4 accumulators; dy values broadcast, wt rows loaded as vectors),
// reduced over co, then added into dxp: 4 lanes at a time when they share a tap (C % 4 = 0),
// lane by lane otherwise. No dcol buffer; dxp is zeroed first. Each image's dy is first packed,
// 4 pixels at a time, into `panel` (the caller's scratch: ⌈OH·OW / 4⌉·4·CO floats, then the
// padded depth's tap offsets as ints) for TILE_4X8_PANEL; a last quad of fewer than 4 pixels
// repeats its last pixel and is not scattered.
EXPORT(conv2d_backprop_input)
void conv2d_backprop_input(float *dxp, const float *dy, const float *wt, float *panel, int batch, int padded_height,
                           int padded_width, int channels, int filter_height, int filter_width, int out_height,
                           int out_width, int out_channels, int stride_height, int stride_width) {
  const int depth = filter_height * filter_width * channels;
  const int padded_depth = (depth + 7) & ~7;
  const int pixels = out_height * out_width;
  const int image_size = padded_height * padded_width * channels;
  const int vector_taps = (channels & 3) == 0;
  // The tap offsets, once per call (per image they cost ~15% of the sums: 3 divisions each).
  int *taps = (int *)(panel + ((pixels + 3) & ~3) * out_channels);
  for (int k = 0; k < padded_depth; k++) taps[k] = tap_offset(k, depth, channels, filter_width, padded_width);
  for (int i = 0; i < batch * image_size; i++) dxp[i] = 0.0f;
  for (int n = 0; n < batch; n++) {
    float *image = dxp + n * image_size;
    const float *gradient = dy + n * pixels * out_channels;
    for (int m = 0; m < pixels; m += 4) {
      const int last = pixels - 1;
      pack_panel(panel + m * out_channels, gradient + m * out_channels, gradient + (m + 1 < last ? m + 1 : last) * out_channels,
                 gradient + (m + 2 < last ? m + 2 : last) * out_channels, gradient + (m + 3 < last ? m + 3 : last) * out_channels,
                 1, out_channels, 0);
    }
    // k tiles outside, pixels inside: a tile's 8 columns of wt stay in L1 for the whole image.
    for (int k = 0; k < padded_depth; k += 8) {
      const int o0 = taps[k], o1 = taps[k + 1], o2 = taps[k + 2], o3 = taps[k + 3];
      const int o4 = taps[k + 4], o5 = taps[k + 5], o6 = taps[k + 6], o7 = taps[k + 7];
      const int lanes = depth - k < 8 ? depth - k : 8;
      int oh = 0, ow = 0; // of pixel m
      for (int m = 0; m < pixels; m += 4) {
        const int count = pixels - m < 4 ? pixels - m : 4;
        // Pixels past the image's last repeat it in the panel; their sums are not scattered.
        TILE_4X8_ZERO;
        TILE_4X8_PANEL(panel + m * out_channels, wt + k, padded_depth, out_channels);
        for (int i = 0; i < count; i++) {
          float *origin = image + (oh * stride_height * padded_width + ow * stride_width) * channels;
          if (++ow == out_width) ow = 0, oh++;
          const v128_t low = i == 0 ? a00 : i == 1 ? a10 : i == 2 ? a20 : a30;
          const v128_t high = i == 0 ? a01 : i == 1 ? a11 : i == 2 ? a21 : a31;
          if (vector_taps) {
            wasm_v128_store(origin + o0, wasm_f32x4_add(wasm_v128_load(origin + o0), low));
            if (lanes > 4) wasm_v128_store(origin + o4, wasm_f32x4_add(wasm_v128_load(origin + o4), high));
            continue;
          }
          origin[o0] += wasm_f32x4_extract_lane(low, 0);
          if (lanes > 1) origin[o1] += wasm_f32x4_extract_lane(low, 1);
          if (lanes > 2) origin[o2] += wasm_f32x4_extract_lane(low, 2);
          if (lanes > 3) origin[o3] += wasm_f32x4_extract_lane(low, 3);
          if (lanes > 4) origin[o4] += wasm_f32x4_extract_lane(high, 0);
          if (lanes > 5) origin[o5] += wasm_f32x4_extract_lane(high, 1);
          if (lanes > 6) origin[o6] += wasm_f32x4_extract_lane(high, 2);
          if (lanes > 7) origin[o7] += wasm_f32x4_extract_lane(high, 3);
        }
      }
    }
  }
}

// The epilogue of _FusedMatMul (FusedConv2D's runs inside the convolution kernels), in place on a
// row-major out[rows, columns]: out[i, j] = act(out[i, j] + bias[j]), the bias only when has_bias,
// act the identity or (relu != 0) max(·, 0): epilogue4 / epilogue1, as the convolutions apply it.
EXPORT(bias_activation)
void bias_activation(float *out, const float *bias, int rows, int columns, int has_bias, int relu) {
  const int c4 = columns & ~3;
  const relu_constants rc = epilogue_relu(relu);
  for (int i = 0; i < rows; i++) {
    float *row = out + i * columns;
    int j = 0;
    for (; j < c4; j += 4) wasm_v128_store(row + j, epilogue4(wasm_v128_load(row + j), epilogue_bias(has_bias ? bias + j : 0), rc));
    for (; j < columns; j++) row[j] = epilogue1(row[j], has_bias ? bias + j : 0, relu);
  }
}

// A row-major x[rows, columns] combined with a per-column vector v[columns] (broadcast over the
// leading axes, as in batch-norm gradients: [N, H, W, C] ∘ [C]):
//   out[i, j] = x[i, j] ∘ v[j],   ∘ = · (op 0), + (op 1), − (op 2), or v[j] − x[i, j] (op 3).
EXPORT(binary_channels)
void binary_channels(float *out, const float *x, const float *v, int rows, int columns, int op) {
  const int c4 = columns & ~3;
  for (int i = 0; i < rows; i++) {
    const float *row = x + i * columns;
    float *target = out + i * columns;
    int j = 0;
    // One loop per op: -Os does not unswitch the loop, and testing the op per vector made a bias add
    // (64 × 26 × 26 × 32) take 1.4 ms where a stock Relu over as many floats takes 0.9.
#define BC_LOOP(expression)                                                    \
    for (; j < c4; j += 4) {                                                   \
      const v128_t a = wasm_v128_load(row + j), b = wasm_v128_load(v + j);     \
      wasm_v128_store(target + j, expression);                                 \
    }
    if (op == 0) BC_LOOP(wasm_f32x4_mul(a, b))
    else if (op == 1) BC_LOOP(wasm_f32x4_add(a, b))
    else if (op == 2) BC_LOOP(wasm_f32x4_sub(a, b))
    else BC_LOOP(wasm_f32x4_sub(b, a))
#undef BC_LOOP
    for (; j < columns; j++) target[j] = op == 0 ? row[j] * v[j] : op == 1 ? row[j] + v[j] : op == 2 ? row[j] - v[j] : v[j] - row[j];
  }
}

// One SGD-with-momentum update (PyTorch's formulation) of a variable of `size` floats, into fresh
// buffers theta_out and velocity_out, each product and sum rounded to float32 as the op-by-op
// update (tfjs's mul, add, sub, each its own kernel) rounds it:
//   g' = g + λ·θ (weight_decay λ > 0; else g),   v' = μ·v + g',   θ' = θ − lr·(nesterov ? g' + μ·v' : v').
EXPORT(sgd_momentum)
void sgd_momentum(float *theta_out, float *velocity_out, const float *theta, const float *velocity, const float *gradient, int size,
                  float momentum, float learning_rate, float weight_decay, int nesterov) {
  const int s4 = size & ~3;
  const v128_t mu = wasm_f32x4_splat(momentum), lr = wasm_f32x4_splat(learning_rate), decay = wasm_f32x4_splat(weight_decay);
  const int decayed = weight_decay > 0.0f;
  int i = 0;
  for (; i < s4; i += 4) {
    const v128_t t = wasm_v128_load(theta + i);
    v128_t g = wasm_v128_load(gradient + i);
    if (decayed) g = wasm_f32x4_add(g, wasm_f32x4_mul(t, decay));
    const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(velocity + i), mu), g);
    const v128_t step = nesterov ? wasm_f32x4_add(g, wasm_f32x4_mul(v, mu)) : v;
    wasm_v128_store(velocity_out + i, v);
    wasm_v128_store(theta_out + i, wasm_f32x4_sub(t, wasm_f32x4_mul(step, lr)));
  }
  for (; i < size; i++) {
    float g = gradient[i];
    if (decayed) g = g + theta[i] * weight_decay;
    const float v = velocity[i] * momentum + g;
    const float step = nesterov ? g + v * momentum : v;
    velocity_out[i] = v;
    theta_out[i] = theta[i] - step * learning_rate;
  }
}

// One Adam / AdamW update of a variable of `size` floats into fresh theta_out, m_out, v_out, each
// product, quotient, root and sum rounded to float32 as the op-by-op update rounds it. `params`: ten
// floats β1, 1 − β1, β2, 1 − β2, c1 = 1 − β1^t, c2 = 1 − β2^t, ε, lr, λ (Adam's coupled weight decay,
// else 0), lr·λ (AdamW's decoupled decay, else 0):
//   g' = g + λ·θ,   m' = β1·m + (1 − β1)·g',   v' = β2·v + (1 − β2)·g'²,
//   θ' = θ − (lr·λ)·θ − lr·((m'/c1) / (√(v'/c2) + ε))
EXPORT(adam_update)
void adam_update(float *theta_out, float *m_out, float *v_out, const float *theta, const float *m, const float *v, const float *gradient, int size,
                 const float *params) {
  const v128_t b1 = wasm_f32x4_splat(params[0]), one_b1 = wasm_f32x4_splat(params[1]), b2 = wasm_f32x4_splat(params[2]), one_b2 = wasm_f32x4_splat(params[3]);
  const v128_t c1 = wasm_f32x4_splat(params[4]), c2 = wasm_f32x4_splat(params[5]), eps = wasm_f32x4_splat(params[6]), lr = wasm_f32x4_splat(params[7]);
  const v128_t decay = wasm_f32x4_splat(params[8]), lr_decay = wasm_f32x4_splat(params[9]);
  const int coupled = params[8] > 0.0f, decoupled = params[9] > 0.0f;
  const int s4 = size & ~3;
  int i = 0;
  for (; i < s4; i += 4) {
    const v128_t t = wasm_v128_load(theta + i);
    v128_t g = wasm_v128_load(gradient + i);
    if (coupled) g = wasm_f32x4_add(g, wasm_f32x4_mul(t, decay));
    const v128_t m1 = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1), wasm_f32x4_mul(g, one_b1));
    const v128_t v1 = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(g, g), one_b2));
    const v128_t base = decoupled ? wasm_f32x4_sub(t, wasm_f32x4_mul(t, lr_decay)) : t;
    const v128_t step = wasm_f32x4_div(wasm_f32x4_div(m1, c1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(v1, c2)), eps));
    wasm_v128_store(m_out + i, m1);
    wasm_v128_store(v_out + i, v1);
    wasm_v128_store(theta_out + i, wasm_f32x4_sub(base, wasm_f32x4_mul(step, lr)));
  }
  for (; i < size; i++) {
    const float t = theta[i];
    float g = gradient[i];
    if (coupled) g = g + t * params[8];
    const float m1 = m[i] * params[0] + g * params[1];
    const float v1 = v[i] * params[2] + (g * g) * params[3];
    const float base = decoupled ? t - t * params[9] : t;
    const float step = (m1 / params[4]) / (__builtin_sqrtf(v1 / params[5]) + params[6]);
    m_out[i] = m1;
    v_out[i] = v1;
    theta_out[i] = base - step * params[7];
  }
}

// Σ x² over `size` floats (a gradient's squared L2 norm): float32 sums in 4 lanes over blocks of 1024
// floats, each block added in double, so the error stays that of a 1024-term float32 sum however
// large the tensor.
#define SUM_SQUARES_BLOCK 1024
EXPORT(sum_squares)
double sum_squares(const float *x, int size) {
  double total = 0.0;
  for (int start = 0; start < size; start += SUM_SQUARES_BLOCK) {
    const int end = size - start < SUM_SQUARES_BLOCK ? size : start + SUM_SQUARES_BLOCK;
    v128_t acc = wasm_f32x4_splat(0.0f);
    int i = start;
    for (; i + 4 <= end; i += 4) {
      const v128_t v = wasm_v128_load(x + i);
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(v, v));
    }
    double block = (double)wasm_f32x4_extract_lane(acc, 0) + (double)wasm_f32x4_extract_lane(acc, 1) + (double)wasm_f32x4_extract_lane(acc, 2) +
                   (double)wasm_f32x4_extract_lane(acc, 3);
    for (; i < end; i++) block += (double)x[i] * (double)x[i];
    total += block;
  }
  return total;
}

// Packs the right operand of `matmul` into column slices: bp[s, k, j] = B[k, 8s + j] for the
// ⌈N / 8⌉ slices of 8 columns, zeros past N, so that each 4 × 8 tile streams one contiguous K × 8
// slice (reading B's rows at stride N touched a new cache line every step: seed-cnn fc1's three
// GEMMs 2.2 / 1.8 / 2.7 → 1.5 / 1.3 / 1.7 ms in a scratch harness, packing included). B is
// row-major [K, N] (b[k·N + n]), or with `transposed` stored as [N, K] (b[n·K + k], dense dx =
// dy·Wᵀ), whose 4 × 4 blocks are transposed with shuffles.
EXPORT(pack_columns)
void pack_columns(float *bp, const float *b, int depth, int columns, int transposed) {
  for (int n = 0; n < columns; n += 8) {
    float *slice = bp + n * depth;
    const int width = columns - n < 8 ? columns - n : 8;
    int k = 0;
    if (width == 8 && !transposed) {
      for (; k < depth; k++) {
        wasm_v128_store(slice + 8 * k, wasm_v128_load(b + k * columns + n));
        wasm_v128_store(slice + 8 * k + 4, wasm_v128_load(b + k * columns + n + 4));
      }
    } else if (width == 8) {
      for (; k + 4 <= depth; k += 4) {
        for (int half = 0; half < 2; half++) {
          const float *r = b + (n + 4 * half) * depth + k;
          store_transposed(slice + 8 * k + 4 * half, 8, wasm_v128_load(r), wasm_v128_load(r + depth), wasm_v128_load(r + 2 * depth), wasm_v128_load(r + 3 * depth));
        }
      }
    }
    for (; k < depth; k++) {
      for (int j = 0; j < 8; j++) slice[8 * k + j] = j < width ? (transposed ? b[(n + j) * depth + k] : b[k * columns + n + j]) : 0.0f;
    }
  }
}

// Stores the first `width` (< 8) of the 8 floats [low high] at t.
static void store_first(float *t, v128_t low, v128_t high, int width) {
  wasm_v128_store32_lane(t, low, 0);
  if (width > 1) wasm_v128_store32_lane(t + 1, low, 1);
  if (width > 2) wasm_v128_store32_lane(t + 2, low, 2);
  if (width > 3) wasm_v128_store32_lane(t + 3, low, 3);
  if (width > 4) wasm_v128_store32_lane(t + 4, high, 0);
  if (width > 5) wasm_v128_store32_lane(t + 5, high, 1);
  if (width > 6) wasm_v128_store32_lane(t + 6, high, 2);
}

// Dense matrix product (BatchMatMul, _FusedMatMul; dense layers' forward and gradients
// dW = xᵀ·dy, dx = dy·Wᵀ):
//   out[m, n] = Σ_k A[m, k] · B[k, n],   A[m, k] = a[m·stride_m + k·stride_k],
// so a transposed A costs nothing (stride_m = 1, stride_k = M); B comes packed by pack_columns
// (bp, ⌈N / 8⌉·8·K floats). out is row-major [M, N].
// A is first packed, 4 rows at a time, into `panel` (the caller's scratch, ⌈M / 4⌉·4·K floats;
// rows past M repeat the last and are not stored); then the 4 m × 8 n tile of the convolution
// kernels (TILE_4X8_PANEL) with column slices outside, so a K × 8 slice of B stays in L2 while
// every quad of A passes. A last slice narrower than 8 stores its columns one by one.
EXPORT(matmul)
void matmul(float *out, const float *a, const float *bp, float *panel, int rows, int depth, int columns, int stride_m,
            int stride_k) {
  for (int m = 0; m < rows; m += 4) {
    const int last = rows - 1;
    const float *r0 = a + m * stride_m;
    const float *r1 = a + (m + 1 < last ? m + 1 : last) * stride_m;
    const float *r2 = a + (m + 2 < last ? m + 2 : last) * stride_m;
    const float *r3 = a + (m + 3 < last ? m + 3 : last) * stride_m;
    float *quad = panel + m * depth;
    if (stride_k == 1) {
      pack_panel(quad, r0, r1, r2, r3, 1, depth, 0);
    } else if (stride_m == 1 && rows - m >= 4) {
      for (int k = 0; k < depth; k++) wasm_v128_store(quad + 4 * k, wasm_v128_load(r0 + k * stride_k));
    } else {
      for (int k = 0; k < depth; k++) {
        quad[4 * k] = r0[k * stride_k], quad[4 * k + 1] = r1[k * stride_k];
        quad[4 * k + 2] = r2[k * stride_k], quad[4 * k + 3] = r3[k * stride_k];
      }
    }
  }
  for (int n = 0; n < columns; n += 8) {
    const int width = columns - n < 8 ? columns - n : 8;
    for (int m = 0; m < rows; m += 4) {
      const int count = rows - m < 4 ? rows - m : 4;
      TILE_4X8_ZERO;
      TILE_4X8_PANEL(panel + m * depth, bp + n * depth, 8, depth);
      float *target = out + m * columns + n;
      if (width == 8) {
        TILE_4X8_STORE(target, columns, count);
        continue;
      }
      store_first(target, a00, a01, width);
      if (count > 1) store_first(target + columns, a10, a11, width);
      if (count > 2) store_first(target + 2 * columns, a20, a21, width);
      if (count > 3) store_first(target + 3 * columns, a30, a31, width);
    }
  }
}
