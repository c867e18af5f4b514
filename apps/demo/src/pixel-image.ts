/** Draws 28×28 MNIST-style bytes (0 background, 255 ink) into a canvas, white ink on black as the model sees it. */
export function paintPixels(canvas: HTMLCanvasElement, pixels: Uint8Array | undefined, side = 28): void {
  canvas.width = side;
  canvas.height = side;
  const context = canvas.getContext('2d');
  if (!context) return;
  const image = context.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const value = pixels?.[i] ?? 0;
    image.data[4 * i] = value;
    image.data[4 * i + 1] = value;
    image.data[4 * i + 2] = value;
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}
