/**
 * Seeded data augmentation on 28×28 uint8 images, in plain JS: a random affine transform
 * (rotation, scale, shift) optionally combined with an elastic distortion (Simard et al. 2003),
 * sampled once per output pixel by inverse mapping with bilinear interpolation (zero outside).
 */
import { IMAGE_SIZE, PIXELS_PER_IMAGE } from './digit-dataset.js';
import { DatasetError } from './errors.js';
import type { Random } from './random.js';

/** What to randomise. Every field is off when omitted; see {@link RECOMMENDED_AUGMENTATION}. */
export interface AugmentOptions {
  /** Maximum rotation in degrees, either way (uniform in [−rotation, rotation]). */
  rotation?: number;
  /** Maximum shift in pixels along each axis. Exclusive with `shiftFraction`. */
  shiftPixels?: number;
  /** Maximum shift as a fraction of the image side (0.1 = 2.8 px). Exclusive with `shiftPixels`. */
  shiftFraction?: number;
  /** Zoom range `[min, max]`, uniform; 1 = unchanged, > 1 enlarges the digit. */
  scale?: readonly [number, number];
  /** Elastic distortion (Simard): uniform(−1, 1) displacements smoothed by a unit-sum Gaussian of `sigma` pixels, times `alpha` (Simard: alpha 34, sigma 4). */
  elastic?: { alpha: number; sigma: number } | false;
}

/** Rotation 10°, zoom ±10 %, shift 10 %: the recipe of the best single-CNN MNIST results (Deotte). */
export const RECOMMENDED_AUGMENTATION: Readonly<AugmentOptions> = Object.freeze({ rotation: 10, scale: [0.9, 1.1] as const, shiftFraction: 0.1 });

/** Throws a DatasetError naming the bad field. */
export function validateAugmentOptions(options: AugmentOptions): void {
  const bad = (field: string, value: unknown, rule: string) =>
    new DatasetError(`augment.${field} must be ${rule}, got ${JSON.stringify(value)}.`);
  const { rotation = 0, shiftPixels, shiftFraction, scale, elastic } = options;
  if (!Number.isFinite(rotation) || rotation < 0 || rotation > 180) throw bad('rotation', rotation, 'a number of degrees in 0..180');
  if (shiftPixels !== undefined && shiftFraction !== undefined) throw new DatasetError('augment: give shiftPixels or shiftFraction, not both.');
  if (shiftPixels !== undefined && !(shiftPixels >= 0 && shiftPixels <= IMAGE_SIZE)) throw bad('shiftPixels', shiftPixels, 'a number of pixels in 0..28');
  if (shiftFraction !== undefined && !(shiftFraction >= 0 && shiftFraction <= 1)) throw bad('shiftFraction', shiftFraction, 'a fraction in 0..1');
  if (scale !== undefined && !(scale.length === 2 && scale[0] > 0 && scale[1] >= scale[0] && Number.isFinite(scale[1]))) {
    throw bad('scale', scale, '[min, max] with 0 < min <= max');
  }
  if (elastic && !(elastic.alpha >= 0 && Number.isFinite(elastic.alpha) && elastic.sigma > 0 && elastic.sigma <= IMAGE_SIZE)) {
    throw bad('elastic', elastic, '{ alpha >= 0, sigma in (0, 28] } (Simard used alpha 34, sigma 4)');
  }
}

/** Reusable scratch memory, so augmenting a batch allocates nothing per image. */
export interface AugmentScratch {
  dx: Float32Array;
  dy: Float32Array;
  tmp: Float32Array;
  kernel: Float32Array;
  kernelSigma: number;
}

/** Allocates scratch memory for {@link augmentImage}. */
export function createAugmentScratch(): AugmentScratch {
  return { dx: new Float32Array(PIXELS_PER_IMAGE), dy: new Float32Array(PIXELS_PER_IMAGE), tmp: new Float32Array(PIXELS_PER_IMAGE), kernel: new Float32Array(0), kernelSigma: -1 };
}

/**
 * Writes a randomly transformed copy of the 784-pixel `source` into `target` (same length; must not
 * alias `source`). Output pixels are rounded and stay in 0..255. Draws from `random` in a fixed
 * order so a seed reproduces the result.
 */
export function augmentImage(source: Uint8Array, target: Uint8Array, options: AugmentOptions, random: Random, scratch = createAugmentScratch()): void {
  const size = IMAGE_SIZE;
  const centre = size / 2; // pixel centres sit at i + 0.5, so the image centre is 14.0
  const angle = ((options.rotation ?? 0) * Math.PI * (2 * random.next() - 1)) / 180;
  const zoom = options.scale ? random.uniform(options.scale[0], options.scale[1]) : 1;
  const maxShift = options.shiftPixels ?? (options.shiftFraction ?? 0) * size;
  const shiftX = maxShift * (2 * random.next() - 1);
  const shiftY = maxShift * (2 * random.next() - 1);
  // Forward map: p' = zoom · R(angle) · (p − c) + c + shift. Inverse: p = R(−angle) · (p' − c − shift) / zoom + c.
  const cos = Math.cos(angle) / zoom;
  const sin = Math.sin(angle) / zoom;
  const elastic = options.elastic ? options.elastic : undefined;
  if (elastic) elasticField(elastic.alpha, elastic.sigma, random, scratch);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x + 0.5 - centre - shiftX;
      const v = y + 0.5 - centre - shiftY;
      let sx = cos * u + sin * v + centre - 0.5;
      let sy = -sin * u + cos * v + centre - 0.5;
      if (elastic) {
        sx += scratch.dx[y * size + x] as number;
        sy += scratch.dy[y * size + x] as number;
      }
      target[y * size + x] = Math.round(bilinear(source, sx, sy));
    }
  }
}

/** Bilinear sample of a 28×28 image at (x, y) in pixel-index coordinates, zero outside. */
function bilinear(image: Uint8Array, x: number, y: number): number {
  const size = IMAGE_SIZE;
  if (x <= -1 || y <= -1 || x >= size || y >= size) return 0;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const x1 = x0 + 1;
  const y1 = y0 + 1;
  // Inlined bounds checks: this runs 784 times per augmented image.
  const row0 = y0 >= 0 ? y0 * size : -1;
  const row1 = y1 < size ? y1 * size : -1;
  const in0 = x0 >= 0;
  const in1 = x1 < size;
  const p00 = row0 >= 0 && in0 ? (image[row0 + x0] as number) : 0;
  const p10 = row0 >= 0 && in1 ? (image[row0 + x1] as number) : 0;
  const p01 = row1 >= 0 && in0 ? (image[row1 + x0] as number) : 0;
  const p11 = row1 >= 0 && in1 ? (image[row1 + x1] as number) : 0;
  return (p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy;
}

/** Simard's displacement field: uniform(−1, 1) per pixel and axis, Gaussian-smoothed (separable, zero padding), scaled by alpha. */
function elasticField(alpha: number, sigma: number, random: Random, scratch: AugmentScratch): void {
  if (scratch.kernelSigma !== sigma) {
    scratch.kernel = gaussianBandMatrix(sigma);
    scratch.kernelSigma = sigma;
  }
  for (const field of [scratch.dx, scratch.dy]) {
    for (let i = 0; i < PIXELS_PER_IMAGE; i++) field[i] = 2 * random.next() - 1;
    smooth(field, scratch.tmp, scratch.kernel);
    for (let i = 0; i < PIXELS_PER_IMAGE; i++) field[i] = (field[i] as number) * alpha;
  }
}

/**
 * The 1-D Gaussian blur with zero padding as a 28×28 matrix G (row i holds the unit-sum kernel
 * centred on i, as in Simard's paper, so alpha and sigma mean what they mean there). Blurring a
 * field F both ways is then G·F·Gᵀ: branch-free loops, several times faster than tap loops with
 * bounds checks.
 */
function gaussianBandMatrix(sigma: number): Float32Array {
  const size = IMAGE_SIZE;
  const radius = Math.ceil(3 * sigma);
  const weights: number[] = [];
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += weights[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  const matrix = new Float32Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = Math.max(0, i - radius); j <= Math.min(size - 1, i + radius); j++) matrix[i * size + j] = (weights[j - i + radius] as number) / total;
  }
  return matrix;
}

/** field ← G · field · Gᵀ (row-major 28×28), with `tmp` as scratch. */
function smooth(field: Float32Array, tmp: Float32Array, matrix: Float32Array): void {
  const size = IMAGE_SIZE;
  // tmp[y][x] = Σ_j field[y][j] · G[x][j]   (blur along x)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let j = 0; j < size; j++) sum += (field[y * size + j] as number) * (matrix[x * size + j] as number);
      tmp[y * size + x] = sum;
    }
  }
  // field[y][x] = Σ_i G[y][i] · tmp[i][x]   (blur along y)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let i = 0; i < size; i++) sum += (matrix[y * size + i] as number) * (tmp[i * size + x] as number);
      field[y * size + x] = sum;
    }
  }
}
