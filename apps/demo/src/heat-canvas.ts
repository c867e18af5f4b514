/**
 * Paints plain numbers onto canvases: feature-map grids (one tile per channel, grey from the layer's
 * smallest to largest value), unit strips for dense layers, and attribution overlays (the input in
 * grey under red for positive and blue for negative evidence).
 */

/** Largest absolute value, at least a tiny positive number (so an all-zero map divides safely). */
function extent(values: ArrayLike<number>): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return high > low ? { low, high } : { low, high: low + 1e-6 };
}

/**
 * One tile per channel of an NHWC map `[height, width, channels]` (channel fastest), in a grid of
 * `columns`, each pixel `scale` screen pixels; grey levels share one scale across the layer.
 */
export function featureMapGrid(shape: readonly number[], values: Float32Array, { scale = 2, gap = 2, maxColumns = 16 } = {}): HTMLCanvasElement {
  const [height = 1, width = 1, channels = 1] = shape;
  const columns = Math.min(maxColumns, channels);
  const rows = Math.ceil(channels / columns);
  const canvas = document.createElement('canvas');
  canvas.width = columns * (width + gap) - gap;
  canvas.height = rows * (height + gap) - gap;
  canvas.style.width = `${canvas.width * scale}px`;
  canvas.style.height = `${canvas.height * scale}px`;
  canvas.className = 'pixelated';
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  const { low, high } = extent(values);
  for (let channel = 0; channel < channels; channel++) {
    const left = (channel % columns) * (width + gap);
    const top = Math.floor(channel / columns) * (height + gap);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const value = values[(y * width + x) * channels + channel] as number;
        const level = Math.round((255 * (value - low)) / (high - low));
        const offset = 4 * ((top + y) * canvas.width + left + x);
        image.data[offset] = level;
        image.data[offset + 1] = level;
        image.data[offset + 2] = level;
      }
    }
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** A dense layer's units as a strip of cells (up to 32 per row), grey from smallest to largest. */
export function unitStrip(values: Float32Array, { cell = 8, perRow = 32 } = {}): HTMLCanvasElement {
  const columns = Math.min(perRow, values.length);
  const rows = Math.ceil(values.length / columns);
  const canvas = document.createElement('canvas');
  canvas.width = columns * cell;
  canvas.height = rows * cell;
  const context = canvas.getContext('2d')!;
  const { low, high } = extent(values);
  values.forEach((value, index) => {
    const level = Math.round((255 * (value - low)) / (high - low));
    context.fillStyle = `rgb(${level}, ${level}, ${level})`;
    context.fillRect((index % columns) * cell, Math.floor(index / columns) * cell, cell - 1, cell - 1);
  });
  return canvas;
}

/**
 * The 28×28 input in grey with an attribution map over it: red where it raises the class score,
 * blue where it lowers it, opacity by magnitude relative to the largest.
 */
export function attributionOverlay(pixels: Uint8Array, attribution: Float32Array, side = 28, scale = 5): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  canvas.style.width = `${side * scale}px`;
  canvas.style.height = `${side * scale}px`;
  canvas.className = 'pixelated';
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(side, side);
  let peak = 1e-12;
  for (const value of attribution) peak = Math.max(peak, Math.abs(value));
  for (let i = 0; i < side * side; i++) {
    const grey = 40 + 0.5 * (pixels[i] as number);
    const strength = Math.min(1, Math.abs(attribution[i] as number) / peak);
    const [r, g, b] = (attribution[i] as number) >= 0 ? [255, 40, 40] : [40, 90, 255];
    image.data[4 * i] = Math.round(grey * (1 - strength) + r * strength);
    image.data[4 * i + 1] = Math.round(grey * (1 - strength) + g * strength);
    image.data[4 * i + 2] = Math.round(grey * (1 - strength) + b * strength);
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}
