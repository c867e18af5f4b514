/**
 * @digitlab/viz/node — everything in `@digitlab/viz`, plus writing images to files in Node.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodePng, type RgbaImage } from './render/raster.js';

export * from './index.js';

/** Writes `image` as a PNG file at `path`, creating its folder. */
export async function writePng(path: string, image: RgbaImage): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodePng(image));
}
