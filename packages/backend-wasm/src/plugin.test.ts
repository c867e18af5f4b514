import * as tf from '@tensorflow/tfjs-core';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import { BackendError } from '@digitlab/backend';
import { createWasmPlugin, registerWasmTrainingKernels, WasmBackendError, wasmTrainingKernelNames, WASM_PLUGIN_PRIORITY, type WasmPaths } from './index.js';

describe('createWasmPlugin', () => {
  it('describes the wasm engine without loading it', async () => {
    const plugin = createWasmPlugin();
    expect(plugin.specificationVersion).toBe('v1');
    expect(plugin.name).toBe('wasm');
    expect(plugin.tfjsBackendName).toBe('wasm');
    expect(plugin.platforms).toEqual(['node', 'browser']);
    expect(plugin.priority).toBe(WASM_PLUGIN_PRIORITY);
    await tf.setBackend('cpu');
    const detection = await plugin.detect();
    expect(detection).toEqual({ available: true, reason: 'WebAssembly is available' });
    // detect() must not switch the backend.
    expect(tf.getBackend()).toBe('cpu');
  });

  it('loads wasm, makes it current and registers our kernels', async () => {
    const messages: string[] = [];
    const loaded = await createWasmPlugin({ log: (message) => messages.push(message) }).load({ threads: 1 });
    expect(loaded.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(loaded.capabilities.simd).toBe(true);
    expect(loaded.capabilities.threads).toBe(1);
    expect(messages.join('\n')).toMatch(/using wasm \(simd, 1 thread/);
    for (const name of wasmTrainingKernelNames()) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
  });

  // This file does not import the relaxed-simd fixture: Node 20 starts without relaxed SIMD here.
  it('says why the FMA kernels do not run without relaxed SIMD, and uses them once the app enables it', async () => {
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    const messages: string[] = [];
    const plugin = createWasmPlugin({ log: (message) => messages.push(message) });
    if (nodeMajor < 22) {
      const before = await plugin.load({ threads: 1 });
      expect(before.capabilities.relaxedSimd).toBe(false);
      expect(String(before.capabilities.relaxedSimdFallback)).toMatch(/no relaxed SIMD.*--experimental-wasm-relaxed-simd/);
      expect(messages.pop()).toMatch(/^using wasm \(simd, 1 thread; Node .* has no relaxed SIMD/);
      setFlagsFromString('--experimental-wasm-relaxed-simd'); // what apps/cli's bin.ts does
    }
    const after = await plugin.load({ threads: 1 });
    expect(after.capabilities.relaxedSimd).toBe(true);
    expect(after.capabilities.relaxedSimdFallback).toBeUndefined();
    expect(messages.pop()).toBe('using wasm (simd + relaxed-simd FMA, 1 thread)');
  });

  it('registers kernels idempotently', async () => {
    await createWasmPlugin().load();
    const before = wasmTrainingKernelNames().map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    const again = registerWasmTrainingKernels();
    expect(again.added).toEqual([]);
    expect(again.replaced).toEqual([]);
    expect(again.unchanged.sort()).toEqual(wasmTrainingKernelNames().sort());
    expect(wasmTrainingKernelNames().map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(before);
  });

  it('rejects wasmPaths tfjs would misread, naming the value and the fix', async () => {
    await expect(createWasmPlugin({ wasmPaths: '/static/wasm' }).load()).rejects.toThrow('wasmPaths must be a folder URL ending in "/" (tfjs appends the file name to it), got "/static/wasm". Pass "/static/wasm/".');
    const partial = { 'tfjs-backend-wasm.wasm': '/a.wasm', 'tfjs-backend-wasm-simd.wasm': '/b.wasm', 'tfjs-backend-wasm-threded-simd.wasm': '/c.wasm' };
    await expect(createWasmPlugin({ wasmPaths: partial as unknown as WasmPaths }).load()).rejects.toThrow(
      /missing: tfjs-backend-wasm-threaded-simd\.wasm; not a tfjs-backend-wasm file: tfjs-backend-wasm-threded-simd\.wasm/,
    );
  });

  it('throws WasmBackendError, a BackendError of @digitlab/backend', async () => {
    const error = await createWasmPlugin().load({ threads: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WasmBackendError);
    expect(error).toBeInstanceOf(BackendError);
    expect(WasmBackendError.isInstance(error)).toBe(true);
    expect(BackendError.isInstance(error)).toBe(true);
    expect(WasmBackendError.isInstance(new BackendError('another backend error'))).toBe(false);
  });

  it('rejects a bad thread count with the value in the message', async () => {
    await expect(createWasmPlugin().load({ threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
  });
});
