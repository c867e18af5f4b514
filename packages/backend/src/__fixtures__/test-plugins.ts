/**
 * Small real plugins for the selection tests: one whose detect() says no, one whose detect() throws,
 * one whose load() fails inside tfjs (a backend factory that throws), one for the browser only, and a
 * working one that registers a second tfjs backend name over tfjs's cpu engine and kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendPlugin, LoadedBackend } from '../plugin.js';
import { activateTfjsBackend } from '../activate-backend.js';

interface Calls {
  detect: number;
  load: number;
}

function base(name: string, priority: number, platforms: BackendPlugin['platforms'] = ['node', 'browser']) {
  return { specificationVersion: 'v1' as const, name, tfjsBackendName: name, platforms, priority };
}

/** detect() answers unavailable with a fix; load() must never be called. */
export function absentPlugin(name: string, priority: number, calls: Calls = { detect: 0, load: 0 }): BackendPlugin & { calls: Calls } {
  return {
    ...base(name, priority),
    calls,
    async detect() {
      calls.detect += 1;
      return { available: false, reason: `${name}-engine not installed`, fix: `npm install ${name}-engine` };
    },
    async load(): Promise<LoadedBackend> {
      calls.load += 1;
      throw new Error(`load() of ${name} must not run after detect() said no`);
    },
  };
}

/** detect() throws. */
export function brokenDetectPlugin(name: string, priority: number): BackendPlugin {
  return {
    ...base(name, priority),
    async detect() {
      throw new Error('probe exploded');
    },
    async load(): Promise<LoadedBackend> {
      throw new Error('unreachable');
    },
  };
}

/** Detects as available, registers a tfjs backend whose factory throws, so tf.setBackend fails for real. */
export function failingLoadPlugin(name: string, priority: number): BackendPlugin {
  return {
    ...base(name, priority),
    async detect() {
      return { available: true, reason: 'looks fine' };
    },
    async load(): Promise<LoadedBackend> {
      if (tf.findBackendFactory(name) === null) {
        tf.registerBackend(name, () => {
          throw new Error(`${name} device lost`);
        });
      }
      await activateTfjsBackend(name);
      return { name, tfjsBackendName: name, capabilities: {} };
    },
  };
}

/** A working engine: tfjs's cpu backend class registered under another name. */
export function aliasCpuPlugin(name: string, priority: number, platforms: BackendPlugin['platforms'] = ['node', 'browser']): BackendPlugin {
  return {
    ...base(name, priority, platforms),
    async detect() {
      return { available: true, reason: 'cpu engine under another name' };
    },
    async load(): Promise<LoadedBackend> {
      const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
      if (tf.findBackendFactory(name) === null) {
        tf.registerBackend(name, () => new MathBackendCPU());
        // Kernels are registered per (kernel, backend): give the alias cpu's, as an engine plugin would its own.
        for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: name });
      }
      await activateTfjsBackend(name);
      return { name, tfjsBackendName: name, capabilities: { simd: false, threads: 1 } };
    },
  };
}
