/** A Keras-style size argument (`3` or `[3, 3]`) as `[height, width]`; one number means both. */
export function pair(value: number | number[]): [number, number] {
  const [first = 1, second = first] = typeof value === 'number' ? [value] : value;
  return [first, second];
}
