/**
 * Conv / pool geometry for our kernels: tfjs's own `computeConv2DInfo`, so padding ('valid',
 * 'same', explicit) and rounding agree with every other backend by construction.
 * @internal
 */
import { backend_util } from '@tensorflow/tfjs-core';
import { WasmBackendError } from '../errors.js';

/** The attributes tfjs passes to both convolution-gradient kernels. */
export interface ConvBackpropAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Shapes, strides and the top/left padding of a 2-D convolution or pool, NHWC. */
export interface Conv2DGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  filterHeight: number;
  filterWidth: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

function fromInfo(info: backend_util.Conv2DInfo): Conv2DGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/** Geometry of a conv2d with `filterShape` HWIO over `inputShape` NHWC (dilation 1). */
export function conv2dGeometry(
  kernelName: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  strides: [number, number] | number,
  pad: Pad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  dataFormat: 'NHWC' | 'NCHW' | undefined,
): Conv2DGeometry {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new WasmBackendError(`${kernelName}: dataFormat "${dataFormat}" is not supported on wasm. Should be "NHWC"; transpose NCHW inputs first.`);
  }
  const info = backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return fromInfo(info);
}

/** Geometry of a 2-D pool over `inputShape` NHWC. */
export function pool2dGeometry(
  inputShape: readonly number[],
  filterSize: [number, number] | number,
  strides: [number, number] | number,
  pad: Pad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): Conv2DGeometry {
  const info = backend_util.computePool2DInfo(inputShape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  return fromInfo(info);
}
