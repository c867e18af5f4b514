/**
 * Seeded pseudo-random numbers. Everything random in this package goes through here so that a seed
 * reproduces splits, shuffles and augmentations exactly (Math.random is never used).
 */

/** A seeded generator of uniform numbers in [0, 1) and the few distributions we need. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform in [low, high). */
  uniform(low: number, high: number): number;
}

/**
 * mulberry32: a 32-bit state generator, fast and good enough for shuffling and augmentation
 * (passes gjrand's basic tests; not for cryptography).
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    uniform: (low, high) => low + (high - low) * next(),
  };
}

/**
 * Mixes several integers (seed, epoch, stream id) into one 32-bit seed, so streams derived from
 * the same seed are decorrelated (murmur3's finaliser on each step).
 */
export function mixSeed(...parts: number[]): number {
  let hash = 0x9e3779b9;
  for (const part of parts) {
    hash ^= Math.imul((part | 0) ^ Math.floor(part / 4294967296), 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
    hash ^= hash >>> 16;
  }
  return hash >>> 0;
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [index: number]: number }>(array: T, random: Random): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const swap = array[i] as number;
    array[i] = array[j] as number;
    array[j] = swap;
  }
  return array;
}

/** The integers 0..n-1 in an order determined by `random`. */
export function permutation(n: number, random: Random): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, random);
}
