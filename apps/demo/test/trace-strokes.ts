/**
 * Turns a 28×28 MNIST digit into pen strokes, so a test can draw it with a real mouse the way a
 * person would: threshold the ink, thin it to a one-pixel skeleton (Zhang & Suen, 1984), then walk
 * the skeleton into ordered polylines, starting at stroke ends and then at whatever loops remain.
 */

/** One stroke: points in image pixel coordinates (column, row), in drawing order. */
export type Stroke = { x: number; y: number }[];

const SIDE = 28;
/** Ink at or above this (of 255) is part of the digit. */
const INK = 96;
/** The 8 neighbours in Zhang–Suen order P2..P9: N, NE, E, SE, S, SW, W, NW. */
const RING: readonly [number, number][] = [[0, -1], [1, -1], [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1]];

/** The strokes that trace `pixels` (784 bytes, 0 background, 255 ink). */
export function traceStrokes(pixels: Uint8Array): Stroke[] {
  const skeleton = thin(Uint8Array.from(pixels, (value) => (value >= INK ? 1 : 0)));
  const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < SIDE && y < SIDE ? (skeleton[y * SIDE + x] as number) : 0);
  const neighbours = (x: number, y: number) => RING.map(([dx, dy]) => [x + dx, y + dy] as [number, number]).filter(([nx, ny]) => at(nx, ny) === 1);
  const visited = new Uint8Array(SIDE * SIDE);
  const strokes: Stroke[] = [];

  const walk = (startX: number, startY: number) => {
    const stroke: Stroke = [{ x: startX, y: startY }];
    visited[startY * SIDE + startX] = 1;
    let [x, y] = [startX, startY];
    let direction: [number, number] = [0, 0];
    for (;;) {
      const open = neighbours(x, y).filter(([nx, ny]) => visited[ny * SIDE + nx] === 0);
      if (open.length === 0) {
        // Join the stroke to the skeleton it meets (a junction walked earlier), as a pen would.
        const meet = neighbours(x, y).find(([nx, ny]) => stroke.length < 2 || nx !== stroke.at(-2)!.x || ny !== stroke.at(-2)!.y);
        if (meet && stroke.length > 1) stroke.push({ x: meet[0], y: meet[1] });
        break;
      }
      // Keep going the way the pen was going: the neighbour best aligned with the last step.
      open.sort(([ax, ay], [bx, by]) => alignment(direction, bx - x, by - y) - alignment(direction, ax - x, ay - y));
      const [nx, ny] = open[0]!;
      direction = [nx - x, ny - y];
      [x, y] = [nx, ny];
      visited[y * SIDE + x] = 1;
      stroke.push({ x, y });
    }
    strokes.push(stroke);
  };

  // Stroke ends first (one neighbour), top to bottom; then loops (an 0, the bowls of 6, 8, 9).
  for (const wantEnds of [true, false]) {
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        if (at(x, y) !== 1 || visited[y * SIDE + x] === 1) continue;
        if (wantEnds && neighbours(x, y).length !== 1) continue;
        walk(x, y);
      }
    }
  }
  return strokes;
}

function alignment([dx, dy]: [number, number], stepX: number, stepY: number): number {
  return (dx * stepX + dy * stepY) / Math.hypot(stepX, stepY);
}

/** Zhang–Suen thinning of a 0/1 image, in place; returns it. */
function thin(image: Uint8Array): Uint8Array {
  const get = (x: number, y: number) => (x >= 0 && y >= 0 && x < SIDE && y < SIDE ? (image[y * SIDE + x] as number) : 0);
  for (let changed = true; changed; ) {
    changed = false;
    for (const pass of [0, 1]) {
      const remove: number[] = [];
      for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
          if (get(x, y) !== 1) continue;
          const p = RING.map(([dx, dy]) => get(x + dx, y + dy));
          const filled = p.reduce((sum, value) => sum + value, 0);
          let transitions = 0;
          for (let i = 0; i < 8; i++) if (p[i] === 0 && p[(i + 1) % 8] === 1) transitions++;
          const [p2, , p4, , p6, , p8] = p as [number, number, number, number, number, number, number, number];
          const sides = pass === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0;
          if (filled >= 2 && filled <= 6 && transitions === 1 && sides) remove.push(y * SIDE + x);
        }
      }
      for (const index of remove) image[index] = 0;
      if (remove.length > 0) changed = true;
    }
  }
  return image;
}
