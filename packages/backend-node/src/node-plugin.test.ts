import * as tf from '@tensorflow/tfjs-core';
import { createCpuPlugin, NoBackendAvailableError, selectBackend } from '@digitlab/backend';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFakeNativePackage } from './__fixtures__/fake-native-package.js';
import { inspectNativePackage } from './native-package.js';
import { createNodePlugin } from './node-plugin.js';

const roots: string[] = [];
function fake(options: Parameters<typeof writeFakeNativePackage>[0] = {}) {
  const written = writeFakeNativePackage(options);
  roots.push(written.root);
  return written;
}
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function installedHere(specifier: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${specifier}/package.json`);
    return true;
  } catch {
    return false;
  }
}

describe('tensorflow plugin detection', () => {
  it.skipIf(installedHere('@tensorflow/tfjs-node'))('on this machine, says tfjs-node is not installed and how to install it', async () => {
    const detection = await createNodePlugin().detect();
    expect(detection.available).toBe(false);
    expect(detection.reason).toBe('@tensorflow/tfjs-node not installed');
    expect(detection.fix).toMatch(/^npm install @tensorflow\/tfjs-node@4\.22\.0/);
  });

  it('finds a package without its native binding and says how to rebuild it, mirror included', async () => {
    const { root, packageDir } = fake({ binding: false });
    const detection = await createNodePlugin({ resolveFrom: [root] }).detect();
    expect(detection).toEqual({
      available: false,
      reason: `@tensorflow/tfjs-node is installed at ${packageDir} but its native binding lib/napi-v*/tfjs_binding.node is missing (its install script did not download or build it)`,
      fix: 'npm rebuild @tensorflow/tfjs-node (if storage.googleapis.com is blocked: TFJS_NODE_CDN_STORAGE=<reachable mirror> npm rebuild @tensorflow/tfjs-node)',
    });
  });

  it('finds a binding without libtensorflow', async () => {
    const { root } = fake({ libtensorflow: false });
    const detection = await createNodePlugin({ resolveFrom: [root] }).detect();
    expect(detection.available).toBe(false);
    expect(detection.reason).toMatch(/but libtensorflow is missing from deps\/lib\/ \(the download at install time failed\)$/);
    expect(detection.fix).toContain('TFJS_NODE_CDN_STORAGE=<reachable mirror> npm rebuild @tensorflow/tfjs-node');
  });

  it('rejects another tfjs version, which would bring a second tfjs', async () => {
    const { root } = fake({ version: '4.10.0' });
    const detection = await createNodePlugin({ resolveFrom: [root] }).detect();
    expect(detection.available).toBe(false);
    expect(detection.reason).toMatch(/^@tensorflow\/tfjs-node@4\.10\.0 is installed at .* but digitlab is built on tfjs 4\.22\.0$/);
    expect(detection.fix).toBe('npm install @tensorflow/tfjs-node@4.22.0');
  });

  it('accepts a complete install and reports where libtensorflow is', async () => {
    const { root, packageDir } = fake();
    const status = inspectNativePackage('@tensorflow/tfjs-node', { resolveFrom: [root] });
    expect(status.problem).toBeUndefined();
    expect(status.bindingPath).toBe(join(packageDir, 'lib', 'napi-v8', 'tfjs_binding.node'));
    expect(status.libtensorflowPath).toBe(join(packageDir, 'deps', 'lib', 'libtensorflow.so.2'));
    const detection = await createNodePlugin({ resolveFrom: [root] }).detect();
    expect(detection.available).toBe(true);
    expect(detection.reason).toContain(`@tensorflow/tfjs-node@4.22.0 with ${status.libtensorflowPath}`);
  });
});

describe('tensorflow plugin load', () => {
  it('imports the package, undoes its own setBackend, and makes tensorflow current through the registry', async () => {
    await selectBackend('cpu', { plugins: [createCpuPlugin()] });
    const { root } = fake();
    const plugin = createNodePlugin({ resolveFrom: [root] });
    const selection = await selectBackend('tensorflow', { plugins: [plugin, createCpuPlugin()] });
    expect(selection.chosen).toEqual({ name: 'tensorflow', tfjsBackendName: 'tensorflow', capabilities: { device: 'cpu', native: true } });
    expect(tf.getBackend()).toBe('tensorflow');
    expect((globalThis as { fakeTfjsNodeImports?: number }).fakeTfjsNodeImports).toBe(1);
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(Array.from(await product.data())).toEqual([11]);
    product.dispose();
    await selectBackend('cpu', { plugins: [createCpuPlugin()] });
  });

  it('turns an import failure into an error with the rebuild command, and keeps the previous backend', async () => {
    await selectBackend('cpu', { plugins: [createCpuPlugin()] });
    const { root } = fake({ importError: 'libtensorflow.so.2: cannot open shared object file: No such file or directory' });
    const failure = selectBackend('tensorflow', { plugins: [createNodePlugin({ resolveFrom: [root] })] });
    await expect(failure).rejects.toBeInstanceOf(NoBackendAvailableError);
    await expect(failure).rejects.toThrow(/\[tensorflow\] load\(\) failed: importing @tensorflow\/tfjs-node from .* failed: libtensorflow\.so\.2: cannot open shared object file.*run: npm rebuild @tensorflow\/tfjs-node/);
    expect(tf.getBackend()).toBe('cpu');
  });
});
