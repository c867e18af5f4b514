import * as tf from '@tensorflow/tfjs-core';
import { AdaLoraConv2D } from './adalora-conv2d.js';
import { AdaLoraDense } from './adalora-dense.js';
import { Adapter } from './adapter.js';
import { Ia3Conv2D } from './ia3-conv2d.js';
import { Ia3Dense } from './ia3-dense.js';
import { LoraConv2D } from './lora-conv2d.js';
import { LoraDense } from './lora-dense.js';

let registered = false;

/**
 * Registers digitlab's custom layers (`LoraDense`, `LoraConv2D`, `Adapter`, `Ia3Dense`, `Ia3Conv2D`, `AdaLoraDense`, `AdaLoraConv2D`) with tfjs's
 * serialization registry, so `tf.loadLayersModel` can rebuild unmerged fine-tuned models.
 * Done on demand rather than at import (the package has no import side effects): `loadModel`,
 * the surgery helpers and the layers' constructors call it. Call it yourself before loading an
 * unmerged model with stock `tf.loadLayersModel`. Idempotent.
 */
export function registerCustomLayers(): void {
  if (registered) return;
  registered = true;
  tf.serialization.registerClass(LoraDense);
  tf.serialization.registerClass(LoraConv2D);
  tf.serialization.registerClass(Adapter);
  tf.serialization.registerClass(Ia3Dense);
  tf.serialization.registerClass(Ia3Conv2D);
  tf.serialization.registerClass(AdaLoraDense);
  tf.serialization.registerClass(AdaLoraConv2D);
}
