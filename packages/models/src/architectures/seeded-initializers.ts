import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Hands out one initializer seed per layer, derived from the model seed, so the same model seed
 * always gives the same weights while no two layers share a random stream. Without a model seed
 * every initializer is unseeded (fresh random weights each time).
 * @internal
 */
export class SeededInitializers {
  private index = 0;
  constructor(private readonly seed: number | undefined) {}

  private next(): number | undefined {
    this.index += 1;
    // A large odd multiplier keeps (seed, layer) pairs from colliding for small seeds.
    return this.seed === undefined ? undefined : this.seed * 7919 + this.index;
  }

  /** He-normal: for layers followed by ReLU (keeps activation variance stable). */
  he(): ReturnType<typeof tfl.initializers.heNormal> {
    return tfl.initializers.heNormal({ seed: this.next() });
  }

  /** Glorot-uniform: for the linear logits head. */
  glorot(): ReturnType<typeof tfl.initializers.glorotUniform> {
    return tfl.initializers.glorotUniform({ seed: this.next() });
  }
}
