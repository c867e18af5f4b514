/**
 * Counter-based randomness: every random choice the trainer makes is a pure function of
 * `(seed, purpose, counter)`, so the whole RNG state of a run is its seed plus its step — which is
 * what a checkpoint stores, and why a resumed run draws exactly what the uninterrupted one would.
 */

/** Mixes 32-bit words into one well-spread 32-bit unsigned integer (splitmix32 finaliser per word). */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let hash = mix32(seed >>> 0 ^ 0x9e3779b9);
  for (const part of parts) hash = mix32((hash ^ mix32(part >>> 0)) + 0x9e3779b9);
  return hash >>> 0;
}

function mix32(value: number): number {
  // splitmix32: multiply-xorshift rounds with the constants from Steele et al. (2014).
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Purposes of derived seeds, so two uses of the same step never share a stream. */
export const SeedPurpose = { dropout: 1, shuffle: 2, augment: 3 } as const;
