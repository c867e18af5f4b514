/**
 * The zoo architectures (seed CNN, fast CNN, BN CNN, MLP, ResNet basic blocks) rebuilt with
 * tfjs-layers for the gradient tests. @digitlab/models already depends on this package (its tests
 * run on wasm), so depending back on it would make the workspace graph cyclic (turbo refuses
 * cycles); these mirror its architectures layer for layer. Dropout layers are seeded so the cpu
 * and wasm runs drop the same units.
 */
import * as tfl from '@tensorflow/tfjs-layers';

const seed = 7;

export function seedCnn(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }));
  model.add(tfl.layers.dropout({ rate: 0.25, seed }));
  model.add(tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }) }));
  return model;
}

export function fastCnn(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 24, kernelSize: 5, kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.conv2d({ filters: 32, kernelSize: 5, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 256, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }));
  model.add(tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }) }));
  return model;
}

/** Conv + BN + ReLU, a stride-2 'same' conv, seeded dropout, average pooling, dense head. */
export function bnCnn(): tfl.LayersModel {
  const model = tfl.sequential();
  let layerSeed = seed;
  const block = (filters: number, first: boolean) => {
    model.add(tfl.layers.conv2d({ ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.heNormal({ seed: layerSeed++ }) }));
    model.add(tfl.layers.batchNormalization());
    model.add(tfl.layers.activation({ activation: 'relu' }));
    model.add(tfl.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.heNormal({ seed: layerSeed++ }) }));
    model.add(tfl.layers.batchNormalization());
    model.add(tfl.layers.activation({ activation: 'relu' }));
    model.add(tfl.layers.dropout({ rate: 0.25, seed: layerSeed++ }));
  };
  block(16, true);
  block(32, false);
  model.add(tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: layerSeed++ }) }));
  model.add(tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: layerSeed++ }) }));
  return model;
}

export function mlp(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.flatten({ inputShape: [28, 28, 1] }));
  model.add(tfl.layers.dense({ units: 256, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  model.add(tfl.layers.dropout({ rate: 0.2, seed }));
  model.add(tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  return model;
}

/** ResNet: 3x3 stem, basic blocks with BN, stride 2 + 1x1 projections, global average pooling. */
export function resnet(widths: readonly number[]): tfl.LayersModel {
  let layerSeed = seed;
  const input = tfl.input({ shape: [28, 28, 1] });
  const convBn = (x: tfl.SymbolicTensor, filters: number, strides: number, relu: boolean, kernelSize = 3): tfl.SymbolicTensor => {
    const conv = tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.heNormal({ seed: layerSeed++ }) });
    // Random BN scale/offset so their gradients are not the degenerate ones of 1 and 0.
    const norm = tfl.layers.batchNormalization({
      gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: layerSeed++ }),
      betaInitializer: tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: layerSeed++ }),
    });
    const y = norm.apply(conv.apply(x)) as tfl.SymbolicTensor;
    return relu ? (tfl.layers.activation({ activation: 'relu' }).apply(y) as tfl.SymbolicTensor) : y;
  };
  let x = convBn(input, widths[0] as number, 1, true);
  let channels = widths[0] as number;
  widths.forEach((width, stage) => {
    for (let index = 0; index < 2; index++) {
      const strides = stage > 0 && index === 0 ? 2 : 1;
      let y = convBn(x, width, strides, true);
      y = convBn(y, width, 1, false);
      const shortcut = strides !== 1 || channels !== width ? convBn(x, width, strides, false, 1) : x;
      x = tfl.layers.activation({ activation: 'relu' }).apply(tfl.layers.add().apply([y, shortcut])) as tfl.SymbolicTensor;
      channels = width;
    }
  });
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: layerSeed++ }) }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}
