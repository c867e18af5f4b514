// The zoo nets as tfjs-layers graphs, for the profiler and the throughput benchmark (the same
// architectures as /work/shared/bench/pytorch_reference.py). Bench-only: the product builders live
// in @digitlab/models.
import * as tfl from '@tensorflow/tfjs-layers';

export function seedCnn() {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tfl.layers.dense({ units: 10 }));
  return model;
}

export function fastCnn() {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 24, kernelSize: 5 }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.conv2d({ filters: 32, kernelSize: 5 }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 256, activation: 'relu' }));
  model.add(tfl.layers.dense({ units: 10 }));
  return model;
}

export function bnCnn() {
  const model = tfl.sequential();
  const block = (filters, first) => {
    model.add(tfl.layers.conv2d({ ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: 3, padding: 'same', useBias: false }));
    model.add(tfl.layers.batchNormalization());
    model.add(tfl.layers.activation({ activation: 'relu' }));
    model.add(tfl.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', useBias: false }));
    model.add(tfl.layers.batchNormalization());
    model.add(tfl.layers.activation({ activation: 'relu' }));
    model.add(tfl.layers.dropout({ rate: 0.25 }));
  };
  block(32, true);
  block(64, false);
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tfl.layers.dropout({ rate: 0.25 }));
  model.add(tfl.layers.dense({ units: 10 }));
  return model;
}

export function mlp() {
  const model = tfl.sequential();
  model.add(tfl.layers.flatten({ inputShape: [28, 28, 1] }));
  model.add(tfl.layers.dense({ units: 256, activation: 'relu' }));
  model.add(tfl.layers.dropout({ rate: 0.2 }));
  model.add(tfl.layers.dense({ units: 10 }));
  return model;
}

/** ResNet with a 3x3 stem, 4 stages x 2 basic blocks, stride 2 + 1x1 projection on downsampling. */
export function resnet(widths = [16, 32, 64, 128]) {
  const input = tfl.input({ shape: [28, 28, 1] });
  const convBn = (x, filters, strides, relu, kernelSize = 3) => {
    let y = tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false }).apply(x);
    y = tfl.layers.batchNormalization().apply(y);
    return relu ? tfl.layers.activation({ activation: 'relu' }).apply(y) : y;
  };
  let x = convBn(input, widths[0], 1, true);
  let channels = widths[0];
  widths.forEach((width, stage) => {
    for (let index = 0; index < 2; index++) {
      const strides = stage > 0 && index === 0 ? 2 : 1;
      let y = convBn(x, width, strides, true);
      y = convBn(y, width, 1, false);
      const shortcut = strides !== 1 || channels !== width ? convBn(x, width, strides, false, 1) : x;
      x = tfl.layers.activation({ activation: 'relu' }).apply(tfl.layers.add().apply([y, shortcut]));
      channels = width;
    }
  });
  x = tfl.layers.globalAveragePooling2d({}).apply(x);
  const output = tfl.layers.dense({ units: 10 }).apply(x);
  return tfl.model({ inputs: input, outputs: output });
}

export const models = {
  'seed-cnn': seedCnn,
  'fast-cnn': fastCnn,
  'bn-cnn': bnCnn,
  mlp,
  'resnet-mini': () => resnet([16, 32, 64, 128]),
  'resnet-18': () => resnet([64, 128, 256, 512]),
};

/**
 * One hand-written training step: forward (training mode), softmax cross-entropy, gradients of
 * every trainable variable, optimizer update. Returns nothing; disposes everything it made.
 */
export function trainStep(tf, model, optimizer, images, labels, { labelSmoothing = 0 } = {}) {
  tf.tidy(() => {
    const { grads, value } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }), undefined, labelSmoothing));
    optimizer.applyGradients(grads);
    tf.dispose(value);
  });
}
