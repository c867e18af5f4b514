/** Decoded RGBA pixels and the limits on what an image may cost to decode and preprocess. */

/** Limits on what an image may cost to decode. */
export interface ImageLimits {
  /** Largest file accepted, in bytes. Default 20 MiB. */
  maxBytes?: number;
  /** Largest width × height accepted. Default 16,777,216 (4096 × 4096). */
  maxPixels?: number;
}

/** Default `maxBytes`: 20 MiB, far above any digit photo, far below what would hurt a server. */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** Default `maxPixels`: 4096 × 4096; decoding costs 4 bytes per pixel and preprocessing 8 more. */
export const DEFAULT_MAX_IMAGE_PIXELS = 4096 * 4096;

/** Decoded pixels, 4 bytes (RGBA) per pixel, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}
