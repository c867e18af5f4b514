/** Decoding PNG and JPEG bytes to RGBA (pngjs, jpeg-js) with size limits checked before any large allocation. Node-only. */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ImageError } from '../errors.js';
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_PIXELS, type ImageLimits, type RgbaImage } from '../rgba-image.js';

/** The format of image bytes from their magic number, or undefined when they are neither PNG nor JPEG. */
export function sniffImageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Decodes PNG or JPEG bytes (the format is read from the bytes, not the file name); errors name `path`. */
export function decodeImage(bytes: Uint8Array, path: string, limits: ImageLimits = {}): RgbaImage {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  if (bytes.length === 0) throw new ImageError(`${path}: the file is empty. Pass a PNG or JPEG image.`, path);
  if (bytes.length > maxBytes) throw new ImageError(`${path}: ${bytes.length} bytes, over the ${maxBytes}-byte limit (maxBytes). Shrink the image or raise maxBytes.`, path);
  const format = sniffImageFormat(bytes);
  if (!format) {
    const first = Array.from(bytes.subarray(0, 4), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    throw new ImageError(`${path}: not a supported image (first bytes ${first}). Supported formats: PNG, JPEG.`, path);
  }
  const tooLarge = (width: number, height: number) =>
    new ImageError(`${path}: ${width}×${height} = ${width * height} pixels, over the ${maxPixels}-pixel limit (maxPixels). Shrink the image or raise maxPixels.`, path);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    // IHDR is always the first chunk: width and height are big-endian at bytes 16 and 20.
    if (bytes.length >= 24) {
      const width = buffer.readUInt32BE(16);
      const height = buffer.readUInt32BE(20);
      if (width * height > maxPixels) throw tooLarge(width, height);
    }
    try {
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } catch (error) {
      throw new ImageError(`${path}: cannot decode PNG (${(error as Error).message}). The file is damaged or not really a PNG: export or download it again.`, path, { cause: error });
    }
  }
  const size = jpegSize(bytes);
  if (size && size.width * size.height > maxPixels) throw tooLarge(size.width, size.height);
  try {
    const image = jpeg.decode(buffer, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: Math.max(64, Math.ceil((maxPixels * 8) / 1e6)),
    });
    return { width: image.width, height: image.height, data: image.data };
  } catch (error) {
    throw new ImageError(`${path}: cannot decode JPEG (${(error as Error).message}). The file is damaged, too large or not really a JPEG: export or download it again.`, path, { cause: error });
  }
}

/** Width and height from a JPEG's first start-of-frame marker, without decoding. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] as number;
    const length = ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = ((bytes[offset + 5] as number) << 8) | (bytes[offset + 6] as number);
      const width = ((bytes[offset + 7] as number) << 8) | (bytes[offset + 8] as number);
      return { width, height };
    }
    offset += 2 + length;
  }
  return undefined;
}
